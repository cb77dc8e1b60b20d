/**
 * The database's clock as seen from this instance: the offset between the instance's clock and
 * Postgres' `now()`, measured on statements the governor runs anyway (the rules' read, every lease
 * exchange), never on a statement of its own. Periods and fixed windows are decided by the
 * database's time, so an instance whose clock is off still meters the right window.
 *
 * A reading of the database's time taken between `sentAt` and `receivedAt` (instance ms) is off
 * by at most half that round trip from the midpoint. The estimate kept is the reading with the
 * smallest such error, its error growing by 1 ms per second of age (clocks drift, and may be
 * stepped), so a slow statement (a lock wait) does not displace a good recent reading.
 *
 * @module
 */

/** Error added to the kept reading per millisecond of its age. */
const AGING = 0.001;

export class DatabaseClock {
  #offsetMs = 0;
  #errorMs = Number.POSITIVE_INFINITY;
  #at = 0;

  /** Database time minus instance time, ms (0 until the first reading). */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** The database's time `databaseMs`, read by a statement sent at `sentAt` and answered at `receivedAt` (instance ms). */
  sample(databaseMs: number, sentAt: number, receivedAt: number): void {
    if (!Number.isFinite(databaseMs)) return;
    const errorMs = Math.max(0, receivedAt - sentAt) / 2;
    const age = receivedAt - this.#at;
    // A clock stepped backwards (age < 0) makes the kept reading meaningless: take the new one.
    if (age >= 0 && errorMs > this.#errorMs + age * AGING) return;
    this.#offsetMs = Math.round(databaseMs - (sentAt + receivedAt) / 2);
    this.#errorMs = errorMs;
    this.#at = receivedAt;
  }
}
