// Rows that say "never" with Postgres' `infinity`: a key that never expires, a price scheduled for
// no date, a fixed budget without an end. node-postgres reads them as the numbers ±Infinity, and
// every reader called getTime() on them: the key's every request was a 500, the price row stopped
// every configuration load (start-up included), and the budget's rules failed to load, leaving
// every budget and rate limit off. Now they are the Dates furthest from now. PGlite and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chat, createWorld, within, type Instance, type World } from './governed-gateways.js';

describe("rows that say 'never' with infinity", () => {
  let world: World;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    await world.db.query(`update public.api_keys set expires_at = 'infinity' where id = $1`, [world.key.id]);
    await world.db.query(
      `insert into public.ai_price_history (model_id, pricing, effective_from)
       select id, '{"input_per_mtok": 5}'::jsonb, 'infinity' from public.ai_models where name = 'gov-a'`,
    );
    // $10, with output at $1 per token: a call of 5 tokens fits, one of 20 does not.
    await world.db.query(
      `insert into public.ai_budgets (name, project_id, limit_usd, period, starts_at, ends_at)
       values ('forever', $1, 10, 'fixed', now() - interval '1 hour', 'infinity')`,
      [world.projectId],
    );
    gateway = await world.start();
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 1));
  });
  after(async () => {
    await world?.close();
  });

  it('the gateway starts, the key works, the budget without an end is enforced', async () => {
    assert.equal((await chat(gateway.origin, world.key.key, 'gov-a', 5)).status, 200);
    const answer = await chat(gateway.origin, world.key.key, 'gov-a', 20);
    assert.equal(answer.status, 429);
    assert.equal((answer.body as { error?: { code?: string } }).error?.code, 'insufficient_quota');
  });
});
