// A key may learn nothing about models and routes beyond its allow-lists: on every /v1 API a name
// outside them gets 403 `model_not_allowed` (issue 10's contract) whether a model or route of that
// name exists or not, with the same status, error body (message included) and headers, decided
// before anything reads a model or route row, so neither a max_tokens over the model's limit, its
// provider's health nor a route's headers tell them apart. The refusal's ledger row is the caller's
// project's and names only what the caller sent. Until 2026-12-07 a name that does not exist got
// 404 and one that exists 403 after checks that read the model row (or the route's
// `x-switchboard-*` headers came back), which told a key which names exist.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from '../routing/routing-harness.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Each request a key can name a model in: path, method and body (the name goes in `model`). */
const REQUESTS: { what: string; path: (name: string) => string; body?: (name: string) => Record<string, unknown> }[] = [
  { what: 'GET /v1/models/{name}', path: (name) => `/v1/models/${encodeURIComponent(name)}` },
  { what: 'chat', path: () => '/v1/chat/completions', body: (model) => ({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 500 }) },
  { what: 'chat streamed', path: () => '/v1/chat/completions', body: (model) => ({ model, messages: [{ role: 'user', content: 'hi' }], stream: true, max_tokens: 500 }) },
  { what: 'embeddings', path: () => '/v1/embeddings', body: (model) => ({ model, input: 'hi' }) },
  { what: 'responses', path: () => '/v1/responses', body: (model) => ({ model, input: 'hi', max_output_tokens: 500 }) },
  { what: 'responses streamed', path: () => '/v1/responses', body: (model) => ({ model, input: 'hi', stream: true, max_output_tokens: 500 }) },
  { what: 'messages', path: () => '/v1/messages', body: (model) => ({ model, max_tokens: 500, messages: [{ role: 'user', content: 'hi' }] }) },
  { what: 'messages streamed', path: () => '/v1/messages', body: (model) => ({ model, max_tokens: 500, stream: true, messages: [{ role: 'user', content: 'hi' }] }) },
  { what: 'count_tokens', path: () => '/v1/messages/count_tokens', body: (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }) },
];

/** Names the key may not call, each with a name of the same length that does not exist. */
const HIDDEN: [string, string][] = [
  ['model-b', 'model-z'], // outside the project's allow-list (an OpenAI model, max_tokens 10)
  ['model-claude', 'model-claudz'], // outside it too (an Anthropic model: the native Messages path)
  ['route-hidden', 'route-hiddez'], // a global route outside it
  ['other-route', 'other-routz'], // another project's route
];

describe('names outside a key\'s allow-lists answer alike, existing or not', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    await world.db.query(`update ai_models set max_tokens = 10 where name in ('model-b', 'model-claude')`);
    await world.db.query(`update projects set allowed_models = array['model-a', 'own-route'] where id = $1`, [world.projectId]);
    await createRoute(world.db, 'route-hidden', { 'model-b': 1 });
    await createRoute(world.db, 'own-route', { 'model-a': 1 }, { project_id: world.projectId });
    await world.db.query(`insert into projects (name) values ('other')`);
    const other = await world.db.query<{ id: string }>(`select id from projects where name = 'other'`);
    await createRoute(world.db, 'other-route', { 'model-b': 1 }, { project_id: other.rows[0]?.id ?? '' });
    // Another project's route under the name of a model A may call (and of A's own route).
    await createRoute(world.db, 'model-a', { 'model-b': 1 }, { project_id: other.rows[0]?.id ?? '' });
    await createRoute(world.db, 'own-route', { 'model-b': 1 }, { project_id: other.rows[0]?.id ?? '' });
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });

  async function ask(request: (typeof REQUESTS)[number], name: string): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${world.apiKey}`, 'anthropic-version': '2023-06-01' };
    const init: RequestInit = { headers };
    if (request.body) {
      headers['content-type'] = 'application/json';
      init.method = 'POST';
      init.body = JSON.stringify(request.body(name));
    }
    const response = await fetch(`${gw.origin}${request.path(name)}`, init);
    const body = (await response.text()).replaceAll(name, '<name>');
    const kept = [...response.headers].filter(([header]) => header !== 'date' && header !== 'x-request-id' && header !== 'request-id');
    return { status: response.status, headers: Object.fromEntries(kept), body: body.replace(/"request_id":"[^"]*"/g, '') };
  }

  it('the same status, body and headers on every API (control: the allowed names answer)', async () => {
    assert.equal((await ask(REQUESTS[0]!, 'model-a')).status, 200, 'control: an allowed model');
    assert.equal((await ask(REQUESTS[0]!, 'own-route')).status, 200, 'control: its own route');
    for (const request of REQUESTS) {
      for (const [hidden, missing] of HIDDEN) {
        const absent = await ask(request, missing);
        assert.equal(absent.status, 403, `${request.what} ${missing}: ${absent.body}`);
        assert.match(absent.body, /model_not_allowed|permission_error/, `${request.what} ${missing}`);
        assert.deepEqual(await ask(request, hidden), absent, `${request.what}: '${hidden}' answers as '${missing}'`);
      }
    }
    assert.equal(world.a.requests.length + world.b.requests.length + world.claude.requests.length, 0, 'no upstream call');
  });

  it("a refusal's ledger row is the caller's and names only what it sent; a name no row could have gets none", async () => {
    assert.equal((await ask(REQUESTS[1]!, 'evil\u001b[2J\u202ename')).status, 403);
    await gw.switchboard.service.usage?.flush();
    const rows = await world.db.query<Record<string, unknown>>(
      `select project_id, requested_model, model_id, model_name, provider_id, provider_name, vendor_model_id, route_name, arm, price_id, status
         from ai_usage order by id`,
    );
    // Outside an allow-list, a name that does not exist is refused the same way: one row each.
    const count = (name: string): number => rows.rows.filter((row) => row['requested_model'] === name).length;
    for (const [hidden, missing] of HIDDEN) assert.deepEqual([hidden, count(hidden)], [hidden, count(missing)]);
    assert.equal(count('model-b'), 7, 'one row per call (not GET /v1/models, not count_tokens)');
    for (const row of rows.rows) {
      assert.deepEqual(
        { ...row, requested_model: HIDDEN.some((names) => names.includes(row['requested_model'] as string)) },
        {
          project_id: world.projectId,
          requested_model: true,
          model_id: null,
          model_name: null,
          provider_id: null,
          provider_name: null,
          vendor_model_id: null,
          route_name: null,
          arm: null,
          price_id: null,
          status: 403,
        },
      );
    }
  });

  it("another project's routes shadow nothing for A, and admin paths refuse A's key (controls: these hold)", async () => {
    const served: { model: string; status: number; total: number }[] = [];
    for (const model of ['model-a', 'own-route']) {
      const before = world.a.requests.length + world.b.requests.length;
      const answer = await fetch(`${gw.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${world.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await answer.text();
      served.push({ model, status: answer.status, total: world.a.requests.length + world.b.requests.length - before });
    }
    assert.deepEqual(
      served,
      [
        { model: 'model-a', status: 200, total: 1 },
        { model: 'own-route', status: 200, total: 1 },
      ],
    );
    assert.equal(world.b.requests.length, 0, "nothing went to the other project's target");
    for (const path of ['/admin/v1/routes', '/admin/v1/projects', '/admin/v1/usage']) {
      const response = await fetch(`${gw.origin}${path}`, { headers: { authorization: `Bearer ${world.apiKey}` } });
      await response.text();
      assert.equal(response.status, 401, path);
    }
  });
});
