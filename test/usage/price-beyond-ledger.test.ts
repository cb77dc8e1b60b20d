// Prices written with plain SQL whose cost the ledger cannot hold: `ai_usage.cost_usd` is
// numeric(30,12) (under $10^18), while a price is any non-negative JSON number (1e300 per million
// tokens, $10^25 per request). The call was served, then the database refused its ledger row
// (numeric field overflow) and the writer dropped it: the attempt's tokens were recorded nowhere. Now
// such an attempt is recorded with its tokens and price rows and an unknown cost (null, counted as
// unpriced, with a warning), and the other rows of the ledger are unaffected. PGlite and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chat, createWorld, within, type Instance, type World } from '../governance/governed-gateways.js';

describe('prices whose cost the ledger cannot hold', () => {
  let world: World;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    await world.db.query(
      `insert into public.ai_price_history (model_id, pricing)
       select id, '{"input_per_mtok": 1e300, "output_per_mtok": 1e300}'::jsonb from public.ai_models where name = 'gov-b'
       union all
       select id, '{"input_per_mtok": 0, "output_per_mtok": 0, "per_request": 1e25}'::jsonb from public.ai_models where name = 'gov-c'`,
    );
    gateway = await world.start();
  });
  after(async () => {
    await world?.close();
  });

  it('the attempts are in the ledger with their tokens and an unknown cost; an ordinary one keeps its cost', async () => {
    for (const model of ['gov-b', 'gov-c', 'gov-a']) assert.equal((await chat(gateway.origin, world.key.key, model, 5)).status, 200);
    type Row = { requested_model: string; output_tokens: number; cost_usd: string | null; price_id: string | null };
    const read = async (): Promise<Row[]> =>
      (await world.db.query<Row>(`select requested_model, output_tokens::int as output_tokens, cost_usd::text, coalesce(price_id, provider_price_id)::text as price_id from public.ai_usage order by requested_model`)).rows;
    await within(10_000, async () => (await read()).length === 3).catch(() => undefined);
    const rows = await read();
    assert.deepEqual(
      rows.map((row) => [row.requested_model, row.output_tokens, row.cost_usd, row.price_id !== null]),
      [
        ['gov-a', 5, '5.000000000000', true],
        ['gov-b', 5, null, true],
        ['gov-c', 5, null, true],
      ],
    );
  });
});

// The same cost reaches the budgets: a cached-input price of 1e300 is not in the reservation (the
// worst case prices input at the input rate), so the call is admitted, and its cost (3e294 USD) went
// whole to the lease store, whose counters are numeric(38,0) pico-USD: every exchange of the
// instance then failed (numeric field overflow), for every budget and limit it held. Now a cost past
// the ledger's bound is charged to budgets at that bound (under $10^18, more than any limit).
describe('a cost past the ledger bound, charged to a budget', () => {
  let world: World;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    await world.db.query(
      `insert into public.ai_price_history (model_id, pricing)
       select id, '{"input_per_mtok": 0, "output_per_mtok": 1000000, "cached_input_per_mtok": 1e300}'::jsonb from public.ai_models where name = 'gov-b'`,
    );
    await world.db.query(`insert into public.ai_budgets (name, project_id, limit_usd, period) values ('cached', $1, 10, 'month')`, [world.projectId]);
    gateway = await world.start();
  });
  after(async () => {
    await world?.close();
  });

  it('the lease store is charged (the budget is spent) and the instance keeps exchanging', async () => {
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.key.key}`, 'content-type': 'application/json' },
      // A system text with "cache" in it: the mock reports 3 cached input tokens.
      body: JSON.stringify({ model: 'gov-b', max_tokens: 5, messages: [{ role: 'system', content: 'use the cache' }, { role: 'user', content: 'a b c d' }] }),
    });
    assert.equal(response.status, 200, await response.text());
    const spent = async (): Promise<bigint> => {
      const result = await world.db.query<{ spent: string | null }>(
        `select max(c.spent)::text as spent from public.ai_governance_counters c join public.ai_budgets b on b.id = c.limit_id where b.name = 'cached'`,
      );
      return BigInt(result.rows[0]?.spent ?? '0');
    };
    await within(10_000, async () => (await spent()) >= 10n * 10n ** 12n).catch(() => undefined);
    assert.ok((await spent()) >= 10n * 10n ** 12n, `the budget's counter was charged: ${await spent()} pico-USD`);
    const refused = await chat(gateway.origin, world.key.key, 'gov-a', 5);
    assert.equal(refused.status, 429, 'the budget is spent');
  });
});
