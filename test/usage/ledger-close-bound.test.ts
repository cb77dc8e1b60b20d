// Found by a review (fixed): close() promised to give up after `closeTimeoutMs`, but an insert in
// flight when that deadline came kept its own `writeTimeoutMs`, so a shutdown over a frozen
// connection took the close timeout plus a whole write timeout (and the pool's close waited for
// that statement too). Statements made while closing are now bounded by what is left of the close
// timeout. Postgres only (the embedded database cannot lose its connection).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../src/db/db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';
import { sampleUsageRow } from '../helpers/usage-row.js';

/** How `work` ended within `ms` (a generous bound: the fix answers in about half a second). */
async function outcomeWithin(work: Promise<unknown>, ms: number): Promise<'resolved' | 'rejected' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  const outcome = await Promise.race([work.then(() => 'resolved' as const, () => 'rejected' as const), pending]);
  clearTimeout(timer);
  return outcome;
}

describe('closing the usage ledger over a frozen connection', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let proxy: TcpProxy;
  let reaching: Db;

  before(async () => {
    db = await createTestDb();
    const target = new URL(db.url!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const url = new URL(db.url!);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    reaching = await openPostgresDb({ url: url.toString() });
  });
  after(async () => {
    // Destroying the proxy's sockets fails whatever still waits on them (the unfixed code).
    await proxy?.close();
    await reaching?.close().catch(() => undefined);
    await db?.dispose();
  });

  test('close() gives up at the close timeout even when a write timeout is much longer', async () => {
    const logged: string[] = [];
    // A write timeout of an hour: only the close timeout can end close() in time.
    const settings = { flushRows: 1_000, flushIntervalMs: 60_000, writeTimeoutMs: 3_600_000, closeTimeoutMs: 500 };
    const writer = new UsageWriter(reaching, settings, (level, message) => logged.push(`${level}: ${message}`));
    writer.push({ ...sampleUsageRow, requestId: 'warm' });
    await writer.flush();
    proxy.freeze();
    writer.push({ ...sampleUsageRow, requestId: 'frozen-0' });
    writer.push({ ...sampleUsageRow, requestId: 'frozen-1' });
    assert.equal(await outcomeWithin(writer.close(), 10_000), 'resolved', 'close() still waits 10 s later (closeTimeoutMs 500)');
    assert.equal(writer.stats().dropped.shutdown, 2);
    assert.ok(
      logged.some((line) => line.startsWith('error: usage ledger: 2 rows could not be written before shutdown') && line.includes('may have been written')),
      logged.join(' | '),
    );
    // The timed-out connection was discarded: closing the pool does not wait for it either.
    assert.equal(await outcomeWithin(reaching.close(), 10_000), 'resolved', 'the pool still waits for the frozen statement');
    const stored = await db.query<{ request_id: string }>('select request_id from public.ai_usage order by request_id');
    assert.deepEqual(stored.rows.map((row) => row.request_id), ['warm']);
  });
});
