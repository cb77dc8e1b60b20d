/**
 * The usage writer's settings, log and counters (usage-writer.ts re-exports them).
 *
 * @module
 */

/** Writer settings (see docs/usage.md). */
export interface UsageWriterSettings {
  /** Flush at least this often, ms (default 1000). */
  flushIntervalMs: number;
  /** Flush as soon as this many rows wait (default 500). */
  flushRows: number;
  /** Rows the buffer holds at most while the database is unavailable (default 100000). */
  maxBufferedRows: number;
  /** On close, keep retrying an unavailable database this long before giving up, ms (default 10000). */
  closeTimeoutMs: number;
  /**
   * A ledger statement unanswered after this long fails (Postgres), ms (default 10000): its rows
   * stay buffered, their outcome unknown (see `settleUnsureRows`, settle-unsure.ts).
   */
  writeTimeoutMs: number;
}

export const defaultUsageWriterSettings: UsageWriterSettings = {
  flushIntervalMs: 1_000,
  flushRows: 500,
  maxBufferedRows: 100_000,
  closeTimeoutMs: 10_000,
  writeTimeoutMs: 10_000,
};

export type UsageLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** Counters of the writer, for /metrics. */
export interface UsageWriterStats {
  /** Rows waiting in the buffer now. */
  buffered: number;
  /** Rows written since start. */
  written: number;
  /**
   * Rows lost since start: `buffer_full` (the bound was hit), `shutdown` (closed while the database
   * was down) or `invalid` (the database refused the row's values).
   */
  dropped: { buffer_full: number; shutdown: number; invalid: number };
  /** Failed insert attempts (each retried). */
  failedFlushes: number;
}
