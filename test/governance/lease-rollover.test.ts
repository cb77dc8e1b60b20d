// A period ends (a rate limit's every minute) often with calls in flight: the old period's counter is
// retired and keeps reporting until they settle, while a new counter leases the current period. Both
// lease rows of one instance are unique per (counter, instance), so a retired counter that asked for
// room got the live counter's row back, and its release later deleted it with the live counter's
// consumption. A retired counter now only reports and returns. Real SQL (PGlite and Postgres).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { syncLeases } from '../../src/db/sql/governance.js';
import { LeaseCounter } from '../../src/governance/lease-counter.js';
import type { BudgetRule } from '../../src/governance/governance-rules.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

const INSTANCE = 'rollover-instance';

describe('a retired counter beside the live one of the next period', () => {
  let db: TestDb;
  let rule: BudgetRule;

  before(async () => {
    db = await createTestDb();
    const project = await db.query<{ id: string }>(`insert into public.projects (name) values ('rollover') returning id`);
    // A daily budget (a minute's rate limit would make the test depend on the clock's second).
    const limit = await db.query<{ id: string }>(
      `insert into public.ai_budgets (name, project_id, limit_usd, period) values ('rollover-day', $1, 1, 'day') returning id`,
      [project.rows[0]?.id as string],
    );
    rule = { kind: 'budget', id: limit.rows[0]?.id as string, limitPico: 1_000_000_000_000n } as unknown as BudgetRule;
  });
  after(async () => {
    await db?.dispose();
  });

  async function exchange(counter: LeaseCounter, release: boolean): Promise<void> {
    const sent = counter.item(0n, release);
    const [result] = await syncLeases(db, INSTANCE, 30_000, [sent]);
    assert.ok(result);
    counter.apply(sent, result, result.dbNow.getTime() - Date.now(), Date.now());
  }

  async function leaseRows(): Promise<{ id: string; current: boolean }[]> {
    const result = await db.query<{ id: string; current: boolean }>(
      `select l.id::text as id, c.period_end > now() as current from public.ai_governance_leases l
         join public.ai_governance_counters c on c.id = l.counter_id where c.limit_id = $1 and l.instance_id = $2`,
      [rule.id, INSTANCE],
    );
    return result.rows;
  }

  it("reports its consumption, takes no lease of the new period, and its release leaves the live counter's lease alone", async () => {
    const live = new LeaseCounter(`${rule.id}:usd_pico`, rule, 'usd_pico', 50n);
    await exchange(live, false);
    assert.ok(live.leaseId !== null && live.lease > 0n);

    // The previous minute's counter and this instance's lease on it, two calls still in flight.
    const old = await db.query<{ id: string }>(
      `with c as (insert into public.ai_governance_counters (limit_id, metric, period_start, period_end, leased)
                  values ($1, 'usd_pico', date_trunc('day', now() at time zone 'utc') at time zone 'utc' - interval '1 day',
                          date_trunc('day', now() at time zone 'utc') at time zone 'utc', 50) returning id)
       insert into public.ai_governance_leases (counter_id, instance_id, amount, reserved, expires_at)
       select id, $2, 50, 2, now() + interval '30 seconds' from c returning id::text as id`,
      [rule.id, INSTANCE],
    );
    const retired = new LeaseCounter(`${rule.id}:usd_pico`, rule, 'usd_pico', 50n);
    retired.leaseId = old.rows[0]?.id as string;
    retired.lease = 50n;
    retired.reserved = 2n;
    retired.retired = true;

    // One call settles: the retired counter reports it.
    retired.reserved = 1n;
    retired.consumed = 1n;
    retired.dirty = true;
    await exchange(retired, false);
    assert.equal(retired.leaseId, null, 'no lease of the new period');
    // The last call settles and the retired counter returns everything.
    retired.reserved = 0n;
    retired.consumed = 1n;
    await exchange(retired, true);

    const rows = await leaseRows();
    assert.deepEqual(rows, [{ id: live.leaseId, current: true }], "the live counter's lease is still there");
    await exchange(live, false);
    assert.equal(live.leaseId, rows[0]?.id);
  });
});
