// The key a connection presented last is reused only for that very key, and every request is
// still checked against the current key index.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateApiKey, hashApiKey, importedKeyPrefix } from '../crypto/api-key.js';
import { SwitchboardError } from '../errors.js';
import { ApiKeyIndex } from '../registry/api-key-index.js';
import { authenticate, preparedKey, type KeyConnection } from './auth.js';

const key = generateApiKey();
const row = { id: 'k1', projectId: 'p1', projectName: 'one', prefix: key.prefix, keyHash: key.hash, revokedAt: null, expiresAt: null };
const keys = new ApiKeyIndex([row]);
const bearer = (value: string): Record<string, string> => ({ authorization: `Bearer ${value}` });

/** `key` with one character of its secret changed (same length, same prefix). */
function otherSecret(value: string, at: number): string {
  const index = value.length - 1 - at;
  const changed = value[index] === 'A' ? 'B' : 'A';
  return value.slice(0, index) + changed + value.slice(index + 1);
}

function refused(run: () => unknown): boolean {
  try {
    run();
    return false;
  } catch (error) {
    assert.ok(error instanceof SwitchboardError);
    assert.equal(error.code, 'authentication_failed');
    return true;
  }
}

describe('authenticate on a kept-alive connection', () => {
  it('accepts the same key again and refuses another key of the same length and prefix after it', () => {
    const connection: KeyConnection = {};
    assert.equal(authenticate(bearer(key.key), keys, connection).keyId, 'k1');
    assert.equal(authenticate(bearer(key.key), keys, connection).keyId, 'k1');
    for (const at of [0, 10, 42]) {
      assert.ok(refused(() => authenticate(bearer(otherSecret(key.key, at)), keys, connection)), `changed at ${at}`);
    }
    // …and the right key still works after the wrong ones.
    assert.equal(authenticate({ 'x-api-key': key.key }, keys, connection).keyId, 'k1');
  });

  it('checks every request against the current index: a key revoked or expired since fails on the same connection', () => {
    const connection: KeyConnection = {};
    assert.equal(authenticate(bearer(key.key), keys, connection).projectId, 'p1');
    assert.ok(refused(() => authenticate(bearer(key.key), new ApiKeyIndex([{ ...row, revokedAt: new Date() }]), connection)));
    assert.ok(refused(() => authenticate(bearer(key.key), new ApiKeyIndex([{ ...row, expiresAt: new Date(Date.now() - 1000) }]), connection)));
    assert.ok(refused(() => authenticate(bearer(key.key), new ApiKeyIndex([]), connection)));
  });

  it('reuses the prepared key only for the very same key, per connection', () => {
    const one: KeyConnection = {};
    const two: KeyConnection = {};
    const first = preparedKey(key.key, one);
    assert.equal(preparedKey(key.key, one), first);
    assert.notEqual(preparedKey(key.key, two), first);
    const other = preparedKey(otherSecret(key.key, 5), one);
    assert.notEqual(other, first);
    assert.equal(other.key, otherSecret(key.key, 5));
    assert.notEqual(preparedKey(key.key, one), first, 'the connection now holds the other key');
    assert.notEqual(preparedKey(key.key, undefined), preparedKey(key.key, undefined));
  });

  it('works for imported keys (not in the sb- format) too', () => {
    const imported = 'legacy-key-0123456789';
    const index = new ApiKeyIndex([{ ...row, id: 'k2', prefix: importedKeyPrefix(imported), keyHash: hashApiKey(imported) }]);
    const connection: KeyConnection = {};
    assert.equal(authenticate(bearer(imported), index, connection).keyId, 'k2');
    assert.equal(authenticate(bearer(imported), index, connection).keyId, 'k2');
    assert.ok(refused(() => authenticate(bearer(`${imported.slice(0, -1)}X`), index, connection)));
  });
});

describe('authenticate without a key', () => {
  const message = (headers: Record<string, string>): string => {
    try {
      authenticate(headers, keys);
    } catch (error) {
      assert.ok(error instanceof SwitchboardError);
      assert.equal(error.code, 'authentication_failed');
      return error.message;
    }
    assert.fail('expected a refusal');
  };

  it('an Authorization header in another scheme, or a bare key, is named as such (not "missing")', () => {
    for (const authorization of [`Basic ${Buffer.from(`x:${key.key}`).toString('base64')}`, key.key, 'Bearer', 'Bearer    ', `Token ${key.key}`]) {
      const text = message({ authorization });
      assert.match(text, /^The Authorization header holds no Bearer token\. .*'Authorization: Bearer <key>'/, authorization);
      assert.ok(!text.includes(key.key.slice(3, 20)), 'the key is not echoed');
    }
  });

  it('no header at all is a missing key', () => {
    assert.match(message({}), /^Missing API key\./);
    assert.match(message({ authorization: '  ' }), /^Missing API key\./);
  });
});
