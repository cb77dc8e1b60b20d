// A USD budget with `unpriced = 'refuse'` fails closed on models with no price in force: a call it
// applies to gets 403 model_not_allowed naming the budget and the model, one ledger row, and no
// upstream call; with 'allow' (the default) the call passes at no cost; a priced model passes (a
// price of 0 too); on a route, an unpriced first target is skipped and the priced second one
// serves. PGlite and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chat, createWorld, MODELS, within, type Instance, type World } from './governed-gateways.js';

const FREE = 'gov-free';
const ROUTE = 'gov-route';
const BUDGET = 'gov-key-month';

interface LedgerRow {
  attempt: number;
  status: number;
  error_code: string | null;
  model_name: string | null;
  route_name: string | null;
}

describe("a budget's unpriced setting", () => {
  let world: World;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    // The same vendor, with no price on the provider row or the model row: no price in force.
    await world.db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
       values ('gov-free-openai', 'OpenAIProvider', $1, '["GOV_OPENAI_API_KEY"]'::jsonb)`,
      [world.openai.baseUrl],
    );
    await world.db.query(`insert into public.ai_models (name, provider_id, model_id, max_tokens) select $1, id, 'gpt-4o-mini', 64 from public.ai_providers where name = 'gov-free-openai'`, [FREE]);
    // A route: the unpriced model first (tier 0), a priced one as its fallback (tier 1).
    await world.db.query(
      `with r as (insert into public.ai_routes (name) values ($1) returning id)
       insert into public.ai_route_targets (route_id, model_id, tier) select r.id, m.id, t.tier from r, (values ($2, 0), ($3, 1)) as t(model, tier) join public.ai_models m on m.name = t.model`,
      [ROUTE, FREE, MODELS[0]],
    );
    // A month budget on the key, written without the new column: it takes the default.
    await world.db.query(`insert into public.ai_budgets (name, project_id, api_key_id, limit_usd) values ($1, $2, $3, 1000)`, [BUDGET, world.projectId, world.key.id]);
    gateway = await world.start();
  });
  after(async () => {
    await world?.close();
  });

  async function ledger(requestedModel: string): Promise<LedgerRow[]> {
    await gateway.switchboard.service.usage?.flush();
    const result = await world.db.query<LedgerRow>(
      `select attempt, status, error_code, model_name, route_name from public.ai_usage where requested_model = $1 order by started_at, attempt`,
      [requestedModel],
    );
    return result.rows;
  }

  async function setUnpriced(value: 'allow' | 'refuse'): Promise<void> {
    await world.db.query(`update public.ai_budgets set unpriced = $1 where name = $2`, [value, BUDGET]);
    await within(10_000, async () => gateway.switchboard.governor?.rules.all().some((rule) => rule.kind === 'budget' && rule.unpriced === value) === true);
  }

  it("'allow' (the default): an unpriced model passes at no cost", async () => {
    const column = await world.db.query<{ unpriced: string }>(`select unpriced from public.ai_budgets where name = $1`, [BUDGET]);
    assert.equal(column.rows[0]?.unpriced, 'allow');
    const upstream = world.openai.requests.length;
    const result = await chat(gateway.origin, world.key.key, FREE);
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(world.openai.requests.length, upstream + 1);
  });

  it("'refuse': an unpriced model gets 403 naming the budget and the model, one ledger row, no upstream call", async () => {
    await setUnpriced('refuse');
    const before = (await ledger(FREE)).length;
    const upstream = world.openai.requests.length;
    const result = await chat(gateway.origin, world.key.key, FREE);
    assert.equal(result.status, 403, JSON.stringify(result.body));
    assert.equal(result.body.error?.code, 'model_not_allowed');
    assert.equal(result.body.error?.type, 'invalid_request_error');
    assert.match(result.body.error?.message ?? '', new RegExp(`Budget '${BUDGET}' refuses calls to models with no price: '${FREE}' has no price in force`));
    assert.ok(!(result.body.error?.message ?? '').includes(world.key.key.slice(8)), 'no key in the message');
    assert.equal(world.openai.requests.length, upstream, 'no upstream call');
    const rows = await ledger(FREE);
    assert.equal(rows.length, before + 1, 'one ledger row');
    assert.deepEqual(rows.at(-1), { attempt: 1, status: 403, error_code: 'model_not_allowed', model_name: FREE, route_name: null });
  });

  it("'refuse': a priced model passes", async () => {
    const upstream = world.openai.requests.length;
    const result = await chat(gateway.origin, world.key.key, MODELS[1]);
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(world.openai.requests.length, upstream + 1);
  });

  it("'refuse' on a route: the unpriced first target is skipped, the priced second one serves", async () => {
    const upstream = world.openai.requests.length;
    const result = await chat(gateway.origin, world.key.key, ROUTE);
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.headers.get('x-switchboard-target'), MODELS[0]);
    assert.equal(result.headers.get('x-switchboard-attempts'), '2');
    assert.equal(world.openai.requests.length, upstream + 1, 'one upstream call: the priced target');
    const rows = await ledger(ROUTE);
    assert.deepEqual(
      rows.map((row) => [row.attempt, row.status, row.error_code, row.model_name]),
      [
        [1, 403, 'model_not_allowed', FREE],
        [2, 200, null, MODELS[0]],
      ],
    );
  });

  it("back to 'allow': the unpriced model passes again", async () => {
    await setUnpriced('allow');
    const result = await chat(gateway.origin, world.key.key, FREE);
    assert.equal(result.status, 200, JSON.stringify(result.body));
  });

  it("'refuse': a model priced at 0 has a price and passes", async () => {
    await setUnpriced('refuse');
    assert.equal((await chat(gateway.origin, world.key.key, FREE)).status, 403);
    await world.db.query(`update public.ai_models set pricing = '{"input_per_mtok": 0, "output_per_mtok": 0}'::jsonb where name = $1`, [FREE]);
    await within(10_000, async () => (await chat(gateway.origin, world.key.key, FREE)).status === 200);
  });
});
