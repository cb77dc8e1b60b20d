/**
 * Per-project pseudonyms: `sb_` + base64url of the first 24 bytes of HMAC-SHA256 over the project
 * id and a value, under a key derived (HKDF-SHA256) from the current master key. The same project
 * and value give the same pseudonym on every instance and after restarts (they share the master
 * key); two projects never give the same one for any values. 35 characters, inside every vendor's
 * limit for an end-user id or cache key (OpenAI's `safety_identifier`: 64).
 *
 * @module
 */
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { MasterKey } from './keyring.js';

export const SCOPED_ID_PREFIX = 'sb_';
const MAC_BYTES = 24;
const HKDF_INFO = 'switchboard/scoped-id/v1';
// Without a master key (Postgres with env-var credentials only) the key is public: two projects
// still never collide, and the unknown project id keeps the values opaque to the vendor.
const NO_MASTER_KEY = Buffer.from('switchboard/scoped-id/no-master-key', 'utf8');

/** The HMAC key of the pseudonyms: derived once from `masterKey` (the keyring's current one). */
export function scopedIdKey(masterKey: MasterKey | undefined): KeyObject {
  const derived = hkdfSync('sha256', masterKey?.key ?? NO_MASTER_KEY, Buffer.alloc(0), HKDF_INFO, 32);
  return createSecretKey(Buffer.from(derived));
}

/** The pseudonym of `value` in `projectId`'s namespace (the project id is length-prefixed, so no pair runs into another). */
export function scopedId(key: KeyObject, projectId: string, value: string): string {
  const mac = createHmac('sha256', key).update(`${Buffer.byteLength(projectId, 'utf8')}:${projectId}:`, 'utf8').update(value, 'utf8').digest();
  return SCOPED_ID_PREFIX + mac.subarray(0, MAC_BYTES).toString('base64url');
}
