import { lookupPrefix, verifyApiKeyHash } from '../crypto/api-key.js';
import type { ApiKeyRow } from '../db/sql/access-rows.js';

/** The project a valid key belongs to. */
export interface KeyOwner {
  keyId: string;
  projectId: string;
  projectName: string;
}

/**
 * Gateway API keys in memory, by lookup prefix. A presented key is found by its prefix and
 * checked against the stored hash in constant time; the plaintext key is never stored.
 */
export class ApiKeyIndex {
  readonly #byPrefix: ReadonlyMap<string, ApiKeyRow>;

  constructor(rows: readonly ApiKeyRow[]) {
    this.#byPrefix = new Map(rows.map((row) => [row.prefix, row]));
  }

  get size(): number {
    return this.#byPrefix.size;
  }

  /** The owner of `key`, or undefined when it is unknown, revoked, expired or malformed. */
  authenticate(key: string, now: number = Date.now()): KeyOwner | undefined {
    const prefix = lookupPrefix(key);
    if (!prefix) return undefined;
    const row = this.#byPrefix.get(prefix);
    if (!row || row.revokedAt) return undefined;
    if (row.expiresAt && row.expiresAt.getTime() <= now) return undefined;
    if (!verifyApiKeyHash(key, row.keyHash)) return undefined;
    return { keyId: row.id, projectId: row.projectId, projectName: row.projectName };
  }
}
