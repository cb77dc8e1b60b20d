import { PresentedApiKey, storedApiKeyHash } from '../crypto/api-key.js';
import type { ApiKeyRow } from '../db/sql/access-rows.js';

/** The project a valid key belongs to. */
export interface KeyOwner {
  keyId: string;
  projectId: string;
  projectName: string;
  /** When the key expires (ms since the epoch), if it does. */
  expiresAt?: number | undefined;
}

/**
 * Gateway API keys in memory, by lookup prefix. A presented key is found by its prefix and
 * checked against the stored hash in constant time; the plaintext key is never stored.
 */
export class ApiKeyIndex {
  readonly #byPrefix: ReadonlyMap<string, { row: ApiKeyRow; hash: string | undefined }>;
  readonly #byId: ReadonlyMap<string, ApiKeyRow>;
  readonly #projectNames: ReadonlyMap<string, string>;

  constructor(rows: readonly ApiKeyRow[]) {
    // The stored hashes are decoded once here, not on every request.
    this.#byPrefix = new Map(rows.map((row) => [row.prefix, { row, hash: storedApiKeyHash(row.keyHash) }]));
    this.#byId = new Map(rows.map((row) => [row.id, row]));
    this.#projectNames = new Map(rows.map((row) => [row.projectId, row.projectName]));
  }

  /** Whether the key `keyId` of `projectId` is still here and neither revoked nor expired. */
  stillValid(keyId: string, projectId: string, now: number = Date.now()): boolean {
    const row = this.#byId.get(keyId);
    return row !== undefined && row.projectId === projectId && !row.revokedAt && !(row.expiresAt && row.expiresAt.getTime() <= now);
  }

  /** The name of a project that has an active key (for metric labels), or undefined. */
  projectName(projectId: string): string | undefined {
    return this.#projectNames.get(projectId);
  }

  /** `<project>/<prefix>` of an active key (the prefix is its public lookup part), or undefined. */
  keyName(keyId: string): string | undefined {
    const row = this.#byId.get(keyId);
    return row && `${row.projectName}/${row.prefix}`;
  }

  get size(): number {
    return this.#byPrefix.size;
  }

  /** The owner of `key`, or undefined when it is unknown, revoked, expired or malformed. */
  authenticate(key: string | PresentedApiKey, now: number = Date.now()): KeyOwner | undefined {
    const presented = typeof key === 'string' ? new PresentedApiKey(key) : key;
    if (!presented.prefix) return undefined;
    const entry = this.#byPrefix.get(presented.prefix);
    if (!entry) return undefined;
    const { row } = entry;
    if (row.revokedAt) return undefined;
    if (row.expiresAt && row.expiresAt.getTime() <= now) return undefined;
    if (!presented.matches(entry.hash)) return undefined;
    return { keyId: row.id, projectId: row.projectId, projectName: row.projectName, expiresAt: row.expiresAt ? row.expiresAt.getTime() : undefined };
  }
}
