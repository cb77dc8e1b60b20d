// Issue 10: budgets, rate limits and allow-lists through the admin API of a running gateway;
// GET /admin/v1/budgets shows limit, spent, reserved and leased; /metrics exports them; the soft
// threshold adds a warning header. PGlite and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createGateway } from '../../src/server/app.js';
import { adminServiceFor } from '../../src/service/admin/admin-for-switchboard.js';
import { chat, createWorld, type Instance, type World } from './governed-gateways.js';

describe('the admin API and /metrics', () => {
  let world: World;
  let instance: Instance;
  let origin: string;
  let close: () => Promise<void>;
  const token = `sba-${randomBytes(20).toString('hex')}`;

  before(async () => {
    world = await createWorld();
    instance = await world.start();
    const gateway = createGateway({
      service: instance.switchboard.service,
      snapshot: () => instance.switchboard.watcher.snapshot,
      config: Object.freeze({ ...loadConfig({}), env: {}, adminToken: token }),
      admin: adminServiceFor(instance.switchboard),
    });
    const address = await gateway.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${address.port}`;
    close = () => gateway.close();
  });
  after(async () => {
    await close?.();
    await world?.close();
  });

  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${origin}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json() };
  }

  it('PUT/GET/DELETE budgets; spent, reserved and leased show after traffic; /metrics exports them', async () => {
    const put = await admin('PUT', '/budgets/api-month', { project: 'gov', limit_usd: 100, soft_threshold: 0.1 });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    for (let index = 0; index < 3; index += 1) {
      const result = await chat(origin, world.key.key);
      assert.equal(result.status, 200);
      if (index === 2) assert.match(result.headers.get('x-switchboard-budget-warning') ?? '', /budget 'api-month' has used \d+(\.\d+)?% of \$100\.00 this month/);
    }
    await instance.switchboard.service.usage?.flush();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const list = (await admin('GET', '/budgets')).json as Record<string, unknown>[];
    const row = list.find((budget) => budget['name'] === 'api-month');
    assert.ok(row);
    assert.equal(row['limit_usd'], '100.00');
    assert.equal(row['spent_usd'], '15.00');
    assert.equal(row['reserved_usd'], '0.00');
    assert.ok(Number(row['leased_usd']) > 0);
    assert.equal(row['leases'], 1);
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    assert.match(metrics, /^switchboard_governance_limit\{kind="budget",name="api-month",metric="usd"\} 100\.00$/m);
    assert.match(metrics, /^switchboard_governance_spent\{kind="budget",name="api-month",metric="usd"\} 15\.00$/m);
    assert.match(metrics, /^switchboard_governance_reserved\{kind="budget",name="api-month",metric="usd"\} 0\.00$/m);
    assert.match(metrics, /^switchboard_governance_leased\{kind="budget",name="api-month",metric="usd"\} \d+\.\d+$/m);

    assert.equal(row['unpriced'], 'allow', 'the default');
    const bad = await admin('PUT', '/budgets/api-bad', { project: 'gov', limit_usd: -1 });
    assert.equal(bad.status, 400);
    const unknownProject = await admin('PUT', '/budgets/api-x', { project: 'nope', limit_usd: 1 });
    assert.equal(unknownProject.status, 404);
    assert.equal((await admin('DELETE', '/budgets/api-month')).status, 200);
    assert.equal((await admin('DELETE', '/budgets/api-month')).status, 404);
  });

  it("a budget's unpriced setting: validated, listed, in the OpenAPI document, applied before the PUT answers", async () => {
    const badValue = await admin('PUT', '/budgets/api-unpriced', { project: 'gov', limit_usd: 10, unpriced: 'deny' });
    assert.equal(badValue.status, 400);
    assert.equal((badValue.json as { error: { param: string } }).error.param, 'unpriced');
    const put = await admin('PUT', '/budgets/api-unpriced', { project: 'gov', limit_usd: 10, unpriced: 'refuse' });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal((put.json as Record<string, unknown>)['unpriced'], 'refuse');
    const listed = ((await admin('GET', '/budgets')).json as Record<string, unknown>[]).find((budget) => budget['name'] === 'api-unpriced');
    assert.equal(listed?.['unpriced'], 'refuse');
    const rule = instance.switchboard.governor?.rules.all().find((item) => item.name === 'api-unpriced');
    assert.ok(rule?.kind === 'budget' && rule.unpriced === 'refuse', 'the writing instance serves the new rule');
    const openapi = (await admin('GET', '/openapi.json')).json as {
      paths: Record<string, { put?: { requestBody: { content: Record<string, { schema: { properties: Record<string, { enum?: string[] }> } }> } } }>;
    };
    const properties = openapi.paths['/admin/v1/budgets/{name}']?.put?.requestBody.content['application/json']?.schema.properties;
    assert.deepEqual(properties?.['unpriced']?.enum, ['allow', 'refuse']);
    // A PUT replaces the row: without the field it is back to the default.
    const replaced = await admin('PUT', '/budgets/api-unpriced', { project: 'gov', limit_usd: 10 });
    assert.equal((replaced.json as Record<string, unknown>)['unpriced'], 'allow');
    assert.equal((await admin('DELETE', '/budgets/api-unpriced')).status, 200);
  });

  it('PUT rate limits and model access apply on the writing instance before it answers', async () => {
    const put = await admin('PUT', '/rate-limits/api-rpm', { project: 'gov', api_key_id: world.key.id, requests_per_minute: 100000 });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const result = await chat(origin, world.key.key);
    assert.equal(result.headers.get('x-ratelimit-limit-requests'), '100000');
    const access = await admin('PUT', '/model-access', { project: 'gov', api_key_id: world.key.id, allowed_models: ['gov-b'], label: 'ops' });
    assert.equal(access.status, 200, JSON.stringify(access.json));
    assert.equal((await chat(origin, world.key.key, 'gov-a')).status, 403);
    assert.equal((await admin('PUT', '/model-access', { project: 'gov', api_key_id: world.key.id, allowed_models: null })).status, 200);
    assert.equal((await chat(origin, world.key.key, 'gov-a')).status, 200);
    const limits = (await admin('GET', '/rate-limits')).json as { name: string; used: string }[];
    assert.ok(limits.some((row) => row.name === 'api-rpm'));
  });

  it('a PUT answers only once the governance rules are reloaded, even when their reload is slower than the configuration', async (t) => {
    if (world.db.url === undefined) {
      t.skip('needs a second connection to hold a lock (Postgres)');
      return;
    }
    assert.equal((await admin('PUT', '/model-access', { project: 'gov', api_key_id: world.key.id, allowed_models: ['gov-b'] })).status, 200);
    assert.equal((await chat(origin, world.key.key, 'gov-a')).status, 403);
    // Another connection holds ai_budgets for 300 ms: the governance reload (which reads it) waits
    // for it; the write and the configuration reload do not. The call after the PUT's answer may
    // come while the lock is still held.
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holding = world.db.transaction(async (tx) => {
      await tx.query('lock table public.ai_budgets in access exclusive mode');
      locked();
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    await lockTaken;
    const lift = await admin('PUT', '/model-access', { project: 'gov', api_key_id: world.key.id, allowed_models: null });
    const after = (await chat(origin, world.key.key, 'gov-a')).status;
    await holding;
    assert.equal(lift.status, 200);
    assert.equal(after, 200, 'the allow-list is lifted once the PUT has answered');
  });
});
