// The store's side of a lost reply to a report WITHOUT a lease (calls admitted unmetered before any
// lease, or an overdraft past a lease that may have expired): such an item carries its holder's
// running total of what it reported without a lease, and the store keeps, per limit, metric and
// holder, what it charged of it (a day past the last report), so the report resent is charged once.
// An item without the total (an older gateway during a rolling upgrade) is charged as before.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { syncLeases, type LeaseSyncItem } from '../../src/db/sql/governance.js';
import { redisLeaseStore } from '../../src/governance/lease-store.js';
import { createDirectWorld, PICO, spentUsd } from './direct-governor.js';
import { awayFromMinuteEnd, REDIS_URL, redisReachable } from './governed-gateways.js';

const redisSkip = (await redisReachable()) ? false : `Redis is unreachable at ${REDIS_URL}`;

/** A report of holder `h` on `limitId` without a lease: `consumed`, running total `total`. */
function report(limitId: string, metric: LeaseSyncItem['metric'], consumed: bigint, total: bigint | undefined, limit: bigint): LeaseSyncItem {
  const item: LeaseSyncItem = { limitId, metric, holder: 'h', leaseId: null, consumed, reportedTotal: consumed, reserved: 0n, want: 0n, need: 0n, release: false, limit };
  return total === undefined ? item : { ...item, reportedUnleased: total };
}

describe('a report without a lease sent again after a lost reply', () => {
  it('is charged once by the database: $3 (total $3) twice is $3; $2 more (total $5) is $5; a record past its day counts as none', async () => {
    const world = await createDirectWorld('gov-unleased-resent-db');
    try {
      const budget = await world.db.query<{ id: string }>(
        `insert into public.ai_budgets (name, project_id, limit_usd, period) values ('unleased', $1, 1000, 'day') returning id`,
        [world.projectId],
      );
      const budgetId = budget.rows[0]?.id as string;
      const send = (consumed: bigint, total?: bigint) => syncLeases(world.db, 'gov-unleased', 30_000, [report(budgetId, 'usd_pico', consumed * PICO, total === undefined ? undefined : total * PICO, 0n)]);
      await send(3n, 3n);
      await send(3n, 3n); // the reply of the first was lost
      assert.equal(await spentUsd(world.db, budgetId), 3);
      await send(2n, 5n);
      assert.equal(await spentUsd(world.db, budgetId), 5);
      // An item without the total (an older gateway) is charged what it reports.
      await send(1n);
      await send(1n);
      assert.equal(await spentUsd(world.db, budgetId), 7);
      // Past its lifetime a record counts as none: the report is charged what it says, as before.
      await world.db.query(`update public.ai_governance_unleased_reports set expires_at = now() - interval '1 second'`);
      await send(1n, 6n);
      assert.equal(await spentUsd(world.db, budgetId), 8);
      const kept = await world.db.query<{ reported: string; left: boolean }>(
        `select reported::text as reported, expires_at > now() + interval '23 hours' as left from public.ai_governance_unleased_reports where holder = 'gov-unleased/h'`,
      );
      assert.deepEqual(kept.rows, [{ reported: String(6n * PICO), left: true }]);
      // Expired records of other holders are deleted by later exchanges.
      await world.db.query(
        `insert into public.ai_governance_unleased_reports (limit_id, metric, holder, reported, expires_at) values ($1, 'usd_pico', 'gone/1', 5, now() - interval '1 second')`,
        [budgetId],
      );
      await syncLeases(world.db, 'gov-unleased', 30_000, [report(budgetId, 'usd_pico', 0n, undefined, 0n)]);
      const left = await world.db.query(`select 1 from public.ai_governance_unleased_reports where holder = 'gone/1'`);
      assert.equal(left.rows.length, 0);
    } finally {
      await world.db.dispose();
    }
  });

  it('is charged once by Redis: 3 requests (total 3) twice is 3; +2 (total 5) is 5; its record lives a day', { skip: redisSkip }, async () => {
    await awayFromMinuteEnd(15);
    const store = await redisLeaseStore(REDIS_URL);
    const redis = new Redis(REDIS_URL);
    try {
      const limitId = randomUUID();
      const send = async (consumed: bigint, total?: bigint): Promise<bigint | undefined> =>
        (await store.sync('gov-unleased', 30_000, [report(limitId, 'requests', consumed, total, 1000n)]))[0]?.spent;
      await send(3n, 3n);
      assert.equal(await send(3n, 3n), 3n); // the reply of the first was lost
      assert.equal(await send(2n, 5n), 5n);
      // An item without the total (an older gateway) is charged what it reports.
      await send(1n);
      assert.equal(await send(1n), 7n);
      const record = `switchboard:governance-unleased:${limitId}:requests:gov-unleased/h`;
      assert.equal(await redis.get(record), '5');
      const ttl = await redis.pttl(record);
      assert.ok(ttl > 23 * 3_600_000 && ttl <= 24 * 3_600_000, `record kept a day (${ttl} ms left)`);
    } finally {
      redis.disconnect();
      await store.close();
    }
  });
});
