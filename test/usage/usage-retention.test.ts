// Retention of the usage ledger: detail rows older than SWITCHBOARD_USAGE_RETENTION_DAYS are
// deleted in batches, newer ones stay, the hourly rollups (and so every report) are unchanged, and
// only one session purges at a time (advisory lock). PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { USAGE_RETENTION_LOCK } from '../../src/db/sql/usage-retention.js';
import { parseUsageQuery } from '../../src/usage/reports/usage-query.js';
import { usageReport } from '../../src/usage/reports/usage-report.js';
import { purgeExpiredUsage, startUsageRetention } from '../../src/usage/reports/usage-retention.js';
import { createTestDb, skipWithoutPostgres, withAdmin, type TestDb } from '../helpers/test-db.js';
import { insertRows, makeRows, seedProjects, type LedgerRow } from './usage-fixture.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const DAY = 86_400_000;

describe('usage retention', () => {
  let db: TestDb;
  let old: LedgerRow[];
  let recent: LedgerRow[];

  const ledgerIds = async (): Promise<string[]> =>
    (await db.query<{ requestId: string }>(`select request_id as "requestId" from public.ai_usage order by request_id`)).rows.map((row) => row.requestId);
  const rollups = async (): Promise<unknown[]> =>
    (await db.query(`select hour, project_id, model_name, requests::text, cost_usd::text, duration_histogram::text from public.ai_usage_hourly order by 1, 2, 3, 4, 5`)).rows;

  before(async () => {
    db = await createTestDb();
    const projects = await seedProjects(db, ['ret-alpha']);
    // 23 rows between 91 and 120 days old, 17 within the last 89 days.
    old = makeRows(projects, 23, new Date(NOW.getTime() - 91 * DAY), 29 * 24, 11);
    recent = makeRows(projects, 17, new Date(NOW.getTime() - DAY), 88 * 24, 12);
    await insertRows(db, [...old, ...recent]);
  });
  after(async () => {
    await db?.dispose();
  });

  test('SWITCHBOARD_USAGE_RETENTION_DAYS: default 90, 0 keeps everything, bad values are refused', () => {
    assert.equal(loadConfig({}).usageRetentionDays, 90);
    assert.equal(loadConfig({ SWITCHBOARD_USAGE_RETENTION_DAYS: '0' }).usageRetentionDays, 0);
    assert.equal(loadConfig({ SWITCHBOARD_USAGE_RETENTION_DAYS: '30' }).usageRetentionDays, 30);
    assert.throws(() => loadConfig({ SWITCHBOARD_USAGE_RETENTION_DAYS: '-1' }), /SWITCHBOARD_USAGE_RETENTION_DAYS must be an integer/);
    assert.throws(() => loadConfig({ SWITCHBOARD_USAGE_RETENTION_DAYS: 'ninety' }), /SWITCHBOARD_USAGE_RETENTION_DAYS/);
  });

  test('retention 0 deletes nothing', async () => {
    assert.deepEqual(await purgeExpiredUsage(db, { retentionDays: 0, now: () => NOW }), { deleted: 0, skipped: false });
    assert.equal((await ledgerIds()).length, old.length + recent.length);
  });

  test('only one session purges at a time: while another holds the lock, a run stops at once', { skip: skipWithoutPostgres() }, async () => {
    const url = db.url as string;
    await withAdmin(url, async (other) => {
      await other.query('select pg_advisory_lock($1::bigint)', [String(USAGE_RETENTION_LOCK)]);
      assert.deepEqual(await purgeExpiredUsage(db, { retentionDays: 90, now: () => NOW }), { deleted: 0, skipped: true });
      await other.query('select pg_advisory_unlock($1::bigint)', [String(USAGE_RETENTION_LOCK)]);
    });
    assert.equal((await ledgerIds()).length, old.length + recent.length);
  });

  test('rows older than the retention go in batches; newer rows, rollups and reports stay', async () => {
    const rollupsBefore = await rollups();
    const reportBefore = await usageReport(db, parseUsageQuery([['by', 'day']], NOW));
    assert.equal(reportBefore.total.requests, old.length + recent.length);
    const result = await purgeExpiredUsage(db, { retentionDays: 90, batchSize: 5, now: () => NOW });
    assert.deepEqual(result, { deleted: old.length, skipped: false });
    assert.deepEqual(await ledgerIds(), recent.map((row) => row.requestId).sort());
    assert.deepEqual(await rollups(), rollupsBefore);
    assert.deepEqual(await usageReport(db, parseUsageQuery([['by', 'day']], NOW)), reportBefore);
    assert.deepEqual(await purgeExpiredUsage(db, { retentionDays: 90, now: () => NOW }), { deleted: 0, skipped: false });
  });

  test('the periodic job deletes on its timer and stops cleanly', async () => {
    // Retention 30 days: some of the recent rows are older than that.
    const expired = recent.filter((row) => row.startedAt.getTime() < NOW.getTime() - 30 * DAY);
    assert.ok(expired.length > 0 && expired.length < recent.length);
    const logged: string[] = [];
    const job = startUsageRetention(db, { retentionDays: 30, now: () => NOW, firstRunMs: 1, intervalMs: 60_000, log: (_level, message) => logged.push(message) });
    const deadline = Date.now() + 10_000;
    while ((await ledgerIds()).length > recent.length - expired.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await job.stop();
    assert.equal((await ledgerIds()).length, recent.length - expired.length);
    assert.deepEqual(logged, ['usage retention deleted old ledger rows']);
    assert.equal(await job.runNow(), undefined, 'a stopped job does not run');
  });
});
