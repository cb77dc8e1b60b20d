import type { BreakerSettings } from './route-table.js';

/**
 * One project's recent outcomes on one target: a ring of its last `size` calls (failures marked)
 * and its run of consecutive failures, with its own cool-down when its failures alone tripped the
 * breaker (see circuit-breakers.ts). The ring is allocated at the first failure: a project whose
 * calls all succeed costs a few numbers.
 */
export class OutcomeWindow {
  readonly size: number;
  /** 1 where the call failed; undefined until the first failure (every call so far succeeded). */
  #failed: Uint8Array | undefined;
  #next = 0;
  filled = 0;
  failures = 0;
  consecutive = 0;
  /** When this project last called the target (ms epoch). */
  lastAt = 0;
  /** The end of this project's own cool-down (0: none). */
  trippedUntil = 0;

  constructor(size: number, carried?: OutcomeWindow) {
    this.size = size;
    if (carried === undefined) return;
    this.consecutive = carried.consecutive;
    this.lastAt = carried.lastAt;
    this.trippedUntil = carried.trippedUntil;
  }

  /** Records one outcome; true when the failures now reach a threshold of `settings`. */
  add(success: boolean, settings: BreakerSettings): boolean {
    const slot = this.#next;
    this.#next = slot + 1 === this.size ? 0 : slot + 1;
    if (this.filled === this.size) {
      if (this.#failed !== undefined && this.#failed[slot] === 1) this.failures -= 1;
    } else {
      this.filled += 1;
    }
    if (success) {
      if (this.#failed !== undefined) this.#failed[slot] = 0;
      this.consecutive = 0;
      return false;
    }
    (this.#failed ??= new Uint8Array(this.size))[slot] = 1;
    this.failures += 1;
    this.consecutive += 1;
    return this.consecutive >= settings.failures || (this.filled === this.size && this.failures / this.filled >= settings.failureRate);
  }

  /** Why the thresholds were reached, for the shared row and the status. */
  reason(settings: BreakerSettings): string {
    return this.consecutive >= settings.failures
      ? `${this.consecutive} consecutive failures`
      : `${this.failures} failures in the last ${this.filled} calls`;
  }

  /** Forgets the outcomes (a closed breaker, or a trip that starts this project's cool-down). */
  clear(): void {
    this.#failed = undefined;
    this.#next = 0;
    this.filled = 0;
    this.failures = 0;
    this.consecutive = 0;
  }
}
