// The batched ledger writer against a real database: between timer ticks it writes only full
// batches (rows that arrive during an insert wait for the next full batch instead of following in
// a small statement of their own), the tick writes what is left, and flush and close write all.
// An insert that committed but whose acknowledgement was lost is not written a second time.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Queryable } from '../../src/db/db.js';
import { insertUsageRows } from '../../src/db/sql/usage.js';
import { DatabaseError } from '../../src/errors.js';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { sampleUsageRow } from '../helpers/usage-row.js';

/** The database, seen through a wrapper that records how many rows each ledger insert wrote. */
function countingInserts(db: TestDb, delayMs: number): { db: Queryable; batches: number[] } {
  const batches: number[] = [];
  let stored = 0;
  const wrapped: Queryable = {
    exec: (sql) => db.exec(sql),
    async query(sql, params) {
      if (!sql.startsWith('insert into public.ai_usage ')) return db.query(sql, params);
      // Stretch the round trip so that rows keep arriving while the statement runs.
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const result = await db.query(sql, params);
      const count = await db.query<{ n: number }>('select count(*)::int as n from public.ai_usage');
      batches.push(count.rows[0]!.n - stored);
      stored = count.rows[0]!.n;
      return result as never;
    },
  };
  return { db: wrapped, batches };
}

/** Whether a ledger insert writes a single row (its request ids, the first parameter, hold one element). */
const singleRow = (params: readonly unknown[] | undefined): boolean => (params?.[0] as string).startsWith('{') && !(params?.[0] as string).includes(',');

/**
 * The database, seen through a wrapper that runs every statement but answers the ledger inserts
 * `lose` picks (by their 1-based number, refused ones included, and parameters) with a lost connection: those committed,
 * only their acknowledgement is lost. `statements` records each statement's kind.
 */
function losingAcknowledgements(db: TestDb, lose: (insert: number, params: readonly unknown[] | undefined) => boolean): { db: Queryable; statements: string[] } {
  const statements: string[] = [];
  let inserts = 0;
  const wrapped: Queryable = {
    exec: (sql) => db.exec(sql),
    async query(sql, params) {
      const insert = sql.startsWith('insert into public.ai_usage ');
      statements.push(insert ? (sql.includes('on conflict') ? 'insert skipping taken' : 'insert') : sql.trimStart().split(/\s/)[0]!);
      const lost = insert && lose(++inserts, params);
      const result = await db.query(sql, params);
      if (lost) throw new DatabaseError('database_unavailable', 'database unavailable: connection lost', { sqlState: '08006' });
      return result as never;
    },
  };
  return { db: wrapped, statements };
}

/** The ledger's rows counted by request id, every suffixed id (`<id>~<8 hex>`) shown as `<id>~suffix`. */
async function storedIds(db: TestDb): Promise<{ request_id: string; n: number }[]> {
  const stored = await db.query<{ request_id: string; n: number }>(
    `select regexp_replace(request_id, '~.*', '~suffix') as request_id, count(*)::int as n from public.ai_usage group by 1 order by 1`,
  );
  return stored.rows;
}

const rowsNamed = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => ({ ...sampleUsageRow, requestId: `${prefix}-${index}` }));
const tick = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('usage writer batching', () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDb();
  });
  beforeEach(async () => {
    await db.query('delete from public.ai_usage');
    await db.query('delete from public.ai_usage_hourly');
  });
  after(async () => {
    await db?.dispose();
  });

  test('under a steady stream of rows every background insert is a full batch', async () => {
    const counting = countingInserts(db, 15);
    const writer = new UsageWriter(counting.db, { flushRows: 50, flushIntervalMs: 60_000 });
    const rows = rowsNamed('steady', 1_000);
    for (let index = 0; index < rows.length; index += 5) {
      for (const row of rows.slice(index, index + 5)) writer.push(row);
      await sleep(1);
    }
    await sleep(100); // the last background insert completes
    const background = [...counting.batches];
    await writer.close();
    assert.ok(background.length >= 2, `background inserts ran: ${background.join(',')}`);
    assert.ok(
      background.every((size) => size >= 50),
      `each background insert held at least flushRows rows: ${background.join(',')}`,
    );
    assert.equal(
      counting.batches.reduce((sum, size) => sum + size, 0),
      1_000,
    );
    assert.deepEqual(writer.stats(), { buffered: 0, written: 1_000, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 }, failedFlushes: 0 });
  });

  test('the timer writes rows that never make a full batch', async () => {
    const counting = countingInserts(db, 0);
    const writer = new UsageWriter(counting.db, { flushRows: 1_000, flushIntervalMs: 40 });
    for (const row of rowsNamed('tick', 3)) writer.push(row);
    const deadline = Date.now() + 5_000;
    while (writer.stats().written < 3 && Date.now() < deadline) await sleep(10);
    assert.deepEqual(counting.batches, [3]);
    await writer.close();
  });

  test('flush writes everything, including rows below a batch pushed during a background insert', async () => {
    const counting = countingInserts(db, 20);
    const writer = new UsageWriter(counting.db, { flushRows: 50, flushIntervalMs: 60_000 });
    for (const row of rowsNamed('flush-a', 50)) writer.push(row);
    await tick(); // the background insert of the first 50 starts
    for (const row of rowsNamed('flush-b', 7)) writer.push(row);
    await writer.flush();
    assert.deepEqual(counting.batches, [50, 7]);
    const stored = await db.query<{ n: number }>('select count(*)::int as n from public.ai_usage');
    assert.equal(stored.rows[0]!.n, 57);
    await writer.close();
  });

  test('a row the database refuses is dropped and counted; the rest of its batch is written', async () => {
    const writer = new UsageWriter(db, { flushRows: 1_000, flushIntervalMs: 60_000 });
    const rows = rowsNamed('refused', 5);
    rows[2] = { ...rows[2]!, status: 2 ** 40 }; // int4 out of range (SQLSTATE 22003)
    for (const row of rows) writer.push(row);
    await writer.flush();
    const stored = await db.query<{ request_id: string }>(`select request_id from public.ai_usage order by request_id`);
    assert.deepEqual(
      stored.rows.map((row) => row.request_id),
      ['refused-0', 'refused-1', 'refused-3', 'refused-4'],
    );
    assert.deepEqual(writer.stats(), { buffered: 0, written: 4, dropped: { buffer_full: 0, shutdown: 0, invalid: 1 }, failedFlushes: 0 });
    await writer.close();
  });

  test('a batch with a reused request id and a row the database refuses: the rest is written, not retried forever', async () => {
    await db.query(`insert into public.ai_usage (request_id, attempt, started_at, ended_at, requested_model, endpoint, streamed, status, overhead_ms, usage_source)
                    values ('poison-reused', 1, now(), now(), 'm', 'chat', false, 200, 0, 'none')`);
    const writer = new UsageWriter(db, { flushRows: 1_000, flushIntervalMs: 60_000 });
    // The reused id comes first: the batch fails on it (23505), and the insert skipping taken ids
    // then fails on the refused row (23514).
    const rows = [{ ...sampleUsageRow, requestId: 'poison-reused' }, ...rowsNamed('poison', 3)];
    rows[2] = { ...rows[2]!, outputTokens: -1 }; // check (output_tokens >= 0)
    for (const row of rows) writer.push(row);
    await writer.flush();
    const stored = await db.query<{ request_id: string }>(
      `select regexp_replace(request_id, '~.*', '~suffix') as request_id from public.ai_usage order by request_id`,
    );
    assert.deepEqual(
      stored.rows.map((row) => row.request_id),
      ['poison-0', 'poison-2', 'poison-reused', 'poison-reused~suffix'],
    );
    assert.deepEqual(writer.stats(), { buffered: 0, written: 3, dropped: { buffer_full: 0, shutdown: 0, invalid: 1 }, failedFlushes: 0 });
    await writer.close();
  });

  test('the database lost midway through rows written one by one: after it returns, each row is there once', async () => {
    await db.query(`insert into public.ai_usage (request_id, attempt, started_at, ended_at, requested_model, endpoint, streamed, status, overhead_ms, usage_source)
                    values ('reused', 1, now(), now(), 'm', 'chat', false, 200, 0, 'none')`);
    let singles = 0;
    const flaky: Queryable = {
      exec: (sql) => db.exec(sql),
      async query(sql, params) {
        const single = sql.startsWith('insert into public.ai_usage ') && (params?.[0] as string).startsWith('{') && !(params?.[0] as string).includes(',');
        if (single && ++singles === 2) throw new DatabaseError('database_unavailable', 'database unavailable: connection lost', { sqlState: '08006' });
        return db.query(sql, params);
      },
    };
    const writer = new UsageWriter(flaky, { flushRows: 1_000, flushIntervalMs: 60_000 });
    // A client reused x-request-id 'reused': the batch fails on the duplicate, goes again without
    // it, and the reused row follows alone (its first try is refused, the suffixed one is lost).
    const rows = [...rowsNamed('midway', 2), { ...sampleUsageRow, requestId: 'reused' }, ...rowsNamed('midway-late', 2)];
    for (const row of rows) writer.push(row);
    await assert.rejects(writer.flush(), /connection lost/);
    assert.equal(writer.stats().buffered, 1);
    await writer.flush();
    const stored = await db.query<{ request_id: string; n: number }>(
      `select regexp_replace(request_id, '~.*', '~suffix') as request_id, count(*)::int as n from public.ai_usage group by 1 order by 1`,
    );
    assert.deepEqual(stored.rows, [
      { request_id: 'midway-0', n: 1 },
      { request_id: 'midway-1', n: 1 },
      { request_id: 'midway-late-0', n: 1 },
      { request_id: 'midway-late-1', n: 1 },
      { request_id: 'reused', n: 1 },
      { request_id: 'reused~suffix', n: 1 },
    ]);
    assert.deepEqual(writer.stats(), { buffered: 0, written: 5, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 }, failedFlushes: 1 });
    await writer.close();
  });

  test('reused request ids cost a statement or two each, not a statement per row of the batch', async () => {
    await db.query(`insert into public.ai_usage (request_id, attempt, started_at, ended_at, requested_model, endpoint, streamed, status, overhead_ms, usage_source)
                    values ('taken', 1, now(), now(), 'm', 'chat', false, 200, 0, 'none')`);
    const statements: number[] = [];
    const watched: Queryable = {
      exec: (sql) => db.exec(sql),
      async query(sql, params) {
        if (sql.startsWith('insert into public.ai_usage ')) statements.push(statements.length);
        return db.query(sql, params);
      },
    };
    const writer = new UsageWriter(watched, { flushRows: 1_000, flushIntervalMs: 60_000 });
    const rows = rowsNamed('busy', 300);
    // Another tenant's ids in the same batch: one taken before, one reused twice within the batch.
    rows.splice(50, 0, { ...sampleUsageRow, requestId: 'taken' });
    rows.splice(120, 0, { ...sampleUsageRow, requestId: 'busy-7' });
    rows.splice(200, 0, { ...sampleUsageRow, requestId: 'busy-7' });
    for (const row of rows) writer.push(row);
    await writer.flush();
    // The batch (refused), the batch without the taken ids, then each of the 3: tried, suffixed.
    assert.equal(statements.length, 2 + 3 * 2);
    const stored = await db.query<{ request_id: string; n: number }>(
      `select regexp_replace(request_id, '~.*', '~suffix') as request_id, count(*)::int as n from public.ai_usage
        where split_part(request_id, '~', 1) in ('taken', 'busy-7') group by 1 order by 1`,
    );
    assert.deepEqual(stored.rows, [
      { request_id: 'busy-7', n: 1 },
      { request_id: 'busy-7~suffix', n: 2 },
      { request_id: 'taken', n: 1 },
      { request_id: 'taken~suffix', n: 1 },
    ]);
    const all = await db.query<{ n: number }>(`select count(*)::int as n from public.ai_usage`);
    assert.equal(all.rows[0]?.n, 1 + 303);
    assert.deepEqual(writer.stats(), { buffered: 0, written: 303, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 }, failedFlushes: 0 });
    await writer.close();
  });

  test('a batch that committed but whose acknowledgement was lost is in the ledger once', async () => {
    const losing = losingAcknowledgements(db, (insert) => insert === 1);
    const writer = new UsageWriter(losing.db, { flushRows: 1_000, flushIntervalMs: 60_000 });
    for (const row of rowsNamed('lost', 5)) writer.push(row);
    await assert.rejects(writer.flush(), /connection lost/);
    assert.equal(writer.stats().buffered, 5);
    // Rows arriving meanwhile follow the unsure ones in the next batch.
    for (const row of rowsNamed('later', 2)) writer.push(row);
    await writer.flush();
    assert.deepEqual(await storedIds(db), [
      { request_id: 'later-0', n: 1 },
      { request_id: 'later-1', n: 1 },
      { request_id: 'lost-0', n: 1 },
      { request_id: 'lost-1', n: 1 },
      { request_id: 'lost-2', n: 1 },
      { request_id: 'lost-3', n: 1 },
      { request_id: 'lost-4', n: 1 },
    ]);
    const rollup = await db.query<{ requests: number }>('select sum(requests)::int as requests from public.ai_usage_hourly');
    assert.equal(rollup.rows[0]?.requests, 7);
    // The batch (lost), the batch again (refused: taken), one select, the two later rows.
    assert.deepEqual(losing.statements, ['insert', 'insert', 'select', 'insert skipping taken']);
    assert.deepEqual(writer.stats(), { buffered: 0, written: 7, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 }, failedFlushes: 1 });
    await writer.close();
  });

  test('a row written alone whose acknowledgement was lost is in the ledger once', async () => {
    // A refused row sends the batch one by one; the second single insert commits unacknowledged.
    let singles = 0;
    const losing = losingAcknowledgements(db, (_, params) => singleRow(params) && ++singles === 2);
    const writer = new UsageWriter(losing.db, { flushRows: 1_000, flushIntervalMs: 60_000 });
    const rows = rowsNamed('alone', 4);
    rows[2] = { ...rows[2]!, status: 2 ** 40 }; // int4 out of range (SQLSTATE 22003)
    for (const row of rows) writer.push(row);
    await assert.rejects(writer.flush(), /connection lost/);
    assert.equal(writer.stats().buffered, 3);
    await writer.flush();
    assert.deepEqual(await storedIds(db), [
      { request_id: 'alone-0', n: 1 },
      { request_id: 'alone-1', n: 1 },
      { request_id: 'alone-3', n: 1 },
    ]);
    // Then: the batch (refused: status), alone-1 (refused: taken), one select, the refused row, alone-3.
    assert.deepEqual(losing.statements.slice(3), ['insert', 'insert', 'select', 'insert', 'insert']);
    assert.deepEqual(writer.stats(), { buffered: 0, written: 3, dropped: { buffer_full: 0, shutdown: 0, invalid: 1 }, failedFlushes: 1 });
    await writer.close();
  });

  test("a reused request id's suffixed row whose acknowledgement was lost is in the ledger once", async () => {
    await insertUsageRows(db, [{ ...sampleUsageRow, requestId: 'reused', startedAtMs: sampleUsageRow.startedAtMs - 60_000 }]);
    // The batch is refused (taken), goes again without 'reused', which follows alone: refused, then
    // suffixed, and that insert commits unacknowledged.
    let singles = 0;
    const losing = losingAcknowledgements(db, (_, params) => singleRow(params) && ++singles === 2);
    const writer = new UsageWriter(losing.db, { flushRows: 1_000, flushIntervalMs: 60_000 });
    for (const row of [...rowsNamed('around', 2), { ...sampleUsageRow, requestId: 'reused' }]) writer.push(row);
    await assert.rejects(writer.flush(), /connection lost/);
    assert.equal(writer.stats().buffered, 1);
    await writer.flush();
    assert.deepEqual(await storedIds(db), [
      { request_id: 'around-0', n: 1 },
      { request_id: 'around-1', n: 1 },
      { request_id: 'reused', n: 1 },
      { request_id: 'reused~suffix', n: 1 },
    ]);
    assert.deepEqual(writer.stats(), { buffered: 0, written: 3, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 }, failedFlushes: 1 });
    await writer.close();
  });

  test('a reused request id is still recorded under a suffixed id, even the same row, beside rows whose acknowledgement was lost', async () => {
    // Stored before, as the very row the client's reuse will send: its outcome was never in doubt,
    // so it is not taken for the stored one.
    await insertUsageRows(db, [{ ...sampleUsageRow, requestId: 'reused' }]);
    const logged: string[] = [];
    const losing = losingAcknowledgements(db, (insert) => insert === 1);
    const writer = new UsageWriter(losing.db, { flushRows: 1_000, flushIntervalMs: 60_000 }, (level, message) => logged.push(`${level}: ${message}`));
    for (const row of rowsNamed('lost', 3)) writer.push(row);
    await assert.rejects(writer.flush(), /connection lost/);
    for (const row of [{ ...sampleUsageRow, requestId: 'reused' }, ...rowsNamed('later', 1)]) writer.push(row);
    await writer.flush();
    assert.deepEqual(await storedIds(db), [
      { request_id: 'later-0', n: 1 },
      { request_id: 'lost-0', n: 1 },
      { request_id: 'lost-1', n: 1 },
      { request_id: 'lost-2', n: 1 },
      { request_id: 'reused', n: 1 },
      { request_id: 'reused~suffix', n: 1 },
    ]);
    assert.ok(
      logged.some((line) => line.startsWith("warn: usage ledger: request id 'reused' was used before")),
      logged.join('\n'),
    );
    assert.deepEqual(writer.stats(), { buffered: 0, written: 5, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 }, failedFlushes: 1 });
    await writer.close();
  });

  test('a row whose outcome was unknown that collides with another row (a reused id) is recorded under a suffixed id', async () => {
    await insertUsageRows(db, [{ ...sampleUsageRow, requestId: 'reused', startedAtMs: sampleUsageRow.startedAtMs - 60_000 }]);
    // The batch is refused (taken) and goes again without 'reused': that insert commits unacknowledged.
    const losing = losingAcknowledgements(db, (insert) => insert === 2);
    const writer = new UsageWriter(losing.db, { flushRows: 1_000, flushIntervalMs: 60_000 });
    for (const row of [...rowsNamed('unsure', 2), { ...sampleUsageRow, requestId: 'reused' }]) writer.push(row);
    await assert.rejects(writer.flush(), /connection lost/);
    assert.equal(writer.stats().buffered, 3);
    await writer.flush();
    assert.deepEqual(await storedIds(db), [
      { request_id: 'reused', n: 1 },
      { request_id: 'reused~suffix', n: 1 },
      { request_id: 'unsure-0', n: 1 },
      { request_id: 'unsure-1', n: 1 },
    ]);
    assert.deepEqual(writer.stats(), { buffered: 0, written: 3, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 }, failedFlushes: 1 });
    await writer.close();
  });
});
