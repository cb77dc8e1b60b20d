// Found by a review (fixed): the ledger's writes had no deadline. A database connection that dies
// silently (no FIN, no RST: a failover, a NAT forgetting it) hung a flush until the kernel gave up
// (about 15 minutes), and close() (shutdown) behind it. Each statement is now bounded by
// `writeTimeoutMs`; rows of a timed-out insert stay buffered, and since that insert may have
// committed (only its answer lost), the retry settles them by their request ids instead of
// writing them twice. Postgres only (the embedded database cannot lose its connection).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../src/db/db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';
import { sampleUsageRow } from '../helpers/usage-row.js';

/** How `work` ended within `ms` (a generous bound: the fix answers in about a second). */
async function outcomeWithin(work: Promise<unknown>, ms: number): Promise<'resolved' | 'rejected' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  const outcome = await Promise.race([work.then(() => 'resolved' as const, () => 'rejected' as const), pending]);
  clearTimeout(timer);
  return outcome;
}

const rowsNamed = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => ({ ...sampleUsageRow, requestId: `${prefix}-${index}` }));

describe('the usage ledger over a connection that died silently', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  const opened: { proxy: TcpProxy; db: Db }[] = [];

  /** A Postgres Db reaching the test database through a proxy that can freeze its connections. */
  async function proxied(): Promise<{ proxy: TcpProxy; db: Db }> {
    const target = new URL(db.url!);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const url = new URL(db.url!);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const pair = { proxy, db: await openPostgresDb({ url: url.toString() }) };
    opened.push(pair);
    return pair;
  }

  async function storedIds(): Promise<string[]> {
    return (await db.query<{ request_id: string }>('select request_id from public.ai_usage order by request_id')).rows.map((row) => row.request_id);
  }

  before(async () => {
    db = await createTestDb();
  });
  after(async () => {
    // Destroying the proxies' sockets fails whatever still waits on them (the unfixed code).
    for (const pair of opened) {
      await pair.proxy.close();
      await pair.db.close().catch(() => undefined);
    }
    await db?.dispose();
  });

  test('an insert whose answer never comes fails after the write timeout; its rows are then in the ledger once', async () => {
    await db.query('delete from public.ai_usage');
    const { proxy, db: reaching } = await proxied();
    const writer = new UsageWriter(reaching, { flushRows: 1_000, flushIntervalMs: 60_000, writeTimeoutMs: 500 });
    writer.push({ ...sampleUsageRow, requestId: 'warm' });
    await writer.flush();
    // The server still gets (and commits) the insert; its answer is lost on the way back.
    proxy.muteReplies();
    for (const row of rowsNamed('muted', 3)) writer.push(row);
    assert.equal(await outcomeWithin(writer.flush(), 10_000), 'rejected', 'the flush still waits for an answer 10 s later');
    assert.equal(writer.stats().buffered, 3);
    // The timed-out connection was discarded; a new one answers.
    await writer.flush();
    assert.deepEqual(await storedIds(), ['muted-0', 'muted-1', 'muted-2', 'warm']);
    assert.deepEqual(writer.stats(), { buffered: 0, written: 4, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 }, failedFlushes: 1 });
    await writer.close();
  });

  test('close() on a frozen connection finishes in bounded time and reports the rows it could not write', async () => {
    await db.query('delete from public.ai_usage');
    const { proxy, db: reaching } = await proxied();
    const logged: string[] = [];
    const settings = { flushRows: 1_000, flushIntervalMs: 60_000, writeTimeoutMs: 500, closeTimeoutMs: 1_000 };
    const writer = new UsageWriter(reaching, settings, (level, message) => logged.push(`${level}: ${message}`));
    writer.push({ ...sampleUsageRow, requestId: 'warm' });
    await writer.flush();
    // Nothing passes either way any more, and new connections are refused.
    proxy.freeze();
    for (const row of rowsNamed('frozen', 3)) writer.push(row);
    assert.equal(await outcomeWithin(writer.close(), 10_000), 'resolved', 'close() still waits 10 s later (closeTimeoutMs 1000)');
    assert.equal(writer.stats().dropped.shutdown, 3);
    assert.equal(writer.stats().buffered, 0);
    assert.ok(
      logged.some((line) => line.startsWith('error: usage ledger: 3 rows could not be written before shutdown')),
      logged.join(' | '),
    );
    assert.deepEqual(await storedIds(), ['warm']);
  });
});
