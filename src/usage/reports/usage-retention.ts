/**
 * Retention of the usage ledger: detail rows (`ai_usage`) older than the retention period are
 * deleted in batches; the hourly rollups (`ai_usage_hourly`) are kept, so reports over old periods
 * stay whole while `usage explain` of an old request finds nothing.
 *
 * Each batch is one short transaction that first takes a transaction-level advisory lock with
 * `pg_try_advisory_xact_lock`: when another instance holds it, this run stops and leaves the work
 * to that instance.
 *
 * @module
 */
import type { Db } from '../../db/db.js';
import { deleteUsageBatch } from '../../db/sql/usage-retention.js';

export interface UsageRetentionRun {
  /** Detail rows deleted. */
  deleted: number;
  /** True when another session held the lock, so this run stopped early. */
  skipped: boolean;
}

export interface PurgeOptions {
  /** Rows older than this many days go; 0 keeps every row. */
  retentionDays: number;
  /** Rows per delete statement (default 5,000). */
  batchSize?: number;
  /** Bound on statements per run (default 1,000: 5 million rows with the default batch). */
  maxBatches?: number;
  now?: () => Date;
}

/** The cut-off time of a retention period (rows that started before it are deleted). */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * 86_400_000);
}

/** Deletes ledger detail rows older than the retention period, batch by batch. */
export async function purgeExpiredUsage(db: Db, options: PurgeOptions): Promise<UsageRetentionRun> {
  if (options.retentionDays <= 0) return { deleted: 0, skipped: false };
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? 1_000;
  const cutoff = retentionCutoff((options.now ?? (() => new Date()))(), options.retentionDays);
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const count = await db.transaction((tx) => deleteUsageBatch(tx, cutoff, batchSize));
    if (count === undefined) return { deleted, skipped: true };
    deleted += count;
    if (count < batchSize) break;
  }
  return { deleted, skipped: false };
}

export interface UsageRetentionJobOptions extends PurgeOptions {
  /** Time between runs, ms (default one hour). The first run starts after `firstRunMs`. */
  intervalMs?: number;
  /** Delay before the first run, ms (default 60 s, so start-up is not slowed). */
  firstRunMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** A running retention job: `stop()` cancels the timer and waits for a run in progress. */
export interface UsageRetentionJob {
  stop(): Promise<void>;
  /** Runs once now (and waits), as the timer would. */
  runNow(): Promise<UsageRetentionRun | undefined>;
}

/**
 * Starts the periodic retention job (nothing when `retentionDays` is 0). Runs never overlap, a
 * failed run is logged and retried at the next interval, and the timers do not keep the process alive.
 */
export function startUsageRetention(db: Db, options: UsageRetentionJobOptions): UsageRetentionJob {
  let running: Promise<UsageRetentionRun | undefined> | undefined;
  let stopped = false;
  const log = options.log ?? (() => {});
  const run = (): Promise<UsageRetentionRun | undefined> => {
    if (stopped || options.retentionDays <= 0) return Promise.resolve(undefined);
    running ??= purgeExpiredUsage(db, options)
      .then((result) => {
        if (result.deleted > 0) log('info', 'usage retention deleted old ledger rows', { deleted: result.deleted, retention_days: options.retentionDays });
        return result;
      })
      .catch((error: unknown) => {
        log('warn', 'usage retention run failed; retrying at the next interval', { error: error instanceof Error ? error.message : String(error) });
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timers: NodeJS.Timeout[] = [];
  if (options.retentionDays > 0) {
    const first = setTimeout(() => void run(), options.firstRunMs ?? 60_000);
    const every = setInterval(() => void run(), options.intervalMs ?? 3_600_000);
    first.unref();
    every.unref();
    timers.push(first, every);
  }
  return {
    runNow: run,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await running;
    },
  };
}
