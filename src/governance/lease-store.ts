/**
 * Where lease exchanges go: Postgres (default, also the embedded database) for everything, or
 * Redis for rate-limit counters when SWITCHBOARD_REDIS_URL is set (budgets stay in Postgres: money
 * is kept where the ledger is). The `ioredis` package is optional and loaded only then.
 *
 * @module
 */
import type { Db } from '../db/db.js';
import { syncLeases, type LeaseSyncItem, type LeaseSyncResult } from '../db/sql/governance.js';
import { SwitchboardError } from '../errors.js';
import { REDIS_LEASE_SCRIPT } from './redis-lease-script.js';

export interface LeaseStore {
  sync(instanceId: string, ttlMs: number, items: readonly LeaseSyncItem[]): Promise<LeaseSyncResult[]>;
  close(): Promise<void>;
}

/** The most items one call of `switchboard_governance_sync` takes (the function refuses more). */
export const MAX_SYNC_ITEMS = 1000;

/**
 * A batched exchange that failed after some of its batches committed: `results` are theirs, to be
 * applied (their consumption is charged; reporting it again would charge it twice).
 */
export class PartialSyncError extends Error {
  constructor(
    readonly results: LeaseSyncResult[],
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/**
 * `lockTimeoutMs`: a statement that waits longer than this for a counter row another transaction
 * holds fails instead (SWITCHBOARD_GOVERNANCE_TIMEOUT_MS), so it does not keep its connection and
 * the counters it already locked while the call it served has given up.
 */
export function postgresLeaseStore(db: Db, options: { lockTimeoutMs?: number; deadlineMs?: number } = {}): LeaseStore {
  const { lockTimeoutMs, deadlineMs } = options;
  return {
    // An instance with more live counters than one call takes sends them in batches, one after
    // the other (each item is exchanged on its own: a batch is only a round trip saved).
    async sync(instanceId, ttlMs, items) {
      if (items.length <= MAX_SYNC_ITEMS) return syncLeases(db, instanceId, ttlMs, items, lockTimeoutMs, deadlineMs);
      const results: LeaseSyncResult[] = [];
      for (let start = 0; start < items.length; start += MAX_SYNC_ITEMS) {
        try {
          results.push(...(await syncLeases(db, instanceId, ttlMs, items.slice(start, start + MAX_SYNC_ITEMS), lockTimeoutMs, deadlineMs)));
        } catch (error) {
          throw results.length === 0 ? error : new PartialSyncError(results, error);
        }
      }
      return results;
    },
    close: () => Promise.resolve(),
  };
}

interface RedisClient {
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(reconnect?: boolean): void;
}

/**
 * `work`, or an error past `ms`, after `onLate` (which drops the connection: one whose peer vanished
 * without a reset answers nothing, and every later command on it would wait as long).
 */
async function withDeadline<T>(work: Promise<T>, ms: number, onLate: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      onLate();
      reject(new Error(`the lease exchange did not answer within ${ms} ms; its connection was dropped`));
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connects to Redis (fails fast when unreachable or when `ioredis` is not installed). */
export async function redisLeaseStore(url: string, deadlineMs?: number): Promise<LeaseStore> {
  let Redis: new (url: string, options: Record<string, unknown>) => RedisClient & { connect(): Promise<void> };
  try {
    ({ Redis } = (await import('ioredis')) as unknown as { Redis: typeof Redis });
  } catch (error) {
    throw new SwitchboardError('invalid_request', "SWITCHBOARD_REDIS_URL is set but the optional package 'ioredis' is not installed (npm install ioredis)", { cause: error });
  }
  // An exchange is not idempotent (an older gateway's items carry no running total, see
  // LeaseSyncItem.reportedTotal and reportedUnleased): ioredis must never send one again on its own
  // after a reconnect, after the exchange was given up on (withDeadline) and its consumption is
  // reported again by the next one.
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, autoResendUnfulfilledCommands: false });
  await client.connect();
  return {
    async sync(instanceId, ttlMs, items) {
      const payload = items.map((item) => ({
        limit_id: item.limitId,
        metric: item.metric,
        holder: item.holder,
        lease_id: item.leaseId,
        consumed: item.consumed.toString(),
        reported: item.reportedTotal?.toString(),
        reported_unleased: item.reportedUnleased?.toString(),
        reserved: item.reserved.toString(),
        want: item.want.toString(),
        need: item.need.toString(),
        release: item.release,
        limit: (item.limit ?? 0n).toString(),
      }));
      const evaluating = client.eval(REDIS_LEASE_SCRIPT, 0, instanceId, String(ttlMs), JSON.stringify(payload));
      const rows = (await (deadlineMs === undefined ? evaluating : withDeadline(evaluating, deadlineMs, () => client.disconnect(true)))) as (string | number | null)[][];
      return rows.map((row) => ({
        limitId: String(row[0]),
        metric: row[1] as LeaseSyncResult['metric'],
        leaseId: row[2] === null || row[2] === undefined ? null : String(row[2]),
        amount: BigInt(String(row[3])),
        spent: BigInt(String(row[4])),
        leased: BigInt(String(row[5])),
        limit: BigInt(String(row[6])),
        periodStart: new Date(Number(row[7])),
        periodEnd: new Date(Number(row[8])),
        dbNow: new Date(Number(row[9])),
        leaseLost: Number(row[10]) === 1,
      }));
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
