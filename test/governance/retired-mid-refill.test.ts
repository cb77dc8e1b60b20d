// A call waiting on a refill of two counters, one of which is retired meanwhile (its rule changed)
// and returns its lease in a background round before the call gets to it: the call's exchange of its
// own for that counter takes a lease again, on a counter the instance no longer tracks. The counter
// is tracked again, so that what the call consumed is reported and the lease returned. Before, the
// lease stayed behind (to expire and be charged whole) and the call's consumption was never
// reported. Postgres: another connection holds the other counter's row to keep the call waiting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { Governor } from '../../src/governance/governor.js';
import { skipWithoutPostgres } from '../helpers/test-db.js';
import { createDirectWorld, PICO, spentUsd } from './direct-governor.js';
import { awayFromMinuteEnd, within } from './governed-gateways.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a counter retired while a call waits to refill it', () => {
  it('is reported and returns the lease the call took', { skip: skipWithoutPostgres() }, async () => {
    const world = await createDirectWorld('gov-retired-refill');
    // Chunks of 1 request and $1; rounds every 100 ms.
    const governor = new Governor({ db: world.db, prices: world.prices, settings: { syncMs: 100, timeoutMs: 10_000, leaseFraction: 0.001 } });
    const blocker = new pg.Client({ connectionString: world.db.url });
    blocker.on('error', () => undefined);
    try {
      const budget = await world.db.query<{ id: string }>(
        `insert into public.ai_budgets (name, project_id, limit_usd, period) values ('retired-day', $1, 1000, 'day') returning id`,
        [world.projectId],
      );
      const budgetId = budget.rows[0]?.id as string;
      const limit = await world.db.query<{ id: string }>(
        `insert into public.ai_rate_limits (name, project_id, requests_per_minute) values ('retired-rpm', $1, 1000) returning id`,
        [world.projectId],
      );
      const limitId = limit.rows[0]?.id as string;
      const requestLeases = async (): Promise<number> =>
        (
          await world.db.query<{ n: number }>(
            `select count(*)::int as n from public.ai_governance_leases l join public.ai_governance_counters c on c.id = l.counter_id where c.limit_id = $1`,
            [limitId],
          )
        ).rows[0]?.n ?? 0;
      await awayFromMinuteEnd(20);
      await governor.start();
      const first = await governor.admit(world.request(1));
      first.settle(1n * PICO, 1);
      await within(3000, async () => (await spentUsd(world.db, budgetId)) === 1);
      await sleep(300);

      await blocker.connect();
      await blocker.query('begin');
      const locked = await blocker.query('select id from public.ai_governance_counters where limit_id = $1 for update', [budgetId]);
      assert.equal(locked.rowCount, 1);
      // A request-only call takes the last request of the lease: a prefetch of the requests counter starts.
      const counted = governor.admit({ ...world.request(0), requestsOnly: true });
      assert.ok(!(counted instanceof Promise), 'fits the lease held');
      // This call needs both counters refilled: it waits on that prefetch, and on its own exchange of
      // the budget's counter (held by the blocker).
      const waiting = (async () => governor.admit(world.request(2)))();
      await sleep(300);
      // The rate limit changes: its counter is retired and, once the request-only call is done,
      // returns its lease in a round.
      await world.db.query('update public.ai_rate_limits set requests_per_minute = 999 where id = $1', [limitId]);
      await governor.reload();
      counted.release();
      await within(3000, async () => (await requestLeases()) === 0);

      await blocker.query('rollback');
      const ticket = await waiting;
      ticket.settle(2n * PICO, 2);
      await sleep(400);
      await governor.close();
      assert.equal(await requestLeases(), 0, 'no lease left behind');
      const requests = await world.db.query<{ spent: string }>(`select coalesce(sum(spent), 0)::text as spent from public.ai_governance_counters where limit_id = $1`, [
        limitId,
      ]);
      assert.equal(requests.rows[0]?.spent, '2', 'requests counted: the first call and the waiting one');
      assert.equal(await spentUsd(world.db, budgetId), 3);
    } finally {
      governor.halt();
      await blocker.end().catch(() => undefined);
      await world.db.dispose();
    }
  });
});
