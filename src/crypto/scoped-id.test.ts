import assert from 'node:assert/strict';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createMasterKey } from './keyring.js';
import { scopedId, scopedIdKey } from './scoped-id.js';

const projectA = '6f1c2a80-0000-4000-8000-000000000001';
const projectB = '6f1c2a80-0000-4000-8000-000000000002';

describe('scopedId', () => {
  it('is sb_ + 32 base64url characters (24 bytes of HMAC-SHA256), within 64 characters whatever the value', () => {
    const key = scopedIdKey(createMasterKey(randomBytes(32)));
    for (const value of ['u', 'user-42', 'é'.repeat(5000), '']) {
      const id = scopedId(key, projectA, value);
      assert.match(id, /^sb_[A-Za-z0-9_-]{32}$/);
      assert.equal(id.length, 35);
    }
  });

  it('is HMAC-SHA256 under an HKDF key of the master key, over the length-prefixed project id and the value', () => {
    const bytes = randomBytes(32);
    const derived = Buffer.from(hkdfSync('sha256', bytes, Buffer.alloc(0), 'switchboard/scoped-id/v1', 32));
    const mac = createHmac('sha256', derived).update(`${projectA.length}:${projectA}:user-42`).digest();
    assert.equal(scopedId(scopedIdKey(createMasterKey(bytes)), projectA, 'user-42'), `sb_${mac.subarray(0, 24).toString('base64url')}`);
  });

  it('the same for one master key, project and value (another instance, a restart); different for another project or key', () => {
    const bytes = randomBytes(32);
    const key = scopedIdKey(createMasterKey(bytes));
    const again = scopedIdKey(createMasterKey(Buffer.from(bytes)));
    assert.equal(scopedId(again, projectA, 'user-42'), scopedId(key, projectA, 'user-42'));
    assert.notEqual(scopedId(key, projectB, 'user-42'), scopedId(key, projectA, 'user-42'));
    assert.notEqual(scopedId(scopedIdKey(createMasterKey(randomBytes(32))), projectA, 'user-42'), scopedId(key, projectA, 'user-42'));
    assert.notEqual(scopedId(key, projectA, 'user-43'), scopedId(key, projectA, 'user-42'));
  });

  it('a project id cannot absorb part of the value (the id is length-prefixed)', () => {
    const key = scopedIdKey(createMasterKey(randomBytes(32)));
    assert.notEqual(scopedId(key, 'ab', 'c'), scopedId(key, 'a', 'bc'));
    assert.notEqual(scopedId(key, 'a:', 'b'), scopedId(key, 'a', ':b'));
  });

  it('without a master key: a fixed key, still one namespace per project', () => {
    const key = scopedIdKey(undefined);
    assert.equal(scopedId(scopedIdKey(undefined), projectA, 'u'), scopedId(key, projectA, 'u'));
    assert.notEqual(scopedId(key, projectB, 'u'), scopedId(key, projectA, 'u'));
    assert.notEqual(scopedId(scopedIdKey(createMasterKey(randomBytes(32))), projectA, 'u'), scopedId(key, projectA, 'u'));
  });
});
