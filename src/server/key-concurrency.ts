/**
 * Optional per-key concurrency limit (`SWITCHBOARD_MAX_CONCURRENT_PER_KEY`): how many requests one
 * API key may have in flight on this instance. In memory, per instance; no database query.
 *
 * @module
 */

export class KeyConcurrency {
  readonly limit: number;
  readonly #active = new Map<string, number>();

  /** `limit` 0 means no limit. */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Takes a slot for `keyId`; false when the key already has `limit` requests in flight. */
  tryAcquire(keyId: string): boolean {
    if (this.limit === 0) return true;
    const active = this.#active.get(keyId) ?? 0;
    if (active >= this.limit) return false;
    this.#active.set(keyId, active + 1);
    return true;
  }

  /** Gives back a slot taken by `tryAcquire` (only call it once per successful acquire). */
  release(keyId: string): void {
    const active = this.#active.get(keyId);
    if (active === undefined) return;
    if (active <= 1) this.#active.delete(keyId);
    else this.#active.set(keyId, active - 1);
  }

  /** Requests in flight for `keyId`. */
  active(keyId: string): number {
    return this.#active.get(keyId) ?? 0;
  }
}
