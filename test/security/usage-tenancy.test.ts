// Tenancy of the usage ledger as the least-privilege runtime role: a transaction scoped to project A
// (`switchboard.project_id`) sees only A's ledger rows and rollups, so reports and explain run under
// that role never show project B's usage (even when asked for B by name or id), nothing is visible
// without a project, and the role cannot rewrite or delete ledger rows or write rollups directly.
// PGlite (roles exist there too) and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Queryable } from '../../src/db/db.js';
import { setProjectScope } from '../../src/db/sql/credentials.js';
import { DatabaseError, SwitchboardError } from '../../src/errors.js';
import { explainUsage } from '../../src/usage/reports/usage-explain.js';
import { parseUsageQuery } from '../../src/usage/reports/usage-query.js';
import { usageReport } from '../../src/usage/reports/usage-report.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { expect, insertRows, makeRows, seedProjects, type LedgerRow, type SeedProject } from '../usage/usage-fixture.js';

const END = new Date('2026-11-30T12:00:00Z');

describe('usage rows under row-level security (runtime role)', () => {
  let db: TestDb;
  let a: SeedProject;
  let b: SeedProject;
  let rows: LedgerRow[];

  /** Runs `work` in a transaction as switchboard_runtime, scoped to `projectId` when given. */
  const asRuntime = <T>(projectId: string | undefined, work: (tx: Queryable) => Promise<T>): Promise<T> =>
    db.transaction(async (tx) => {
      await tx.query('set local role switchboard_runtime');
      if (projectId !== undefined) await setProjectScope(tx, projectId);
      return work(tx);
    });

  before(async () => {
    db = await createTestDb();
    [a, b] = (await seedProjects(db, ['ten-a', 'ten-b'])) as [SeedProject, SeedProject];
    rows = makeRows([a, b], 80, END, 24, 31);
    await insertRows(db, rows);
  });
  after(async () => {
    await db?.dispose();
  });

  test("project A's transaction sees only A's ledger rows and rollups; none without a project", async () => {
    for (const project of [a, b]) {
      const own = rows.filter((row) => row.projectId === project.id);
      assert.ok(own.length > 0 && own.length < rows.length);
      const seen = await asRuntime(project.id, async (tx) => ({
        ledger: (await tx.query<{ projectId: string }>(`select distinct project_id as "projectId" from public.ai_usage`)).rows,
        count: (await tx.query<{ n: number }>(`select count(*)::int as n from public.ai_usage`)).rows[0]?.n,
        rollups: (await tx.query<{ projectId: string }>(`select distinct project_id as "projectId" from public.ai_usage_hourly`)).rows,
      }));
      assert.deepEqual(seen, { ledger: [{ projectId: project.id }], count: own.length, rollups: [{ projectId: project.id }] });
    }
    const unscoped = await asRuntime(undefined, async (tx) => [
      (await tx.query(`select 1 from public.ai_usage`)).rowCount,
      (await tx.query(`select 1 from public.ai_usage_hourly`)).rowCount,
    ]);
    assert.deepEqual(unscoped, [0, 0]);
  });

  test("reports as A total A's usage only, and asking for B (by name or id) gives nothing", async () => {
    const own = expect(rows.filter((row) => row.projectId === a.id));
    const report = (params: [string, string][]) => asRuntime(a.id, (tx) => usageReport(tx, parseUsageQuery(params, END)));
    const total = await report([]);
    assert.equal(total.total.requests, own.requests);
    assert.equal(total.total.cost_usd, own.cost);
    const byProject = await report([['by', 'project']]);
    assert.deepEqual(byProject.rows.map((row) => row.group), ['ten-a']);
    for (const ref of [b.name, b.id]) {
      const other = await report([['project', ref]]);
      assert.equal(other.total.requests, 0, ref);
      assert.equal(other.total.cost_usd, '0.000000000000', ref);
    }
    const bKey = await report([['key', (b.keys[0] as { id: string }).id]]);
    assert.equal(bKey.total.requests, 0);
  });

  test("explain as A finds A's requests and not B's", async () => {
    const ownRow = rows.find((row) => row.projectId === a.id) as LedgerRow;
    const otherRow = rows.find((row) => row.projectId === b.id) as LedgerRow;
    const explained = await asRuntime(a.id, (tx) => explainUsage(tx, ownRow.requestId));
    assert.equal(explained.attempts[0]?.project_id, a.id);
    await assert.rejects(
      asRuntime(a.id, (tx) => explainUsage(tx, otherRow.requestId)),
      (error: unknown) => error instanceof SwitchboardError && error.code === 'not_found',
    );
  });

  test('the runtime role cannot update or delete ledger rows, nor write rollups', async () => {
    const statements = [
      `update public.ai_usage set cost_usd = 0`,
      `delete from public.ai_usage`,
      `update public.ai_usage_hourly set cost_usd = 0`,
      `delete from public.ai_usage_hourly`,
      `insert into public.ai_usage_hourly (hour, endpoint, status_class, usage_source, duration_histogram, ttft_histogram) values (now(), 'chat', '2xx', 'provider', '{}', '{}')`,
    ];
    for (const statement of statements) {
      await assert.rejects(asRuntime(a.id, (tx) => tx.query(statement)), (error: unknown) => {
        assert.ok(error instanceof DatabaseError, String(error));
        assert.equal(error.sqlState, '42501', statement);
        return true;
      });
    }
    const left = await db.query<{ n: number; cost: string }>(`select count(*)::int as n, sum(cost_usd)::text as cost from public.ai_usage`);
    assert.deepEqual(left.rows, [{ n: rows.length, cost: expect(rows).cost }]);
  });
});
