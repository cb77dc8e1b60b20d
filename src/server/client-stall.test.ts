import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer, get, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { drained, endInSlices } from './client-stall.js';

/** A response's events and destroy(), as drained() uses them. */
class FakeResponse extends EventEmitter {
  destroyed = false;
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

test('drained resolves on drain, and on close, without destroying anything', async () => {
  for (const event of ['drain', 'close']) {
    const response = new FakeResponse();
    const waiting = drained(response as never, 10_000);
    response.emit(event);
    await waiting;
    assert.equal(response.destroyed, false, event);
    assert.equal(response.listenerCount('drain') + response.listenerCount('close'), 0, 'its listeners are gone');
  }
});

test('a client that reads nothing for the stall time has its connection destroyed', async () => {
  const response = new FakeResponse();
  const started = performance.now();
  await drained(response as never, 50);
  assert.equal(response.destroyed, true);
  assert.ok(performance.now() - started >= 45);
  assert.equal(response.listenerCount('drain') + response.listenerCount('close'), 0);
});

describe('endInSlices on a real connection', () => {
  const STALL_MS = 2000;
  // Larger than what loopback socket buffers take (a few MB each way).
  const body = Buffer.alloc(24 * 1024 * 1024, 'abcdefghij');
  let server: Server;
  let port: number;
  const closedAfter: number[] = [];

  before(async () => {
    server = createServer((_request, response) => {
      const started = performance.now();
      response.on('close', () => closedAfter.push(performance.now() - started));
      response.writeHead(200, { 'content-length': String(body.length) });
      void endInSlices(response, body, STALL_MS);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('a client that reads slowly, pausing less than the stall time, gets every byte', async () => {
    const received = await new Promise<Buffer>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/' }, (response) => {
        const chunks: Buffer[] = [];
        let paused = 0;
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          // Stop reading for a while, a few times (each pause shorter than the stall time).
          if (chunks.length % 200 === 0 && paused < 5) {
            paused++;
            response.pause();
            setTimeout(() => response.resume(), 200);
          }
        });
        response.on('end', () => resolve(Buffer.concat(chunks)));
        response.on('error', reject);
      }).on('error', reject);
    });
    assert.equal(received.length, body.length);
    assert.ok(received.equals(body));
  });

  test('a client that never reads is cut after the stall time', async () => {
    const before = closedAfter.length;
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    socket.pause();
    // A paused socket does not see its own close: watch the server's side of the connection.
    const until = performance.now() + STALL_MS + 10_000;
    while (closedAfter.length === before && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
    const closedAt = closedAfter[before];
    assert.ok(closedAt !== undefined, 'the server closed the connection');
    assert.ok(closedAt >= STALL_MS && closedAt < STALL_MS + 5_000, `the connection was closed after ${Math.round(closedAt)} ms`);
  });
});
