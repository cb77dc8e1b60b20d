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
import type { GovernanceSettings } from './governance-settings.js';
import type { LeaseCounter } from './lease-counter.js';
import { postgresLeaseStore, type LeaseStore } from './lease-store.js';

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
  ) {
    this.#postgres = postgresLeaseStore(db);
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

  /** Tops up `counter` in the background when its free room runs low (`free`: its room now, when the caller knows it). */
  prefetch(counter: LeaseCounter, now: number, free = counter.free): void {
    counter.lastUsed = now;
    if (counter.syncing || this.#closed) return;
    if (free >= counter.lowWater) return;
    if (counter.limit !== null && counter.remaining() === 0n && counter.leaseId !== null) return;
    counter.syncing = this.#exchange([counter], [0n], false)
      .catch(() => {})
      .finally(() => {
        counter.syncing = undefined;
      });
  }

  /**
   * Asks for room for `need` more (waits for an exchange in flight first). Resolves true when it ran
   * an exchange of its own, false when the one it waited for left enough room. Throws when the
   * store fails.
   */
  async refill(counter: LeaseCounter, need: bigint): Promise<boolean> {
    counter.lastUsed = Date.now();
    // One exchange per counter at a time: two in flight would report the same consumption twice.
    if (counter.syncing) {
      while (counter.syncing) await counter.syncing;
      if (counter.free >= need) return false;
    }
    const exchange = this.#exchange([counter], [need], false);
    counter.syncing = exchange.catch(() => {}).finally(() => {
      counter.syncing = undefined;
    });
    await exchange;
    return true;
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
    const now = Date.now();
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
    const pending = this.#exchange(chosen, chosen.map(() => 0n), releases);
    for (const counter of chosen) {
      counter.syncing = pending.catch(() => {}).finally(() => {
        counter.syncing = undefined;
      });
    }
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

  /** Budgets to Postgres; rate limits to Redis when configured. */
  async #sync(items: LeaseSyncItem[]): Promise<LeaseSyncResult[]> {
    const redis = this.redis;
    if (!redis) return this.#postgres.sync(this.instanceId, this.settings.leaseTtlMs, items);
    const money = items.filter((item) => item.metric === 'usd_pico');
    const rates = items.filter((item) => item.metric !== 'usd_pico');
    const [a, b] = await Promise.all([
      money.length > 0 ? this.#postgres.sync(this.instanceId, this.settings.leaseTtlMs, money) : Promise.resolve([]),
      rates.length > 0 ? redis.sync(this.instanceId, this.settings.leaseTtlMs, rates) : Promise.resolve([]),
    ]);
    return [...a, ...b];
  }

  async #exchange(counters: readonly LeaseCounter[], needs: readonly bigint[], release: boolean | readonly boolean[]): Promise<void> {
    const items: LeaseSyncItem[] = counters.map((counter, index) =>
      counter.item(needs[index] ?? 0n, typeof release === 'boolean' ? release : (release[index] ?? false)),
    );
    this.exchanges += 1;
    let results;
    try {
      results = await this.#sync(items);
    } catch (error) {
      for (const counter of counters) counter.failed = true;
      if (!this.#failing) this.log('error', `governance: the lease exchange failed: ${errorMessage(error)}`);
      this.#failing = true;
      throw error;
    }
    if (this.#failing) this.log('info', 'governance: the lease exchange works again');
    this.#failing = false;
    const now = Date.now();
    const byKey = new Map(results.map((result) => [`${result.limitId}:${result.metric}`, result]));
    counters.forEach((counter, index) => {
      const result = byKey.get(`${counter.rule.id}:${counter.metric}`);
      const sent = items[index];
      if (result && sent) counter.apply(sent, result, result.dbNow.getTime() - now, now);
    });
  }
}
