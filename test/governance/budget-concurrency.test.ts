// Issue 10: a budget that allows about 50 requests, 200 concurrent requests spread over two gateway
// instances on one database. Reservations are worst case = actual (max_tokens = the mock's output),
// so the documented bound says spent <= limit exactly, and leases shrinking near the limit leave at
// most one request's worth stranded per instance. PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chat, createWorld, PROJECT, type Instance, type World } from './governed-gateways.js';

const COST_USD = 5; // 5 output tokens at $1 each
const LIMIT_USD = 250; // 50 requests

describe('a budget under 200 concurrent requests from two instances', () => {
  let world: World;
  let a: Instance;
  let b: Instance;

  before(async () => {
    world = await createWorld();
    await world.db.query(
      `insert into public.ai_budgets (name, project_id, limit_usd, period) select 'gov-month', id, $1, 'month' from public.projects where name = $2`,
      [LIMIT_USD, PROJECT],
    );
    a = await world.start();
    b = await world.start();
  });
  after(async () => {
    await world?.close();
  });

  it('admits about 50, refuses the rest with 429 insufficient_quota, and never overspends', async (t) => {
    const before = { a: { ...a.statements }, b: { ...b.statements } };
    const results = await Promise.all(Array.from({ length: 200 }, (_, index) => chat(index % 2 === 0 ? a.origin : b.origin, world.key.key)));
    const ok = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status !== 200);
    for (const result of refused) {
      assert.equal(result.status, 429);
      assert.equal(result.body.error?.code, 'insufficient_quota');
      assert.equal(result.body.error?.type, 'insufficient_quota');
      assert.match(result.body.error?.message ?? '', /Budget 'gov-month' is exhausted for this month.*resets at \d{4}-\d\d-\d\dT/);
      assert.ok(Number(result.headers.get('retry-after')) >= 1);
    }
    // Bound: spent <= limit + sum(actual - reserved) = limit. No refusal while room for a request
    // was left beyond what leases can strand (one request per instance near the limit).
    assert.ok(ok.length <= LIMIT_USD / COST_USD, `admitted ${ok.length}`);
    assert.ok(ok.length >= LIMIT_USD / COST_USD - 2, `admitted only ${ok.length}`);
    const syncs = a.statements.sync - before.a.sync + (b.statements.sync - before.b.sync);
    t.diagnostic(`admitted ${ok.length}/200; lease exchanges during the burst: ${syncs} (${(syncs / 200).toFixed(3)} per request)`);

    await a.switchboard.service.usage?.flush();
    await b.switchboard.service.usage?.flush();
    const ledger = await world.db.query<{ status: number; error_code: string | null; n: string; cost: string | null }>(
      `select status, error_code, count(*)::text as n, sum(cost_usd)::text as cost from public.ai_usage group by 1, 2 order by 1`,
    );
    const rows = Object.fromEntries(ledger.rows.map((row) => [`${row.status}:${row.error_code ?? ''}`, row]));
    assert.equal(Number(rows['200:']?.n), ok.length);
    assert.equal(Number(rows['429:insufficient_quota']?.n), refused.length, 'every refusal is one ledger row');
    const spentLedger = Number(rows['200:']?.cost);
    assert.ok(spentLedger <= LIMIT_USD, `ledger spent ${spentLedger}`);

    // Both instances return their leases: the counter holds exactly what the ledger says was spent.
    await a.close();
    await b.close();
    const counter = await world.db.query<{ spent: string; leased: string }>(
      `select c.spent::text as spent, c.leased::text as leased from public.ai_governance_counters c join public.ai_budgets b on b.id = c.limit_id where b.name = 'gov-month'`,
    );
    assert.equal(counter.rows.length, 1);
    assert.equal(BigInt(counter.rows[0]?.spent ?? '-1'), BigInt(Math.round(spentLedger)) * 1_000_000_000_000n);
    assert.equal(counter.rows[0]?.leased, '0');
    const leases = await world.db.query(`select 1 from public.ai_governance_leases`);
    assert.equal(leases.rowCount, 0);
  });
});
