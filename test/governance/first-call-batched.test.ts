// An instance's first call under many budgets and rate limits refills all its leases together: 700
// budgets and 600 rate limits (requests and tokens: 1,900 counters) cost ceil(1,900 / 1,000) = 2
// statements, counted through the real database adapter, instead of one exchange per counter
// (1,900, seconds of waiting). The next call fits the leases and runs none. Both databases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Governor } from '../../src/governance/governor.js';
import { MAX_SYNC_ITEMS } from '../../src/governance/lease-store.js';
import { createDirectWorld, PICO } from './direct-governor.js';
import { awayFromMinuteEnd, counting } from './governed-gateways.js';

const BUDGETS = 700;
const RATE_LIMITS = 600;

describe("an instance's first call under 1,900 counters", () => {
  it('refills them in 2 statements; the next call runs none', async (t) => {
    const world = await createDirectWorld('gov-many');
    const statements = { total: 0, sync: 0 };
    // No background rounds; a bound far above what 1,000 counters take on a busy machine.
    const governor = new Governor({ db: counting(world.db, statements), prices: world.prices, settings: { syncMs: 60_000, timeoutMs: 30_000 } });
    try {
      await world.db.query(
        `insert into public.ai_budgets (name, project_id, limit_usd, period) select 'many-' || g, $1::uuid, 1000, 'day' from generate_series(1, $2::int) as g`,
        [world.projectId, BUDGETS],
      );
      await world.db.query(
        `insert into public.ai_rate_limits (name, project_id, requests_per_minute, tokens_per_minute)
           select 'many-' || g, $1::uuid, 100000, 10000000 from generate_series(1, $2::int) as g`,
        [world.projectId, RATE_LIMITS],
      );
      // Rate-limit counters are per minute: both calls in one.
      await awayFromMinuteEnd(15);
      await governor.start();
      assert.equal(governor.rules.budgetCount, BUDGETS);
      assert.equal(governor.rules.rateLimitCount, RATE_LIMITS);
      const counters = BUDGETS + 2 * RATE_LIMITS;

      const before = { ...statements };
      const started = performance.now();
      const first = await governor.admit(world.request(1));
      t.diagnostic(`first call: ${Math.round(performance.now() - started)} ms on ${world.db.kind}`);
      assert.equal(statements.sync - before.sync, Math.ceil(counters / MAX_SYNC_ITEMS), 'lease exchanges of the first call');
      assert.equal(statements.total - before.total, statements.sync - before.sync, 'no other statement');

      const admitted = governor.admit(world.request(1));
      assert.ok(!(admitted instanceof Promise), 'the second call fits the leases held');
      assert.equal(statements.total - before.total, Math.ceil(counters / MAX_SYNC_ITEMS));

      first.settle(1n * PICO, 1);
      admitted.settle(1n * PICO, 1);
      await governor.close();
      const spent = await world.db.query<{ metric: string; n: number; spent: string }>(
        `select metric, count(*)::int as n, sum(spent)::text as spent from public.ai_governance_counters group by metric order by metric`,
      );
      assert.deepEqual(spent.rows, [
        { metric: 'requests', n: RATE_LIMITS, spent: String(2 * RATE_LIMITS) },
        { metric: 'tokens', n: RATE_LIMITS, spent: String(2 * RATE_LIMITS) },
        { metric: 'usd_pico', n: BUDGETS, spent: String(2n * BigInt(BUDGETS) * PICO) },
      ]);
    } finally {
      governor.halt();
      await world.db.dispose();
    }
  });
});
