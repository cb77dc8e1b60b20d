/**
 * The lease exchanges of one instance with Postgres (`switchboard_governance_sync`): a refill when a
 * reservation does not fit (the only time a request waits on the database), a prefetch when a
 * lease runs low, and a background round every `syncMs` that reports settled amounts and
 * reservations, renews leases before they expire, and returns the leases of retired, idle or
 * ended counters. Each exchange is one statement (one transaction in the database).
 *
 * @module
 */
import type { Db } from '../db/db.js';
import type { LeaseSyncItem, LeaseSyncResult } from '../db/sql/governance.js';
import { errorMessage } from '../errors.js';
import type { DatabaseClock } from './database-clock.js';
import type { GovernanceSettings } from './governance-settings.js';
import type { LeaseCounter } from './lease-counter.js';
import { PartialSyncError, postgresLeaseStore, type LeaseStore } from './lease-store.js';

type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export class LeaseSync {
  readonly #retired = new Set<LeaseCounter>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #closed = false;
  #failing = false;
  /** Exchanges run (for tests and reports). */
  exchanges = 0;
  readonly #postgres: LeaseStore;
  /** Rate-limit counters go here when set (SWITCHBOARD_REDIS_URL). */
  redis: LeaseStore | undefined;

  constructor(
    readonly db: Db,
    readonly instanceId: string,
    readonly settings: GovernanceSettings,
    readonly counters: Map<string, LeaseCounter>,
    readonly log: Log,
    /** Postgres' clock, measured on every exchange with it. */
    readonly clock: DatabaseClock,
    /** The instance's clock (epoch ms). */
    readonly now: () => number = Date.now,
  ) {
    // An exchange is never abandoned while it may still answer (its result is applied late), but one
    // that has not answered within the lease TTL plus the wait bound is on a dead connection (a
    // failover or a partition without a reset): without a deadline its counters stayed `syncing`
    // and the background round stuck on it for as long as the socket lived. Past the TTL the lease
    // has expired on the store whether or not the statement ran, so the next exchange finds it gone
    // and charges what was consumed exactly (LeaseCounter.apply, `lost`).
    this.#postgres = postgresLeaseStore(db, { lockTimeoutMs: settings.timeoutMs, deadlineMs: exchangeDeadlineMs(settings) });
  }

  start(): void {
    this.#timer = setInterval(() => void this.round(), this.settings.syncMs);
    this.#timer.unref();
  }

  /** A counter whose rule changed or whose period ended: its lease is returned once idle. */
  retire(counter: LeaseCounter): void {
    counter.retired = true;
    this.#retired.add(counter);
  }

  /** Tops up, in one exchange in the background, those of `counters` whose free room runs low. */
  prefetch(counters: readonly LeaseCounter[]): void {
    if (this.#closed) return;
    const low = counters.filter(
      (counter) => !counter.syncing && counter.free < counter.lowWater && !(counter.limit !== null && counter.remaining() === 0n && counter.leaseId !== null),
    );
    if (low.length > 0) void this.#track(low, this.#exchange(low, [], false)).catch(() => {});
  }

  /**
   * Asks, in one exchange (batched by the store past 1,000 items), for room for `needs[i]` more on
   * each of `counters`, none of which may have an exchange in flight (one exchange per counter at
   * a time: two would report the same consumption twice). Throws when the store fails.
   */
  refill(counters: readonly LeaseCounter[], needs: readonly bigint[]): Promise<void> {
    const now = this.now();
    for (const counter of counters) {
      counter.lastUsed = now;
      // Retired while a call waited on it, and maybe dropped once its lease was returned: tracked
      // again, so that the lease this exchange takes is returned and what the call consumes reported.
      if (counter.retired) this.#retired.add(counter);
    }
    return this.#track(counters, this.#exchange(counters, needs, false));
  }

  /** Marks `counters` as syncing until `exchange` ends; returns `exchange`. */
  #track(counters: readonly LeaseCounter[], exchange: Promise<void>): Promise<void> {
    const syncing = exchange
      .catch(() => {})
      .finally(() => {
        for (const counter of counters) if (counter.syncing === syncing) counter.syncing = undefined;
      });
    for (const counter of counters) counter.syncing = syncing;
    return exchange;
  }

  /** One background round (also run by close()). */
  round(release = false): Promise<void> {
    this.#round ??= this.#runRound(release).finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  /** Stops without returning anything (see Governor.halt). */
  halt(): void {
    void this.redis?.close();
    this.#closed = true;
    clearInterval(this.#timer);
    // Marked retired (nothing returns them) so that no caller keeps using them.
    for (const counter of this.counters.values()) counter.retired = true;
    this.counters.clear();
    this.#retired.clear();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#round?.catch(() => {});
    for (const counter of this.counters.values()) await counter.syncing;
    for (const counter of this.counters.values()) this.retire(counter);
    this.counters.clear();
    await this.#runRound(true).catch((error: unknown) => {
      this.log('warn', `governance: returning leases on shutdown failed (they expire and are charged whole): ${errorMessage(error)}`);
    });
    await this.redis?.close();
  }

  async #runRound(closing: boolean): Promise<void> {
    const now = this.now();
    const chosen: LeaseCounter[] = [];
    const releases: boolean[] = [];
    const seen = new Set<string>();
    for (const counter of this.#retired) {
      if (counter.syncing) continue;
      const release = counter.reserved === 0n || closing;
      if (counter.leaseId === null && counter.consumed === 0n) {
        if (counter.reserved === 0n) this.#retired.delete(counter);
        continue;
      }
      if (!release && !counter.dirty) continue;
      seen.add(counter.key);
      chosen.push(counter);
      releases.push(release);
    }
    for (const [key, counter] of this.counters) {
      if (counter.syncing || seen.has(key)) continue;
      if (counter.reserved === 0n && counter.consumed === 0n && now - counter.lastUsed > this.settings.idleMs) {
        this.counters.delete(key);
        this.retire(counter);
        continue;
      }
      const renewDue = counter.leaseId !== null && now - counter.renewedAt > this.settings.leaseTtlMs / 3;
      const low = counter.free < counter.lowWater && !(counter.limit !== null && counter.remaining() === 0n);
      if (counter.dirty || renewDue || (low && counter.leaseId !== null)) {
        chosen.push(counter);
        releases.push(false);
      }
    }
    if (chosen.length === 0) return;
    const pending = this.#track(chosen, this.#exchange(chosen, [], releases));
    try {
      await pending;
    } catch {
      // Logged by #exchange; the next round retries.
    }
    for (let index = 0; index < chosen.length; index += 1) {
      const counter = chosen[index] as LeaseCounter;
      if (releases[index] && counter.leaseId === null && counter.consumed === 0n) this.#retired.delete(counter);
    }
  }

  /**
   * Budgets to Postgres; rate limits to Redis when configured. Each result comes with its store's
   * clock offset (store time minus instance time): its period's end is on that clock. A part that
   * failed is `failure`; the answers of the parts that committed are returned all the same.
   */
  async #sync(items: LeaseSyncItem[]): Promise<Answers> {
    const redis = this.redis;
    if (!redis) return this.#syncPostgres(items);
    const money = items.filter((item) => item.metric === 'usd_pico');
    const rates = items.filter((item) => item.metric !== 'usd_pico');
    const none: Answers = { answers: [] };
    const [a, b] = await Promise.all([money.length > 0 ? this.#syncPostgres(money) : none, rates.length > 0 ? this.#syncRedis(redis, rates) : none]);
    const failure = a.failure ?? b.failure;
    return { answers: [...a.answers, ...b.answers], ...(failure ? { failure } : {}) };
  }

  async #syncPostgres(items: LeaseSyncItem[]): Promise<Answers> {
    const sentAt = this.now();
    let results: LeaseSyncResult[];
    let failure: Answers['failure'];
    try {
      results = await this.#postgres.sync(this.instanceId, this.settings.leaseTtlMs, items);
    } catch (error) {
      // Past 1,000 items, the batches before the one that failed have committed.
      if (!(error instanceof PartialSyncError)) return { answers: [], failure: { error } };
      results = error.results;
      failure = { error: error.cause };
    }
    const first = results[0];
    if (first) this.clock.sample(first.dbNow.getTime(), sentAt, this.now());
    const offsetMs = this.clock.offsetMs;
    return { answers: results.map((result) => ({ result, offsetMs })), ...(failure ? { failure } : {}) };
  }

  async #syncRedis(redis: LeaseStore, items: LeaseSyncItem[]): Promise<Answers> {
    const sentAt = this.now();
    let results: LeaseSyncResult[];
    try {
      results = await redis.sync(this.instanceId, this.settings.leaseTtlMs, items);
    } catch (error) {
      return { answers: [], failure: { error } };
    }
    const midpoint = (sentAt + this.now()) / 2;
    return { answers: results.map((result) => ({ result, offsetMs: result.dbNow.getTime() - midpoint })) };
  }

  /**
   * One exchange; throws when any part of it failed, after applying the answers of the parts that
   * committed (so that what they reported is not reported again).
   */
  async #exchange(counters: readonly LeaseCounter[], needs: readonly bigint[], release: boolean | readonly boolean[]): Promise<void> {
    const sentAt = this.now();
    const items: LeaseSyncItem[] = counters.map((counter, index) =>
      counter.item(needs[index] ?? 0n, typeof release === 'boolean' ? release : (release[index] ?? false)),
    );
    // Consumption beyond a lease that may have expired (not renewed for half its TTL: an outage,
    // failing open) is reported apart, as consumption without a lease, after the lease's own item.
    // The store charges an expired lease whole (its amount, as of this instance's last exchange)
    // and drops what is reported against its id: only the part beyond the lease is new. On a
    // lease still live the two parts are charged as the whole was.
    const overdrafts = counters.map((counter, index) => {
      const item = items[index] as LeaseSyncItem;
      if (item.leaseId === null || item.consumed <= counter.lease || sentAt - counter.renewedAt <= this.settings.leaseTtlMs / 2) return undefined;
      const beyond = item.consumed - counter.lease;
      const overdraft: LeaseSyncItem = {
        ...item,
        leaseId: null,
        consumed: beyond,
        reportedTotal: 0n,
        reportedUnleased: counter.reportedUnleased + beyond,
        reserved: 0n,
        want: 0n,
        need: 0n,
        release: false,
      };
      items[index] = { ...item, consumed: counter.lease, reportedTotal: (item.reportedTotal ?? 0n) - beyond };
      return overdraft;
    });
    // Last, so that a batch that failed never leaves an overdraft charged without its lease's item.
    const sent = [...items, ...overdrafts.filter((item) => item !== undefined)];
    this.exchanges += 1;
    const { answers, failure } = await this.#sync(sent);
    const now = this.now();
    // In order: a lease's item comes before its overdraft (sorted by lease id, nulls last, in the
    // database; in the order sent on Redis and across batches).
    const byKey = new Map<string, { result: LeaseSyncResult; offsetMs: number }[]>();
    for (const answer of answers) {
      const key = `${answer.result.limitId}:${answer.result.metric}`;
      byKey.set(key, [...(byKey.get(key) ?? []), answer]);
    }
    counters.forEach((counter, index) => {
      const group = byKey.get(`${counter.rule.id}:${counter.metric}`);
      const answer = group?.[0];
      const item = items[index];
      if (answer && item) {
        const overdraft = overdrafts[index];
        const charged = overdraft && group.length > 1 ? overdraft.consumed : 0n;
        counter.apply(item, answer.result, answer.offsetMs, now, charged);
      } else if (failure) counter.failed = true;
    });
    if (failure) {
      if (!this.#failing) this.log('error', `governance: the lease exchange failed: ${errorMessage(failure.error)}`);
      this.#failing = true;
      throw failure.error;
    }
    if (this.#failing) this.log('info', 'governance: the lease exchange works again');
    this.#failing = false;
  }
}

/** How long an exchange may go unanswered before its connection is dropped and it counts as failed. */
export function exchangeDeadlineMs(settings: GovernanceSettings): number {
  return settings.leaseTtlMs + settings.timeoutMs;
}

/** The answers of an exchange's parts that committed, and the failure of one that did not. */
interface Answers {
  answers: { result: LeaseSyncResult; offsetMs: number }[];
  failure?: { error: unknown };
}
