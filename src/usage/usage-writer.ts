/**
 * The batched ledger writer: rows wait in a bounded in-memory buffer and are written with one
 * multi-row insert when `flushRows` are waiting or every `flushIntervalMs`. The request path only
 * pushes a plain object; it never waits on the database. While the database is unavailable the
 * rows stay buffered and the writer retries with backoff; beyond `maxBufferedRows` new rows are
 * dropped, counted and logged (never silently).
 *
 * Between timer ticks only full batches are written: rows arriving while an insert runs wait for
 * the next `flushRows` (or the tick) instead of following in a batch of their own, so at any
 * request rate each statement (its planning, rollup trigger and commit) is shared by `flushRows`
 * rows rather than by the few that came in during one round trip.
 *
 * An insert that fails without an answer about its rows (the connection lost, or no answer within
 * `writeTimeoutMs`) may have committed all the same: only the acknowledgement was lost. Its rows are retried, and if they then collide
 * with their own request ids, one select tells whether the rows stored there are theirs (see
 * `#settleUnsure`), so that they are not recorded a second time as reused ids.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { QueryOptions, Queryable } from '../db/db.js';
import { UsageBuffer } from '../db/sql/usage-buffer.js';
import { insertUsageParams, insertUsageParamsSkippingTaken, maxRowsPerInsert, usageKey, type UsageRowInsert } from '../db/sql/usage.js';
import { DatabaseError, errorMessage } from '../errors.js';
import { clipId, isRowError, KEPT_ID_CHARS } from './ledger-row-errors.js';
import { retryUntil } from './retry-until.js';
import { settleUnsureRows } from './settle-unsure.js';
import { defaultUsageWriterSettings, type UsageLog, type UsageWriterSettings, type UsageWriterStats } from './usage-writer-settings.js';

export { defaultUsageWriterSettings, type UsageLog, type UsageWriterSettings, type UsageWriterStats } from './usage-writer-settings.js';


/**
 * How far a drain goes: `full` writes batches while `flushRows` rows wait (the push threshold),
 * `due` writes the rows waiting when it starts (the timer tick), `all` empties the buffer (flush).
 */
type DrainUntil = 'full' | 'due' | 'all';

const maxBackoffMs = 5_000;
const warnEveryMs = 5_000;

export class UsageWriter {
  readonly #db: Queryable;
  readonly #settings: UsageWriterSettings;
  readonly #log: UsageLog;
  /** Every ledger statement's bound (a silently dropped connection would hang it for minutes). */
  readonly #bounded: QueryOptions;
  readonly #buffer = new UsageBuffer();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  #backoffMs = 0;
  #retryAt = 0;
  #closed = false;
  /** When closing, the time (Date.now()) close() gives up at. */
  #closeDeadline: number | undefined;
  #lastDropWarning = 0;
  #lastFailureWarning = 0;
  /**
   * How many of the oldest buffered rows an insert failed for without telling (the database lost):
   * they may be in the ledger already. Rows only leave from the front and arrive at the back, and
   * every insert starts at the front, so those rows are always a prefix of the buffer.
   */
  #unsure = 0;
  readonly #stats = { written: 0, failedFlushes: 0, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 } };

  constructor(db: Queryable, settings: Partial<UsageWriterSettings> = {}, log: UsageLog = () => {}) {
    this.#db = db;
    this.#settings = { ...defaultUsageWriterSettings, ...settings };
    this.#log = log;
    this.#bounded = { timeoutMs: this.#settings.writeTimeoutMs };
    this.#timer = setInterval(() => this.#kick('due'), this.#settings.flushIntervalMs);
    this.#timer.unref();
  }

  /** Queues one row (never blocks, never throws). */
  push(row: UsageRowInsert): void {
    if (this.#closed && !this.#flushing) {
      // Nothing drains the buffer any more: say so rather than keep the row where it is lost.
      this.#stats.dropped.shutdown += 1;
      this.#log('error', 'usage ledger: a row ended after close() and is lost', { dropped: 1 });
      return;
    }
    if (this.#buffer.length >= this.#settings.maxBufferedRows) {
      this.#stats.dropped.buffer_full += 1;
      this.#warnDrop();
      return;
    }
    this.#buffer.push(row);
    if (this.#buffer.length >= this.#settings.flushRows && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#kick('full');
      });
    }
  }

  stats(): UsageWriterStats {
    return { buffered: this.#buffer.length, written: this.#stats.written, dropped: { ...this.#stats.dropped }, failedFlushes: this.#stats.failedFlushes };
  }

  /**
   * Writes everything buffered (and what arrives meanwhile) in batches; rejects if the database
   * refuses (the rows stay buffered). One drain runs at a time: concurrent callers share it.
   */
  async flush(): Promise<void> {
    // A background drain may stop short of an empty buffer: wait for it, then drain the rest.
    while (this.#buffer.length > 0 || this.#flushing) await this.#flush('all');
  }

  /** Runs one drain at a time; callers share the one running. */
  #flush(until: DrainUntil): Promise<void> {
    this.#flushing ??= this.#drain(until).finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #drain(until: DrainUntil): Promise<void> {
    let due = this.#buffer.length;
    for (;;) {
      if (this.#buffer.length === 0) return;
      if (until === 'full' && this.#buffer.length < this.#settings.flushRows) return;
      if (until === 'due' && due <= 0) return;
      due -= await this.#writeBatch();
    }
  }

  /**
   * Stops the timer and writes what is buffered, retrying an unavailable database for up to
   * `closeTimeoutMs`; rows still unwritten then are counted as dropped (`shutdown`) and logged.
   * Statements made while closing are bounded by what is left of `closeTimeoutMs` (the wait for a
   * connection included), so close() returns within about `closeTimeoutMs`, not one write later
   * (a statement already running when close() is called keeps its `writeTimeoutMs`).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const deadline = Date.now() + this.#settings.closeTimeoutMs;
    this.#closeDeadline = deadline;
    const gaveUp = await retryUntil(deadline, () => this.flush());
    if (gaveUp === undefined) return;
    const lost = this.#buffer.length;
    // Rows of an insert that was never answered may be in the ledger: say how many.
    const unsure = this.#unsure > 0 ? ` (${this.#unsure} of them may have been written: their insert was not answered)` : '';
    this.#stats.dropped.shutdown += lost;
    this.#buffer.clear();
    this.#unsure = 0;
    this.#log('error', `usage ledger: ${lost} rows could not be written before shutdown and are lost${unsure}: ${errorMessage(gaveUp.error)}`, {
      dropped: lost,
    });
  }

  /** A statement's bound: `writeTimeoutMs`, or less when closing (what is left of the close timeout). */
  #bound(): QueryOptions {
    if (this.#closeDeadline === undefined) return this.#bounded;
    return { timeoutMs: Math.max(1, Math.min(this.#settings.writeTimeoutMs, this.#closeDeadline - Date.now())) };
  }

  /** Starts a background drain unless one runs or the database is in backoff. */
  #kick(until: DrainUntil): void {
    if (this.#flushing || this.#buffer.length === 0 || Date.now() < this.#retryAt) return;
    this.#flush(until).catch(() => undefined);
  }

  /** Writes the oldest rows (at most one statement's worth); returns how many left the buffer. */
  async #writeBatch(): Promise<number> {
    const count = Math.min(this.#buffer.length, maxRowsPerInsert);
    try {
      try {
        await insertUsageParams(this.#db, this.#buffer.params(count), this.#bound());
      } catch (error) {
        if (!isRowError(error)) {
          this.#outcomeUnknown(count);
          throw error;
        }
        // A request id used before (a client reusing its x-request-id): the batch again without the
        // taken ids, then those rows under suffixed ids. Any other row the database refuses must
        // not hold back the others: they go one by one.
        if (error instanceof DatabaseError && error.sqlState === '23505') return await this.#writeAroundTaken(count);
        return await this.#writeOneByOne(count);
      }
    } catch (error) {
      this.#failed(error, count);
      throw error;
    }
    // Rows pushed meanwhile were appended after the batch: drop exactly the batch from the front.
    this.#shift(count);
    this.#written(count);
    return count;
  }

  /**
   * Writes the `count` oldest rows in one statement that skips rows whose request id and attempt are
   * taken, then those rows one by one under suffixed ids. Two statements however many rows reuse an
   * id: a client sending the same x-request-id again and again cannot turn every batch of every
   * project into a statement per row. Rows of an insert whose outcome was unknown are settled
   * first (one select): those found in the ledger leave the buffer.
   */
  async #writeAroundTaken(batch: number): Promise<number> {
    const count = this.#unsure > 0 ? batch - (await this.#settleUnsure()).length : batch;
    if (count === 0) return batch;
    const inserted = new Map<string, number>();
    let keys: string[];
    try {
      keys = await insertUsageParamsSkippingTaken(this.#db, this.#buffer.params(count), this.#bound());
    } catch (error) {
      if (!isRowError(error)) {
        this.#outcomeUnknown(count);
        throw error;
      }
      // Another row of the batch the database refuses for its values: one by one, or the batch
      // would be retried forever and hold back every row behind it.
      await this.#writeOneByOne(count);
      return batch;
    }
    for (const key of keys) inserted.set(key, (inserted.get(key) ?? 0) + 1);
    const taken: number[] = [];
    for (let index = 0; index < count; index += 1) {
      const row = this.#buffer.describe(index);
      const key = usageKey(row.requestId, row.attempt);
      const left = inserted.get(key) ?? 0;
      if (left > 0) inserted.set(key, left - 1);
      else taken.push(index);
    }
    // The taken rows (in order) go to the front, the inserted ones leave the buffer.
    this.#buffer.moveToEnd(count, taken);
    this.#shift(count - taken.length);
    this.#written(count - taken.length);
    if (taken.length > 0) await this.#writeOneByOne(taken.length);
    return batch;
  }

  /**
   * Writes the `count` oldest rows one statement each, taking each off the buffer once written, so
   * that a failure midway (the database gone) leaves only unwritten rows to retry. A request id
   * used before (a client reusing its x-request-id) is recorded under a suffixed id; a row the
   * database refuses for its values alone is dropped, counted (`invalid`) and logged. A row of an
   * insert whose outcome was unknown that collides is settled first (see `#settleUnsure`).
   */
  async #writeOneByOne(count: number): Promise<number> {
    let left = count;
    while (left > 0) {
      const row = this.#buffer.describe(0);
      try {
        await insertUsageParams(this.#db, this.#buffer.params(1), this.#bound());
      } catch (error) {
        if (!isRowError(error)) {
          this.#outcomeUnknown(1);
          throw error;
        }
        const state = error instanceof DatabaseError ? error.sqlState : undefined;
        if (state === '23505' || (state === '54000' && row.requestId.length > KEPT_ID_CHARS)) {
          if (state === '23505' && this.#unsure > 0) {
            // This row and the other unsure ones (all among the `left`) are settled at once.
            const found = await this.#settleUnsure();
            left -= found.length;
            if (found[0] === 0) continue; // this row was in the ledger: on to the next
          }
          const requestId = `${row.requestId.slice(0, KEPT_ID_CHARS)}~${randomUUID().slice(0, 8)}`;
          const why = state === '23505' ? 'was used before' : `(${row.requestId.length} characters) is too long to index`;
          this.#log('warn', `usage ledger: request id '${clipId(row.requestId)}' ${why}; recorded as '${requestId}'`);
          this.#buffer.setRequestId(0, requestId);
          try {
            await insertUsageParams(this.#db, this.#buffer.params(1), this.#bound());
          } catch (retryError) {
            if (!isRowError(retryError)) this.#outcomeUnknown(1);
            throw retryError;
          }
        } else {
          this.#shift(1);
          this.#stats.dropped.invalid += 1;
          this.#log('error', `usage ledger: the database refused the row of request '${clipId(row.requestId)}' attempt ${row.attempt}; it is dropped: ${errorMessage(error)}`, {
            dropped: this.#stats.dropped.invalid,
          });
          left -= 1;
          continue;
        }
      }
      this.#shift(1);
      this.#written(1);
      left -= 1;
    }
    return count;
  }

  /**
   * Settles the `#unsure` oldest rows (one select, see `settleUnsureRows`): those found in the
   * ledger leave the buffer and count as written. Returns the indexes of the rows found, ascending.
   */
  async #settleUnsure(): Promise<number[]> {
    const found = await settleUnsureRows(this.#db, this.#buffer, this.#unsure, this.#bound());
    this.#unsure = 0;
    if (found.length > 0) {
      this.#written(found.length);
      this.#log('info', `usage ledger: ${found.length} rows were written by an insert whose acknowledgement was lost; not written again`);
    }
    return found;
  }

  /** Drops the `rows` oldest rows (written, or given up). */
  #shift(rows: number): void {
    this.#buffer.shift(rows);
    this.#unsure = Math.max(this.#unsure - rows, 0);
  }

  /** An insert of the `rows` oldest rows failed without telling whether it committed. */
  #outcomeUnknown(rows: number): void {
    this.#unsure = Math.max(this.#unsure, rows);
  }

  #written(rows: number): void {
    this.#stats.written += rows;
    this.#backoffMs = 0;
    this.#retryAt = 0;
  }

  #failed(error: unknown, rows: number): void {
    this.#stats.failedFlushes += 1;
    this.#backoffMs = Math.min(Math.max(this.#backoffMs * 2, 100), maxBackoffMs);
    this.#retryAt = Date.now() + this.#backoffMs;
    if (Date.now() - this.#lastFailureWarning >= warnEveryMs) {
      this.#lastFailureWarning = Date.now();
      this.#log('warn', `usage ledger: writing ${rows} rows failed; ${this.#buffer.length} rows wait for the database: ${errorMessage(error)}`, {
        buffered: this.#buffer.length,
      });
    }
  }

  #warnDrop(): void {
    const now = Date.now();
    if (now - this.#lastDropWarning < warnEveryMs) return;
    this.#lastDropWarning = now;
    this.#log('error', `usage ledger: buffer full (${this.#settings.maxBufferedRows} rows); ${this.#stats.dropped.buffer_full} rows dropped so far`, {
      dropped: this.#stats.dropped.buffer_full,
    });
  }
}
