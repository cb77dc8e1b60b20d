// The batched ledger writer against a real database: between timer ticks it writes only full
// batches (rows that arrive during an insert wait for the next full batch instead of following in
// a small statement of their own), the tick writes what is left, and flush and close write all.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Queryable } from '../../src/db/db.js';
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
    assert.deepEqual(writer.stats(), { buffered: 0, written: 1_000, dropped: { buffer_full: 0, shutdown: 0 }, failedFlushes: 0 });
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
});
