// Times later than a JavaScript Date holds (after +275760-09-13; Postgres takes them up to the year
// 294276), written with SQL as "never": a key that expires then, a fixed budget that ends then.
// node-postgres read them as Invalid Dates (NaN), which compare false with every time: the key was
// refused (401) on every request as if expired, and the budget was silently never applied. Now such
// a time is the latest Date, as `infinity` is. PGlite and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertProjectKey } from '../helpers/serve-process.js';
import { chat, createWorld, PROJECT, within, type Instance, type World } from './governed-gateways.js';

const LAST_YEAR = '294276-12-31 23:59:59+00';

describe('rows with times past what a JavaScript Date holds', () => {
  let world: World;
  let gateway: Instance;
  let farKey: { id: string; key: string };

  before(async () => {
    world = await createWorld();
    farKey = await insertProjectKey(world.db, PROJECT, 'far');
    await world.db.query(`update public.api_keys set expires_at = $2::timestamptz where id = $1`, [farKey.id, LAST_YEAR]);
    gateway = await world.start();
  });
  after(async () => {
    await world?.close();
  });

  it('a key that expires in the year 294276 works', async () => {
    assert.equal((await chat(gateway.origin, farKey.key, 'gov-a', 1)).status, 200);
  });

  it('a fixed budget that ends in the year 294276, added live, is enforced', async () => {
    // $10, with output at $1 per token (the call above cost $1): a call of 5 tokens fits, one of 20 does not.
    await world.db.query(
      `insert into public.ai_budgets (name, project_id, limit_usd, period, starts_at, ends_at)
       values ('until-the-end', $1, 10, 'fixed', now() - interval '1 hour', $2::timestamptz)`,
      [world.projectId, LAST_YEAR],
    );
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 1));
    assert.equal((await chat(gateway.origin, world.key.key, 'gov-a', 5)).status, 200);
    const answer = await chat(gateway.origin, world.key.key, 'gov-a', 20);
    assert.equal(answer.status, 429);
    assert.equal((answer.body as { error?: { code?: string } }).error?.code, 'insufficient_quota');
  });
});
