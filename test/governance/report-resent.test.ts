// The store's side of a lost reply: an instance whose exchange failed after the store committed it
// sends the same consumption again, with its lease's running total of what it reported. The store
// charges only what that total adds to what it has recorded for the lease, so the report resent is
// charged once. An item without a total (an older gateway during a rolling upgrade) is charged
// as before.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { syncLeases, type LeaseSyncItem } from '../../src/db/sql/governance.js';
import { redisLeaseStore } from '../../src/governance/lease-store.js';
import { createDirectWorld, PICO, spentUsd } from './direct-governor.js';
import { awayFromMinuteEnd, REDIS_URL, redisReachable } from './governed-gateways.js';

const redisSkip = (await redisReachable()) ? false : `Redis is unreachable at ${REDIS_URL}`;

/** An item of holder `h` on `limitId`: no consumption, asking for a lease of `want`. */
function item(limitId: string, metric: LeaseSyncItem['metric'], want: bigint, limit: bigint): LeaseSyncItem {
  return { limitId, metric, holder: 'h', leaseId: null, consumed: 0n, reportedTotal: 0n, reserved: 0n, want, need: 0n, release: false, limit };
}

describe('a report sent again after a lost reply', () => {
  it('is charged once by the database: $3 reported twice with running total $3 is $3 spent; then $2 more (total $5) is $5', async () => {
    const world = await createDirectWorld('gov-resent-db');
    try {
      const budget = await world.db.query<{ id: string }>(
        `insert into public.ai_budgets (name, project_id, limit_usd, period) values ('resent', $1, 1000, 'day') returning id`,
        [world.projectId],
      );
      const budgetId = budget.rows[0]?.id as string;
      const first = item(budgetId, 'usd_pico', 50n * PICO, 0n);
      const [granted] = await syncLeases(world.db, 'gov-resent', 30_000, [first]);
      const leaseId = granted?.leaseId ?? null;
      assert.notEqual(leaseId, null);
      const report: LeaseSyncItem = { ...first, leaseId, consumed: 3n * PICO, reportedTotal: 3n * PICO };
      await syncLeases(world.db, 'gov-resent', 30_000, [report]);
      await syncLeases(world.db, 'gov-resent', 30_000, [report]); // the reply of the first was lost
      assert.equal(await spentUsd(world.db, budgetId), 3);
      await syncLeases(world.db, 'gov-resent', 30_000, [{ ...report, consumed: 2n * PICO, reportedTotal: 5n * PICO }]);
      assert.equal(await spentUsd(world.db, budgetId), 5);
      // An item without a running total (an older gateway) is charged what it reports.
      const { reportedTotal: _omitted, ...old } = { ...report, consumed: 1n * PICO };
      await syncLeases(world.db, 'gov-resent', 30_000, [old as LeaseSyncItem]);
      await syncLeases(world.db, 'gov-resent', 30_000, [old as LeaseSyncItem]);
      assert.equal(await spentUsd(world.db, budgetId), 7);
    } finally {
      await world.db.dispose();
    }
  });

  it('is charged once by Redis: 3 requests reported twice with running total 3 is 3 spent; then +2 is 5', { skip: redisSkip }, async () => {
    await awayFromMinuteEnd(15);
    const store = await redisLeaseStore(REDIS_URL);
    try {
      const limitId = randomUUID();
      const first = item(limitId, 'requests', 100n, 1000n);
      const [granted] = await store.sync('gov-resent', 30_000, [first]);
      const report: LeaseSyncItem = { ...first, leaseId: granted?.leaseId ?? null, consumed: 3n, reportedTotal: 3n };
      await store.sync('gov-resent', 30_000, [report]);
      const [again] = await store.sync('gov-resent', 30_000, [report]); // the reply of the first was lost
      assert.equal(again?.spent, 3n);
      const [later] = await store.sync('gov-resent', 30_000, [{ ...report, consumed: 2n, reportedTotal: 5n }]);
      assert.equal(later?.spent, 5n);
      await store.sync('gov-resent', 30_000, [{ ...first, leaseId: report.leaseId, release: true, want: 0n }]);
    } finally {
      await store.close();
    }
  });
});
