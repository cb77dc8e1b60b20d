import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  constantTimeEqual,
  generateApiKey,
  hashApiKey,
  importedKeyPrefix,
  lookupPrefix,
  parseApiKey,
  PresentedApiKey,
  storedApiKeyHash,
  verifyApiKeyHash,
} from './api-key.js';

describe('generateApiKey', () => {
  it('makes sb-<12 base62>-<43 base64url> keys with their prefix and sha256 hash', () => {
    const { key, prefix, hash } = generateApiKey();
    assert.match(key, /^sb-[0-9A-Za-z]{12}-[A-Za-z0-9_-]{43}$/);
    assert.ok(key.startsWith(`sb-${prefix}-`));
    assert.equal(hash, createHash('sha256').update(key).digest('hex'));
    assert.equal(hash, hashApiKey(key));
  });

  it('never repeats keys or prefixes', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    assert.equal(new Set(keys.map((item) => item.key)).size, 200);
    assert.equal(new Set(keys.map((item) => item.prefix)).size, 200);
  });
});

describe('parseApiKey', () => {
  it('returns the prefix of a well-formed key', () => {
    const { key, prefix } = generateApiKey();
    assert.deepEqual(parseApiKey(key), { prefix });
  });

  it('rejects malformed keys', () => {
    const { key } = generateApiKey();
    for (const bad of ['', 'sb-', 'sk-abcdefghijkl-' + 'a'.repeat(43), key.slice(0, -1), `${key} `, `Bearer ${key}`, key.replace('sb-', 'SB-'), 'sb-abc-' + 'a'.repeat(43), 'sb-abcdefghijk!-' + 'a'.repeat(43), 'sb-abcdefghijkl-' + 'a'.repeat(257)]) {
      assert.equal(parseApiKey(bad), undefined, bad);
    }
  });
});

describe('verifyApiKeyHash', () => {
  it('accepts the matching hash (any hex case) and rejects everything else', () => {
    const { key, hash } = generateApiKey();
    const other = generateApiKey();
    assert.equal(verifyApiKeyHash(key, hash), true);
    assert.equal(verifyApiKeyHash(key, hash.toUpperCase()), true);
    assert.equal(verifyApiKeyHash(other.key, hash), false);
    assert.equal(verifyApiKeyHash(key, other.hash), false);
    assert.equal(verifyApiKeyHash(key, ''), false);
    assert.equal(verifyApiKeyHash(key, hash.slice(0, 63)), false);
    assert.equal(verifyApiKeyHash(key, `${hash}00`), false);
    assert.equal(verifyApiKeyHash(key, 'z'.repeat(64)), false);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any length', () => {
    assert.equal(constantTimeEqual('admin-token', 'admin-token'), true);
    assert.equal(constantTimeEqual('admin-token', 'admin-tokem'), false);
    assert.equal(constantTimeEqual('admin-token', 'admin-token-longer'), false);
    assert.equal(constantTimeEqual('', ''), true);
    assert.equal(constantTimeEqual('', 'x'), false);
    assert.equal(constantTimeEqual('ключ', 'ключ'), true);
  });
});

describe('imported keys', () => {
  it('derive a stable lookup prefix that differs per key, and verify against their hash', () => {
    const prefix = importedKeyPrefix('sk-bench-key');
    assert.match(prefix, /^x[0-9a-f]{11}$/);
    assert.equal(lookupPrefix('sk-bench-key'), prefix);
    assert.notEqual(importedKeyPrefix('sk-bench-kez'), prefix);
    assert.equal(lookupPrefix('short'), undefined);
    assert.ok(verifyApiKeyHash('sk-bench-key', hashApiKey('sk-bench-key')));
    assert.ok(!verifyApiKeyHash('sk-bench-kez', hashApiKey('sk-bench-key')));
  });
});

describe('PresentedApiKey', () => {
  it('finds the same prefix as lookupPrefix and matches exactly as verifyApiKeyHash', () => {
    const generated = generateApiKey();
    const imported = 'sk-imported-from-elsewhere';
    // The key's own hash with its first or last byte changed must not match either.
    const flipped = (hash: string, at: number): string => `${hash.slice(0, at)}${hash[at] === '0' ? '1' : '0'}${hash.slice(at + 1)}`;
    const hashes = [generated.hash, generated.hash.toUpperCase(), hashApiKey(imported), generateApiKey().hash, '', 'z'.repeat(64), `${generated.hash}00`];
    hashes.push(flipped(generated.hash, 0), flipped(generated.hash, 63), flipped(hashApiKey(imported), 63));
    for (const key of [generated.key, imported, 'short', 'x'.repeat(513), '', `${generated.key} `]) {
      const presented = new PresentedApiKey(key);
      assert.equal(presented.prefix, lookupPrefix(key), key);
      for (const hash of hashes) assert.equal(presented.matches(storedApiKeyHash(hash)), verifyApiKeyHash(key, hash), `${key} / ${hash}`);
    }
    assert.equal(new PresentedApiKey(imported).prefix, importedKeyPrefix(imported));
  });
});
