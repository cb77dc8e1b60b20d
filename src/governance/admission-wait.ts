/**
 * The slow path of an admission: holds that did not fit the leases this instance holds wait (at
 * most `SWITCHBOARD_GOVERNANCE_TIMEOUT_MS`) for an exchange with the store to refill them, or are
 * refused, or are admitted unmetered when the store is unavailable and governance fails open.
 * `Governor.admit` reaches it only when a lease has no room.
 *
 * @module
 */
import { AdmissionTicket, type Hold, type Ticket } from './admission-ticket.js';
import type { DatabaseClock } from './database-clock.js';
import { GovernanceError } from './governance-error.js';
import type { GovernanceSettings } from './governance-settings.js';
import type { GovernorLog } from './governor-types.js';
import type { LeaseCounter } from './lease-counter.js';
import type { LeaseSync } from './lease-sync.js';
import { MAX_SYNC_ITEMS } from './lease-store.js';
import { overLimitError } from './refusal-errors.js';

/** A wait on lease exchanges that passed `SWITCHBOARD_GOVERNANCE_TIMEOUT_MS`. */
class ExchangeTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the lease exchange did not answer within ${timeoutMs} ms (SWITCHBOARD_GOVERNANCE_TIMEOUT_MS)`);
  }
}

export interface AdmissionWaitOptions {
  settings: GovernanceSettings;
  sync: LeaseSync;
  clock: DatabaseClock;
  log: GovernorLog;
  now: () => number;
  /** Counts a refusal (and logs its cause): the governor's. */
  refuse: (error: GovernanceError, cause?: unknown) => GovernanceError;
  /** Passed to the tickets (a budget's soft threshold). */
  onWarn: (counter: LeaseCounter) => void;
}

export class AdmissionWait {
  readonly #settings: GovernanceSettings;
  readonly #sync: LeaseSync;
  readonly #clock: DatabaseClock;
  readonly #log: GovernorLog;
  readonly #now: () => number;
  readonly #refuse: (error: GovernanceError, cause?: unknown) => GovernanceError;
  readonly #onWarn: (counter: LeaseCounter) => void;
  /** When a call was last admitted unmetered after a slow exchange was logged (instance ms). */
  #slowLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(options: AdmissionWaitOptions) {
    this.#settings = options.settings;
    this.#sync = options.sync;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#now = options.now;
    this.#refuse = options.refuse;
    this.#onWarn = options.onWarn;
  }

  /**
   * Reserves `wanted` from `from` on (the holds before it are taken). The leases without room are
   * refilled together, in one exchange (the store batches past 1,000 counters), not one exchange
   * per counter; the call waits at most `timeoutMs` for it (per 1,000 counters).
   */
  async reserveFrom(wanted: readonly Hold[], from: number, now: number): Promise<Ticket> {
    const taken: Hold[] = wanted.slice(0, from);
    const short: Hold[] = [];
    const low: LeaseCounter[] = [];
    // A hold refused without asking: the call is refused, by it or by a hold before it that an
    // exchange cannot make room for (refusals name the first limit in order, as one by one).
    let refusedLately: Hold | undefined;
    try {
      for (let index = from; index < wanted.length; index += 1) {
        const hold = wanted[index] as Hold;
        const { counter, amount } = hold;
        if (amount === 0n && counter.metric === 'requests') continue;
        counter.lastUsed = now;
        const free = counter.reserveFree(amount);
        if (free !== undefined) {
          taken.push(hold);
          if (free < counter.lowWater) low.push(counter);
        } else if (this.#refusedLately(counter, amount)) {
          refusedLately = hold;
          break;
        } else short.push(hold);
      }
      // Topped up in the background meanwhile (the refill below is for the others).
      if (low.length > 0) this.#sync.prefetch(low);
      const refused = (short.length > 0 ? await this.#refill(short, taken) : undefined) ?? refusedLately;
      if (refused !== undefined) throw this.#refuse(overLimitError(refused.counter, refused.amount, this.#now(), this.#clock.offsetMs));
    } catch (error) {
      for (const hold of taken) hold.counter.settle(hold.amount, 0n);
      throw error;
    }
    return new AdmissionTicket(wanted, this.#onWarn, this.#now);
  }

  /**
   * The last exchange (less than a sync interval ago) left no room for this much: refused without
   * asking again, so a burst past the limit costs no statement per refusal.
   */
  #refusedLately(counter: LeaseCounter, amount: bigint): boolean {
    return counter.limit !== null && counter.leaseId !== null && this.#now() - counter.renewedAt < this.#settings.syncMs && counter.unleased() + counter.free < amount;
  }

  /**
   * Waits (at most `timeoutMs` in all, per 1,000 counters) until each of `short` is reserved:
   * exchanges already in flight on some of them first, then one exchange of this call's own for the
   * rest. A hold that an exchange of its own cannot make room for is refused (waiting for others'
   * exchanges and losing the room they brought to concurrent calls is no reason to refuse), and so
   * is one that another's exchange showed cannot fit (`#refusedLately`, as for a call arriving now).
   * Reserved holds join `taken`. Returns the first of `short` (in order) that is refused, if any.
   */
  async #refill(short: readonly Hold[], taken: Hold[]): Promise<Hold | undefined> {
    // The bound is per statement: past 1,000 counters the store sends its batches one after the other.
    const timeoutMs = this.#settings.timeoutMs * Math.max(1, Math.ceil(short.length / MAX_SYNC_ITEMS));
    const deadline = performance.now() + timeoutMs;
    const order = new Map(short.map((hold, index) => [hold, index]));
    const before = (hold: Hold, other: Hold): boolean => (order.get(hold) ?? 0) < (order.get(other) ?? 0);
    let refused: Hold | undefined;
    let waiting = short;
    while (waiting.length > 0) {
      const busy = waiting.filter((hold) => hold.counter.syncing !== undefined);
      const idle = waiting.filter((hold) => hold.counter.syncing === undefined);
      const own = idle.length > 0 ? this.#sync.refill(idle.map((hold) => hold.counter), idle.map((hold) => hold.amount)) : undefined;
      try {
        await beforeDeadline(Promise.all([own, ...busy.map((hold) => hold.counter.syncing)]), deadline, timeoutMs);
      } catch (error) {
        this.#unavailable(waiting, taken, error);
        return refused;
      }
      const refilled = new Set(idle);
      const next: Hold[] = [];
      for (const hold of waiting) {
        const { counter, amount } = hold;
        if (counter.tryReserve(amount)) taken.push(hold);
        else if (!refilled.has(hold)) {
          // Another call's exchange answered: refused as a call arriving now would be, when it left no
          // room for this much (else a burst at the limit runs one exchange per call, one by one).
          if (!this.#refusedLately(counter, amount)) next.push(hold);
          else if (refused === undefined || before(hold, refused)) refused = hold;
        } else if (counter.limit === null && counter.leaseId === null) {
          // The limit is no longer in force (removed meanwhile): nothing to enforce.
          counter.reserved += amount;
          taken.push(hold);
        } else if (refused === undefined || before(hold, refused)) refused = hold;
      }
      // Once one is refused, only the holds before it can change which refusal the call gets.
      const first = refused;
      waiting = first === undefined ? next : next.filter((hold) => before(hold, first));
    }
    return refused;
  }

  /**
   * The store failed or did not answer within `timeoutMs` while `holds` waited: refused with 503
   * (fail closed), or reserved unmetered, to be reported at the next exchange that works (open).
   * An exchange still running goes on and its answer is applied when it comes.
   */
  #unavailable(holds: readonly Hold[], taken: Hold[], error: unknown): void {
    if (this.#settings.fail === 'open') {
      for (const hold of holds) {
        hold.counter.reserved += hold.amount;
        taken.push(hold);
      }
      // A failed exchange is logged where it failed; a slow one that may yet succeed, here (once a minute).
      const now = this.#now();
      if (error instanceof ExchangeTimeout && !(now - this.#slowLoggedAt < 60_000)) {
        this.#slowLoggedAt = now;
        this.#log('warn', `governance: calls admitted unmetered (SWITCHBOARD_GOVERNANCE_FAIL=open): ${error.message}`);
      }
      return;
    }
    const why = error instanceof ExchangeTimeout ? `did not answer within ${error.timeoutMs} ms` : 'is unreachable';
    throw this.#refuse(
      new GovernanceError('governance_unavailable', `Budgets and rate limits cannot be checked right now (the governance store ${why}); retry shortly.`, { retryAfter: 1 }),
      error,
    );
  }
}

/** `work`, or an `ExchangeTimeout` once `deadline` (`performance.now()` ms) has passed. */
async function beforeDeadline<T>(work: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ExchangeTimeout(timeoutMs)), Math.max(0, deadline - performance.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
