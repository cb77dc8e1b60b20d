/**
 * Bytes of request bodies received but not yet complete, per API key and in all. A body is kept in
 * memory until its last byte arrives (or requestTimeout ends it), and budgets and rate limits are
 * checked only once it is parsed (they need its `model`): without a bound, a key holder could hold
 * `SWITCHBOARD_MAX_CONNECTIONS` × the body limit by leaving many bodies one byte short. Counted as
 * bytes arrive (not from Content-Length), from a body's second chunk on (a body that arrives in one
 * chunk, nearly all of them, costs nothing here; one socket read is at most 64 KiB), and given back
 * when the read ends either way.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';

export class BodyBudget {
  /** Bytes in all; 0 = no bound. */
  readonly limit: number;
  /** Bytes per key; 0 = no bound. */
  readonly perKey: number;
  #total = 0;
  readonly #byKey = new Map<string, number>();

  constructor(limit: number, perKey: number) {
    this.limit = limit;
    this.perKey = perKey;
  }

  /** Bytes held now, in all. */
  get total(): number {
    return this.#total;
  }

  /** Takes `bytes` more for `key`; the error to answer (not thrown) when that would pass a bound. */
  take(key: string, bytes: number): SwitchboardError | undefined {
    const own = this.#byKey.get(key) ?? 0;
    if (this.perKey > 0 && own + bytes > this.perKey) {
      return new SwitchboardError(
        'rate_limited',
        `This API key has more than ${this.perKey} bytes of request bodies still arriving on this instance (SWITCHBOARD_MAX_BUFFERED_BODY_BYTES_PER_KEY); retry when they have arrived.`,
      );
    }
    if (this.limit > 0 && this.#total + bytes > this.limit) {
      return new SwitchboardError(
        'rate_limited',
        `The gateway has more than ${this.limit} bytes of request bodies still arriving (SWITCHBOARD_MAX_BUFFERED_BODY_BYTES); retry shortly.`,
        { status: 503 },
      );
    }
    this.#byKey.set(key, own + bytes);
    this.#total += bytes;
    return undefined;
  }

  /** Gives back `bytes` that `key` took. */
  release(key: string, bytes: number): void {
    const own = (this.#byKey.get(key) ?? 0) - bytes;
    if (own > 0) this.#byKey.set(key, own);
    else this.#byKey.delete(key);
    this.#total -= bytes;
  }
}
