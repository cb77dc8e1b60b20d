import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLocalHostHeader, isLoopbackAddress } from './local-host.js';

test('loopback addresses as sockets report them', () => {
  for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(address), true, address);
  for (const address of [undefined, '10.0.0.1', '::ffff:10.0.0.1', '::', '0.0.0.0', '1127.0.0.1']) assert.equal(isLoopbackAddress(address), false, String(address));
});

test('local Host headers: IP literals, localhost and *.localhost, with or without a port', () => {
  for (const host of [undefined, '127.0.0.1', '127.0.0.1:4141', 'localhost', 'LocalHost:80', 'localhost.', 'a.b.localhost:9', '[::1]:4141', '[::1]', 'localhost:', '[fe80::1]', '192.168.1.7:4141']) {
    assert.equal(isLocalHostHeader(host), true, String(host));
  }
  for (const host of ['evil.example', 'evil.example:4141', 'localhost.evil.example', '127.0.0.1.nip.io', 'localhostx', '[evil]', '[::1', '', '999.1.1.1', 'localhost:1.evil.example', '127.0.0.1:80.evil.example', 'localhost:x', '[::1]evil.example', '[::1]:1.evil.example', 'a.localhost:123456']) {
    assert.equal(isLocalHostHeader(host), false, host);
  }
});
