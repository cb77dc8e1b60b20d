// A burst of calls arriving while the exchange of the first one is in flight, under a budget another
// instance has exhausted: the exchange answers that nothing is left, and the calls that waited on it
// are refused at once, as calls arriving a moment later are (`refusedLately`), instead of running an
// exchange each, one after the other. Before, 20 calls took 20 sequential statements: the last
// refusal came 20 round trips late, and past SWITCHBOARD_GOVERNANCE_TIMEOUT_MS the calls still in the
// queue got 503 (fail closed) or were admitted unmetered over the exhausted budget (fail open).
// Both databases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GovernanceError } from '../../src/governance/governance-error.js';
import { Governor } from '../../src/governance/governor.js';
import { createDirectWorld, PICO, spentUsd } from './direct-governor.js';
import { counting } from './governed-gateways.js';

const BURST = 20;

describe('a burst waiting on one exchange that finds the budget exhausted', () => {
  it('is refused after that one exchange, with no statement per call', async () => {
    const world = await createDirectWorld('gov-burst-wait');
    const statements = { total: 0, sync: 0 };
    const other = new Governor({ db: world.db, prices: world.prices, settings: { syncMs: 60_000 } });
    const governor = new Governor({ db: counting(world.db, statements), prices: world.prices, settings: { syncMs: 60_000, timeoutMs: 30_000 } });
    try {
      const budget = await world.db.query<{ id: string }>(
        `insert into public.ai_budgets (name, project_id, limit_usd, period) values ('burst-day', $1, 10, 'day') returning id`,
        [world.projectId],
      );
      const budgetId = budget.rows[0]?.id as string;
      // Another instance spends the whole budget and returns its lease.
      await other.start();
      const spender = await other.admit(world.request(10));
      spender.settle(10n * PICO, 10);
      await other.close();
      assert.equal(await spentUsd(world.db, budgetId), 10);

      await governor.start();
      const before = statements.sync;
      // All in one tick: the first call's exchange is in flight while the others arrive.
      const calls = Array.from({ length: BURST }, () => (async () => governor.admit(world.request(1)))());
      const outcomes = await Promise.allSettled(calls);
      for (const outcome of outcomes) {
        assert.equal(outcome.status, 'rejected');
        assert.ok(outcome.reason instanceof GovernanceError, String(outcome.reason));
        assert.equal(outcome.reason.code, 'insufficient_quota');
      }
      assert.equal(statements.sync - before, 1, 'lease exchanges for the burst');
      await governor.close();
      assert.equal(await spentUsd(world.db, budgetId), 10);
    } finally {
      governor.halt();
      other.halt();
      await world.db.dispose();
    }
  });
});
