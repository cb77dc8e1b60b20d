/**
 * One shared counter (a budget's pico-USD, or a rate limit's requests or tokens, in one period) as
 * this instance sees it: the lease it holds, what it reserved from it, and what it consumed since
 * its last report. Reserving and settling are plain arithmetic; only `LeaseSync` talks to Postgres.
 *
 * Invariant: lease (held per the database) = reserved + consumed + free; a reservation succeeds
 * only when it fits in free, so this instance never uses more than it leased, apart from actual
 * costs above their reservation (the documented overrun), and apart from room prepaid (an expired
 * lease the store charged whole), which consumption uses up before it is reported.
 *
 * @module
 */
import type { CounterMetric, LeaseSyncItem, LeaseSyncResult } from '../db/sql/governance.js';
import type { BudgetRule, RateLimitRule } from './governance-rules.js';

/** Holders are numbered per process (base 36); an instance's lease row is `<instance>/<holder>`. */
let lastHolder = 0;

export class LeaseCounter {
  /**
   * This counter object's own lease row in the store. A retired counter (its rule changed in place,
   * or its period ended before it got its lease) and the live one that replaced it share limit,
   * metric and period: with one row per instance, the retired counter's release deleted the live
   * counter's lease with its unreported consumption.
   */
  readonly holder = (lastHolder += 1).toString(36);
  leaseId: string | null = null;
  /** The lease amount per the database after the last exchange. */
  lease = 0n;
  reserved = 0n;
  /** Settled since the last report. */
  consumed = 0n;
  /**
   * Consumption reported against `leaseId` and answered: the base of each report's running total,
   * so that a report sent again after a lost reply is charged once (LeaseSyncItem.reportedTotal).
   */
  reported = 0n;
  /**
   * Consumption reported without a lease and answered (while it had none, or an overdraft, see
   * LeaseSync): the base of those reports' running total (LeaseSyncItem.reportedUnleased).
   */
  reportedUnleased = 0n;
  /**
   * Room of a lease that expired before this instance reported against it (an outage longer than
   * the lease TTL): the store charged it whole, so consumption up to it is not reported again.
   * Within the lease's period only.
   */
  prepaid = 0n;
  /** The counter as of the last exchange. */
  spent = 0n;
  leased = 0n;
  limit: bigint | null = null;
  /** Local epoch ms; 0 until the first exchange. */
  periodEnd = 0;
  /** `periodEnd` on the store's clock, as the last exchange answered it (ms). */
  #storePeriodEnd = 0;
  /** When the lease was last renewed (local ms). */
  renewedAt = 0;
  /** An exchange in flight. */
  syncing: Promise<void> | undefined;
  /** The rule changed or was removed: return the lease once nothing is reserved. */
  retired = false;
  /** The last exchange failed (store unreachable). */
  failed = false;
  /** Reported state changed since the last exchange. */
  dirty = false;
  /** When a call last reserved from it (local ms), for returning idle leases. */
  lastUsed = 0;
  /** The limit as header text (`x-ratelimit-limit-*`), kept with `limit`. */
  limitText = '0';
  /** Free room below this (half a chunk) asks for a refill in the background. */
  readonly lowWater: bigint;

  constructor(
    readonly key: string,
    readonly rule: BudgetRule | RateLimitRule,
    readonly metric: CounterMetric,
    /** Lease chunk: what one exchange asks for. */
    readonly chunk: bigint,
  ) {
    this.lowWater = (chunk + 1n) / 2n;
  }

  get free(): bigint {
    return this.lease - this.reserved - this.consumed;
  }

  /** True when the lease's period is over (local clock corrected by the database's). */
  expired(now: number): boolean {
    return this.periodEnd !== 0 && now >= this.periodEnd;
  }

  tryReserve(amount: bigint): boolean {
    return this.reserveFree(amount) !== undefined;
  }

  /** Reserves `amount` when it fits; the free room left then, or undefined when it did not fit. */
  reserveFree(amount: bigint): bigint | undefined {
    const free = this.lease - this.reserved - this.consumed;
    if (amount > free) return undefined;
    this.reserved += amount;
    this.dirty = true;
    return free - amount;
  }

  settle(reserved: bigint, actual: bigint): void {
    this.reserved -= reserved;
    this.consumed += actual;
    this.#usePrepaid();
    this.dirty = true;
  }

  /** Consumption the store charged already, as an expired lease: not to be reported. */
  #usePrepaid(): void {
    const take = this.prepaid < this.consumed ? this.prepaid : this.consumed;
    this.prepaid -= take;
    this.consumed -= take;
  }

  /** Room nobody had leased at the last exchange. */
  unleased(): bigint {
    if (this.limit === null) return 0n;
    const room = this.limit - this.spent - this.leased;
    return room > 0n ? room : 0n;
  }

  /** This instance's view of what is left in the period (for headers). */
  remaining(): bigint {
    if (this.limit === null) return 0n;
    const others = this.leased - this.lease;
    const left = this.limit - this.spent - others - this.reserved - this.consumed;
    return left > 0n ? left : 0n;
  }

  /** What to send in an exchange. `need`: room a waiting request needs on top of the reservations. */
  item(need: bigint, release: boolean): LeaseSyncItem {
    return {
      limitId: this.rule.id,
      metric: this.metric,
      holder: this.holder,
      leaseId: this.leaseId,
      consumed: this.consumed,
      reportedTotal: this.reported + this.consumed,
      ...(this.leaseId === null ? { reportedUnleased: this.reportedUnleased + this.consumed } : {}),
      reserved: this.reserved,
      want: release ? 0n : this.reserved + this.chunk,
      need: release || need === 0n ? 0n : this.reserved + need,
      release,
      limit: limitOf(this.rule, this.metric),
    };
  }

  /**
   * Applies an exchange's answer; `sent` is the item it answered, `chargedApart` consumption the
   * same exchange reported in an item of its own (see LeaseSync: an overdraft).
   */
  apply(sent: LeaseSyncItem, result: LeaseSyncResult, skewMs: number, now: number, chargedApart = 0n): void {
    const lastLease = this.lease;
    const lastPeriodEnd = this.#storePeriodEnd;
    this.#storePeriodEnd = result.periodEnd?.getTime() ?? 0;
    this.consumed -= sent.consumed + chargedApart;
    this.reportedUnleased += (sent.leaseId === null ? sent.consumed : 0n) + chargedApart;
    this.leaseId = result.leaseId;
    this.lease = result.amount;
    this.spent = result.spent;
    this.leased = result.leased;
    this.limit = result.limit;
    this.limitText = String(result.limit ?? 0n);
    this.periodEnd = result.periodEnd ? result.periodEnd.getTime() - skewMs : now + 60_000;
    this.renewedAt = now;
    this.failed = false;
    const samePeriod = this.#storePeriodEnd === lastPeriodEnd;
    if (!samePeriod) this.prepaid = 0n;
    // The lease was gone: Redis says so; on Postgres a lease that is neither returned, nor past
    // its period, nor without a limit keeps its id, so another id means it expired.
    const lost =
      sent.leaseId !== null &&
      (result.leaseLost ?? (result.leaseId !== sent.leaseId && !sent.release && result.limit !== null && samePeriod));
    // The same lease, still held: what `sent` reported is in its record now. Another one starts at 0.
    this.reported = !lost && result.leaseId !== null && result.leaseId === sent.leaseId ? this.reported + sent.consumed : 0n;
    if (lost) {
      // The store charged it whole (its amount as of the exchange before) and dropped what `sent`
      // reported against it: what went beyond it is reported again, what it left is prepaid.
      const beyond = sent.consumed - lastLease;
      if (beyond > 0n) this.consumed += beyond;
      else if (samePeriod) this.prepaid -= beyond;
    }
    this.#usePrepaid();
    this.dirty = this.consumed !== 0n;
  }
}

/** The limit of a rule for one metric. */
export function limitOf(rule: BudgetRule | RateLimitRule, metric: CounterMetric): bigint {
  if (rule.kind === 'budget') return rule.limitPico;
  return (metric === 'requests' ? rule.requestsPerMinute : rule.tokensPerMinute) ?? 0n;
}
