// GET /admin/v1/status lists every configuration row the gateway leaves out of service, not only
// provider and model rows: a price row whose pricing is unusable (in force or scheduled), a route
// none of whose targets can serve, and a text[] column written with plain SQL as a
// multi-dimensional array ('{{a,b}}'), which reads as an empty list (a key's or project's
// allowed_models: no model allowed; a route target's accepts: no failure falls through to it).
// Each was only a log line before. The dashboard's Overview renders this same list. Plain SQL on a
// running gateway; PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startDashboardServer, type DashboardServer } from './dashboard-harness.js';

interface LoadError {
  table: string;
  row_id: string;
  name: string;
  reason: string;
}

describe('admin API: status reports every row left out of service', () => {
  let db: TestDb;
  let server: DashboardServer;
  const ids: Record<string, string> = {};
  let key = '';

  const one = async (sql: string): Promise<string> => {
    const result = await db.query<{ id: string }>(sql);
    const id = result.rows[0]?.id;
    assert.ok(id, sql);
    return String(id);
  };
  const loadErrors = async (): Promise<LoadError[]> => {
    await server.switchboard.reloadChanged();
    const status = await server.get<{ load_errors: LoadError[] }>('/status');
    assert.equal(status.status, 200);
    return status.body.load_errors;
  };
  const chat = (model: string): Promise<Response> =>
    fetch(`${server.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  const find = (errors: LoadError[], table: string, rowId: string): LoadError | undefined =>
    errors.find((error) => error.table === table && error.row_id === rowId);

  before(async () => {
    db = await createTestDb();
    ids['provider'] = await one(`insert into public.ai_providers (name, provider_class, api_base_url) values ('le-openai', 'OpenAIProvider', 'http://127.0.0.1:9/v1') returning id`);
    for (const [name, active] of [['le-model', true], ['le-model-2', true], ['le-off', false]] as const) {
      ids[name] = await one(
        `insert into public.ai_models (name, provider_id, model_id, is_active) values ('${name}', '${ids['provider']}', 'gpt-4o-mini', ${active}) returning id`,
      );
    }
    server = await startDashboardServer(db);
    assert.equal((await server.post('/projects', { name: 'le-project' })).status, 201);
    const created = await server.post<{ id: string; key: string }>('/api-keys', { project: 'le-project' });
    assert.equal(created.status, 201);
    ids['key'] = created.body.id;
    key = created.body.key;
    assert.equal((await server.post('/projects', { name: 'le-project-2' })).status, 201);
    assert.equal((await server.post('/api-keys', { project: 'le-project-2' })).status, 201);
    ids['project2'] = await one(`select id from public.projects where name = 'le-project-2'`);
  });
  after(async () => {
    await server?.close();
    await db?.dispose();
  });

  test('a price row whose pricing is unusable, in force or scheduled; not one a later row replaced', async () => {
    const inForce = await one(`insert into public.ai_price_history (model_id, pricing) values ('${ids['le-model']}', '{"input_per_mtok": -1}') returning id`);
    const scheduled = await one(
      `insert into public.ai_price_history (provider_id, pricing, effective_from) values ('${ids['provider']}', '{"output_per_mtok": "free"}', now() + interval '1 day') returning id`,
    );
    const replaced = await one(
      `insert into public.ai_price_history (model_id, pricing, effective_from) values ('${ids['le-model-2']}', '[1]', now() - interval '2 days') returning id`,
    );
    await db.query(`insert into public.ai_price_history (model_id, pricing, effective_from) values ('${ids['le-model-2']}', '{"input_per_mtok": 1}', now() - interval '1 day')`);
    const errors = await loadErrors();
    const model = find(errors, 'ai_price_history', inForce);
    assert.ok(model, JSON.stringify(errors));
    assert.equal(model.name, 'le-model');
    assert.match(model.reason, /input_per_mtok must be a non-negative number/);
    assert.match(model.reason, /costs .* unknown/);
    const provider = find(errors, 'ai_price_history', scheduled);
    assert.ok(provider, JSON.stringify(errors));
    assert.equal(provider.name, 'le-openai');
    assert.match(provider.reason, /output_per_mtok/);
    assert.match(provider.reason, /scheduled/);
    assert.equal(find(errors, 'ai_price_history', replaced), undefined);
  });

  test('a price row with a bad long-prompt tier is unusable like any bad price, and listed', async () => {
    const tiers = await one(
      `insert into public.ai_price_history (model_id, pricing, effective_from)
       values ('${ids['le-model-2']}', '{"input_per_mtok": 1, "tiers": [{"above_input_tokens": 200000, "input_per_mtok": 2}, {"above_input_tokens": 128000, "input_per_mtok": 3}]}', now() + interval '1 day') returning id`,
    );
    const listed = find(await loadErrors(), 'ai_price_history', tiers);
    assert.ok(listed);
    assert.match(listed.reason, /tiers\[1\]\.above_input_tokens must be above the previous tier's/);
    assert.match(listed.reason, /scheduled/);
  });

  test('a route none of whose targets can serve, with each target\'s reason; a servable route is not listed', async () => {
    const dead = await one(`insert into public.ai_routes (name) values ('le-dead') returning id`);
    await db.query(`insert into public.ai_route_targets (route_id, model_id) values ('${dead}', '${ids['le-off']}')`);
    await db.query(`insert into public.ai_route_targets (route_id, model_id, weight) values ('${dead}', '${ids['le-model']}', 0)`);
    const empty = await one(`insert into public.ai_routes (name) values ('le-empty') returning id`);
    const live = await one(`insert into public.ai_routes (name) values ('le-live') returning id`);
    await db.query(`insert into public.ai_route_targets (route_id, model_id) values ('${live}', '${ids['le-model']}')`);
    const errors = await loadErrors();
    const route = find(errors, 'ai_routes', dead);
    assert.ok(route, JSON.stringify(errors));
    assert.equal(route.name, 'le-dead');
    assert.match(route.reason, /no target can serve/);
    assert.match(route.reason, /le-off/);
    assert.match(route.reason, /weight 0/);
    assert.match(find(errors, 'ai_routes', empty)?.reason ?? '', /no targets/);
    assert.equal(find(errors, 'ai_routes', live), undefined);
    // Out of service: a call to it is refused.
    const refused = await chat('le-dead');
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'provider_unavailable');
  });

  test('a route target whose accepts is a multi-dimensional array: reported, and read as no error class', async () => {
    const route = await one(`insert into public.ai_routes (name) values ('le-2d') returning id`);
    await db.query(`insert into public.ai_route_targets (route_id, model_id) values ('${route}', '${ids['le-model']}')`);
    const target = await one(
      `insert into public.ai_route_targets (route_id, model_id, tier, accepts) values ('${route}', '${ids['le-model-2']}', 1, '{{timeout,server_error}}') returning id`,
    );
    const errors = await loadErrors();
    const error = find(errors, 'ai_route_targets', target);
    assert.ok(error, JSON.stringify(errors));
    assert.equal(error.name, 'le-2d: le-model-2');
    assert.match(error.reason, /accepts is a multi-dimensional array/);
    assert.match(error.reason, /no failure falls through/);
    // Fails closed: the target takes no fallback (an empty list), rather than every class.
    const served = server.switchboard.watcher.snapshot.routes.find('le-2d', undefined);
    assert.equal(served?.targets.find((entry) => entry.id === target)?.accepts.size, 0);
  });

  test("a key's and a project's allowed_models written as a multi-dimensional array: reported, and no model allowed", async () => {
    await db.query(`update public.api_keys set allowed_models = '{{le-model,le-model-2}}' where id = '${ids['key']}'`);
    await db.query(`update public.projects set allowed_models = '{{le-model},{le-model-2}}' where id = '${ids['project2']}'`);
    const errors = await loadErrors();
    const keyError = find(errors, 'api_keys', ids['key'] ?? '');
    assert.ok(keyError, JSON.stringify(errors));
    assert.match(keyError.name, /^le-project\//);
    assert.match(keyError.reason, /allowed_models is a multi-dimensional array/);
    assert.match(keyError.reason, /no model/);
    const projectError = find(errors, 'projects', ids['project2'] ?? '');
    assert.ok(projectError, JSON.stringify(errors));
    assert.equal(projectError.name, 'le-project-2');
    assert.match(projectError.reason, /allowed_models is a multi-dimensional array/);
    // Fails closed: the key may call no model (not every model).
    const response = await chat('le-model');
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'model_not_allowed');
    // Written as a list again, the row is no longer reported.
    await db.query(`update public.api_keys set allowed_models = '{le-model}' where id = '${ids['key']}'`);
    assert.equal(find(await loadErrors(), 'api_keys', ids['key'] ?? ''), undefined);
  });
});
