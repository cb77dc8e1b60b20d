// An instance with more live counters than one call of switchboard_governance_sync takes (1,000
// items): the Postgres lease store sends them in batches. Before, every background exchange of
// such an instance failed ("p_items must be an array of at most 1000 items"): no consumption was
// reported, no lease renewed, and leases expired to be charged whole. Both databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_SYNC_ITEMS, postgresLeaseStore } from '../../src/governance/lease-store.js';
import type { LeaseSyncItem } from '../../src/db/sql/governance.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

describe('lease exchanges of more than 1,000 counters', () => {
  let db: TestDb;

  before(async () => {
    db = await createTestDb();
  });
  after(async () => {
    await db?.dispose();
  });

  it('are sent in batches: every counter gets its lease and reports its consumption', async () => {
    const project = await db.query<{ id: string }>(`insert into public.projects (name) values ('lease-batches') returning id`);
    const projectId = project.rows[0]?.id as string;
    const count = MAX_SYNC_ITEMS + 201;
    const budgets = await db.query<{ id: string }>(
      `insert into public.ai_budgets (name, project_id, limit_usd, period)
         select 'batch-' || g, $1::uuid, 100, 'day' from generate_series(1, $2::int) as g
       returning id`,
      [projectId, count],
    );
    const ids = budgets.rows.map((row) => row.id);
    assert.equal(ids.length, count);
    const store = postgresLeaseStore(db);
    const item = (limitId: string, leaseId: string | null, consumed: bigint): LeaseSyncItem => ({
      limitId,
      metric: 'usd_pico',
      holder: 'h1',
      leaseId,
      consumed,
      reserved: 0n,
      want: 1_000_000n,
      need: 0n,
      release: false,
    });

    const first = await store.sync('inst-batches', 30_000, ids.map((id) => item(id, null, 0n)));
    assert.equal(first.length, count);
    assert.ok(first.every((result) => result.leaseId !== null && result.amount > 0n), 'every counter leased');

    // The next round reports 7 pico-USD consumed on every counter.
    const leases = new Map(first.map((result) => [result.limitId, result.leaseId]));
    const second = await store.sync('inst-batches', 30_000, ids.map((id) => item(id, leases.get(id) ?? null, 7n)));
    assert.equal(second.length, count);
    const spent = await db.query<{ n: string; total: string }>(
      `select count(*)::text as n, coalesce(sum(spent), 0)::text as total from public.ai_governance_counters where limit_id = any($1::uuid[])`,
      [ids],
    );
    assert.deepEqual(spent.rows[0], { n: String(count), total: String(7 * count) });
  });
});
