// Issue 10: model allow-lists on keys (and projects): a key limited to two models gets 403
// model_not_allowed for a third (one ledger row) and sees only the two in /v1/models; widening the
// list with SQL applies on both instances within 1 s. With no budgets and no limits the hot path
// makes no database query; with them, the lease exchanges per request are reported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chat, createWorld, MODELS, within, type Instance, type World } from './governed-gateways.js';

async function listModels(origin: string, key: string): Promise<string[]> {
  const response = await fetch(`${origin}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { data: { id: string }[] };
  return body.data.map((model) => model.id).sort();
}

describe('model access per key and project', () => {
  let world: World;
  let a: Instance;
  let b: Instance;

  before(async () => {
    world = await createWorld();
    a = await world.start();
    b = await world.start();
  });
  after(async () => {
    await world?.close();
  });

  it('a key limited to two models: 403 for a third, /v1/models lists the two; widening with SQL applies live (the delay logged)', async () => {
    await world.db.query(`update public.api_keys set allowed_models = $1, label = 'team-a' where id = $2`, [[MODELS[0], MODELS[1]], world.key.id]);
    for (const instance of [a, b]) {
      await within(10_000, async () => (await chat(instance.origin, world.key.key, MODELS[2])).status === 403);
      const refused = await chat(instance.origin, world.key.key, MODELS[2]);
      assert.equal(refused.body.error?.code, 'model_not_allowed');
      assert.equal(refused.status, 403);
      assert.equal((await chat(instance.origin, world.key.key, MODELS[0])).status, 200);
      assert.equal((await chat(instance.origin, world.key.key, MODELS[1])).status, 200);
      assert.deepEqual(await listModels(instance.origin, world.key.key), [MODELS[0], MODELS[1]]);
      const retrieve = await fetch(`${instance.origin}/v1/models/${MODELS[2]}`, { headers: { authorization: `Bearer ${world.key.key}` } });
      assert.equal(retrieve.status, 403);
      assert.equal(((await retrieve.json()) as { error: { code: string } }).error.code, 'model_not_allowed');
    }
    const upstreamBefore = world.openai.requests.length;
    assert.equal((await chat(a.origin, world.key.key, MODELS[2])).status, 403);
    assert.equal(world.openai.requests.length, upstreamBefore, 'no upstream call for a refused model');
    await a.switchboard.service.usage?.flush();
    const ledger = await world.db.query<{ n: string }>(`select count(*)::text as n from public.ai_usage where status = 403 and error_code = 'model_not_allowed'`);
    assert.ok(Number(ledger.rows[0]?.n) >= 3, 'each refusal is one ledger row');

    await world.db.query(`update public.api_keys set allowed_models = $1 where id = $2`, [[...MODELS], world.key.id]);
    // Milliseconds over LISTEN; `within` fails after 10 s (a busy CI machine), the delay is only logged.
    const took = await Promise.all([a, b].map((instance) => within(10_000, async () => (await chat(instance.origin, world.key.key, MODELS[2])).status === 200)));
    console.log(`the widened list applied after ${took.map((ms) => Math.round(ms)).join(' and ')} ms`);
    assert.deepEqual(await listModels(b.origin, world.key.key), [...MODELS]);
  });

  it("a project's list bounds every key of it", async () => {
    await world.db.query(`update public.api_keys set allowed_models = null where id = $1`, [world.key.id]);
    await world.db.query(`update public.projects set allowed_models = $1 where id = $2`, [[MODELS[1]], world.projectId]);
    await within(10_000, async () => (await chat(a.origin, world.key.key, MODELS[0])).status === 403);
    assert.equal((await chat(a.origin, world.key.key, MODELS[1])).status, 200);
    assert.deepEqual(await listModels(a.origin, world.key.key), [MODELS[1]]);
    await world.db.query(`update public.projects set allowed_models = null where id = $1`, [world.projectId]);
    await within(10_000, async () => (await chat(a.origin, world.key.key, MODELS[0])).status === 200);
  });
});

describe('database statements per request', () => {
  let world: World;

  before(async () => {
    world = await createWorld();
  });
  after(async () => {
    await world?.close();
  });

  it('none with no budgets and no limits; with them, only lease exchanges (reported)', async (t) => {
    const idle = await world.start({ usage: false, pollMs: 0, governance: { syncMs: 60_000 } });
    for (let index = 0; index < 5; index += 1) assert.equal((await chat(idle.origin, world.key.key)).status, 200);
    const before = idle.statements.total;
    for (let index = 0; index < 50; index += 1) assert.equal((await chat(idle.origin, world.key.key)).status, 200);
    assert.equal(idle.statements.total - before, 0, 'no statement on the hot path without limits');
    await idle.close();

    await world.db.query(`insert into public.ai_budgets (name, project_id, limit_usd) values ('gov-big', $1, 100000)`, [world.projectId]);
    await world.db.query(`insert into public.ai_rate_limits (name, project_id, requests_per_minute, tokens_per_minute) values ('gov-big', $1, 100000, 10000000)`, [
      world.projectId,
    ]);
    const limited = await world.start({ usage: false, pollMs: 0, governance: { syncMs: 60_000 } });
    assert.equal(limited.switchboard.governor?.rules.budgetCount, 1);
    // Let late config notifications (the inserts above) settle first.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Warm up (the first call of a project loads its credentials once).
    for (let index = 0; index < 5; index += 1) assert.equal((await chat(limited.origin, world.key.key)).status, 200);
    const startTotal = limited.statements.total;
    const startSync = limited.statements.sync;
    const requests = 200;
    for (let index = 0; index < requests; index += 1) assert.equal((await chat(limited.origin, world.key.key)).status, 200);
    const total = limited.statements.total - startTotal;
    const sync = limited.statements.sync - startSync;
    t.diagnostic(`with a budget and a rate limit: ${total} statements for ${requests} requests (${(total / requests).toFixed(3)} per request), all lease exchanges: ${sync}`);
    assert.equal(total, sync, 'every statement is a lease exchange');
    assert.ok(total / requests < 0.25, `${total} statements for ${requests} requests`);
  });
});
