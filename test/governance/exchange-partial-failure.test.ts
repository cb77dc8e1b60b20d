// A lease exchange that is more than one statement (budgets to Postgres and rate limits to Redis; or
// past 1,000 counters, batches one after the other) can fail in one part after another part has
// committed. The committed part's answers are applied all the same: its consumption is reported
// once. Before, the whole exchange counted as failed, so the consumption Postgres had already
// charged was reported again at the next exchange, and again at every background round while Redis
// was down (or while a batch kept hitting its lock timeout): the budget charged many times over.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { Governor } from '../../src/governance/governor.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { skipWithoutPostgres } from '../helpers/test-db.js';
import { createDirectWorld, PICO, spentUsd } from './direct-governor.js';
import { awayFromMinuteEnd, REDIS_URL, redisReachable, within } from './governed-gateways.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const redisSkip = (await redisReachable()) ? false : `Redis is unreachable at ${REDIS_URL}`;

describe('a lease exchange that fails in one part after another committed', () => {
  it('Redis down, Postgres up: the budget is charged its settled cost once, not at every round', { skip: redisSkip }, async () => {
    const world = await createDirectWorld('gov-partial-redis');
    const redis = new URL(REDIS_URL);
    // Redis behind a proxy that can cut it off for real.
    const proxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
    const governor = new Governor({
      db: world.db,
      prices: world.prices,
      settings: { syncMs: 50, redisUrl: `redis://127.0.0.1:${proxy.port}` },
    });
    try {
      const budget = await world.db.query<{ id: string }>(
        `insert into public.ai_budgets (name, project_id, limit_usd, period) values ('partial-day', $1, 1000, 'day') returning id`,
        [world.projectId],
      );
      const budgetId = budget.rows[0]?.id as string;
      await world.db.query(`insert into public.ai_rate_limits (name, project_id, requests_per_minute) values ('partial-rpm', $1, 1000)`, [world.projectId]);
      await awayFromMinuteEnd(15);
      await governor.start();
      const ticket = await governor.admit(world.request(1));
      proxy.cut();
      // The next rounds report both counters: the budget's part commits, the rate limit's fails.
      ticket.settle(1n * PICO, 1);
      await within(10_000, async () => (await spentUsd(world.db, budgetId)) > 0);
      await sleep(500);
      assert.equal(await spentUsd(world.db, budgetId), 1, 'the $1 settled, charged once over ~10 rounds');
    } finally {
      governor.halt();
      await proxy.close();
      await world.db.dispose();
    }
  });

  it('a batch past the first hits its lock timeout: the first batch is charged once', { skip: skipWithoutPostgres() }, async () => {
    const world = await createDirectWorld('gov-partial-batch');
    const governor = new Governor({ db: world.db, prices: world.prices, settings: { syncMs: 100, timeoutMs: 300 } });
    const blocker = new pg.Client({ connectionString: world.db.url });
    blocker.on('error', () => undefined);
    try {
      // 1,001 budgets: every exchange of them all is two statements, the last budget alone in the second.
      await world.db.query(
        `insert into public.ai_budgets (name, project_id, limit_usd, period)
           select 'part-' || lpad(g::text, 4, '0'), $1::uuid, 1000, 'day' from generate_series(1, 1001) as g`,
        [world.projectId],
      );
      await governor.start();
      const ticket = await governor.admit(world.request(1));
      await blocker.connect();
      await blocker.query('begin');
      const locked = await blocker.query(
        `select c.id from public.ai_governance_counters c join public.ai_budgets b on b.id = c.limit_id where b.name = 'part-1001' for update of c`,
      );
      assert.equal(locked.rowCount, 1);
      ticket.settle(1n * PICO, 1);
      // Rounds meanwhile: the first batch (1,000 budgets) commits, the second waits 300 ms and fails.
      await within(3000, async () => (await spentByName(world, 'part-0001')) > 0);
      await sleep(1200);
      await blocker.query('rollback');
      await within(5000, async () => (await spentByName(world, 'part-1001')) === 1);
      await governor.close();
      const charged = await world.db.query<{ name: string; spent: string }>(
        `select b.name, c.spent::text as spent from public.ai_governance_counters c join public.ai_budgets b on b.id = c.limit_id
          where c.spent <> $1::numeric order by b.name limit 3`,
        [String(PICO)],
      );
      assert.deepEqual(charged.rows, [], 'every budget charged its $1 exactly once');
    } finally {
      governor.halt();
      await blocker.end().catch(() => undefined);
      await world.db.dispose();
    }
  });
});

async function spentByName(world: Awaited<ReturnType<typeof createDirectWorld>>, name: string): Promise<number> {
  const result = await world.db.query<{ spent: string }>(
    `select coalesce(sum(c.spent), 0)::text as spent from public.ai_governance_counters c join public.ai_budgets b on b.id = c.limit_id where b.name = $1`,
    [name],
  );
  return Number(BigInt(result.rows[0]?.spent ?? '0') / PICO);
}
