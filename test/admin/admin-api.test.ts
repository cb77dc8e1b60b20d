// The admin REST API (/admin/v1) over the real stack in-process, wired as `switchboard serve` wires
// it: createSwitchboard({ db }) + AdminService + createGateway({ admin, config.adminToken }). Every
// route, its validation errors (400 naming the field in `param`), conflicts (409), auth (401) and
// unknown routes (404); each write is checked through /v1 on the same instance (applied before the
// answer) and, for credentials, through what the strict OpenAI mock receives.
// Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { adminServiceFor } from '../../src/service/admin/admin-for-switchboard.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

const ADMIN_TOKEN = `sba-test-${randomBytes(16).toString('hex')}`;
const ENV_KEY = 'sk-admin-env-0123456789abcdef';
const STORED_KEY = 'sk-admin-stored-abcdef0123456789';
const ENV = { ADMIN_OPENAI_API_KEY: ENV_KEY };

type Json = Record<string, unknown>;
interface Answer<T = Json> {
  status: number;
  body: T;
}

describe('admin API /admin/v1', () => {
  let db: TestDb;
  let openai: OpenAIMock;
  let switchboard: Switchboard;
  let gateway: Gateway;
  let origin: string;

  before(async () => {
    openai = await startOpenAIMock({ apiKeys: [ENV_KEY, STORED_KEY] });
    db = await createTestDb();
    switchboard = await createSwitchboard({
      db,
      env: ENV,
      keyring: createKeyring(createMasterKey(randomBytes(32))),
      migrate: false,
      pollMs: 0,
      listen: false,
    });
    const admin = adminServiceFor(switchboard);
    const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ ...ENV }), adminToken: ADMIN_TOKEN });
    gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config, admin });
    const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${address.port}`;
  });

  after(async () => {
    await gateway?.close();
    await switchboard?.close();
    await db?.dispose();
    await openai?.close();
  });

  async function call<T = Json>(method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${origin}/admin/v1${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Asserts an error answer: status, `code`, and (for 400s) the field in `param`. */
  function assertError(answer: Answer, status: number, code: string, param?: string): string {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    const error = answer.body['error'] as { code: string; param: string | null; message: string };
    assert.equal(error.code, code);
    if (param !== undefined) assert.equal(error.param, param, error.message);
    return error.message;
  }

  async function v1(method: string, path: string, apiKey: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${origin}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  const chat = (apiKey: string, model: string, content: string) => v1('POST', '/chat/completions', apiKey, { model, messages: [{ role: 'user', content }] });
  const answerText = (answer: Answer): string | undefined => (answer.body['choices'] as { message: { content: string } }[] | undefined)?.[0]?.message.content;

  /** A project with a key, created through the API itself. */
  async function projectWithKey(name: string): Promise<{ id: string; key: string }> {
    assert.equal((await call('POST', '/projects', { name })).status, 201);
    const created = await call('POST', '/api-keys', { project: name });
    assert.equal(created.status, 201);
    return { id: String(created.body['id']), key: String(created.body['key']) };
  }

  const provider = (name: string, extra: Json = {}): Json => ({
    name,
    provider_class: 'OpenAIProvider',
    api_base_url: openai.baseUrl,
    required_env_vars: ['ADMIN_OPENAI_API_KEY'],
    ...extra,
  });

  describe('auth and routing', () => {
    test('401 without a token or with a wrong one, on reads and writes', async () => {
      // The /v1 error shape: OpenAI's code for a refused bearer token.
      assert.match(assertError(await call('GET', '/providers', undefined, null), 401, 'invalid_api_key'), /Missing admin token/);
      assert.match(assertError(await call('GET', '/providers', undefined, `${ADMIN_TOKEN}x`), 401, 'invalid_api_key'), /Invalid admin token/);
      assert.match(assertError(await call('POST', '/providers', provider('adm-unauth'), 'wrong'), 401, 'invalid_api_key'), /Invalid admin token/);
      assert.equal((await call('GET', '/providers', undefined, '')).status, 401);
      // Nothing was written.
      assertError(await call('GET', '/providers/adm-unauth'), 404, 'not_found');
    });

    test('the Bearer scheme is case-insensitive (RFC 7235), as on /v1', async () => {
      for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
        const response = await fetch(`${origin}/admin/v1/providers`, { headers: { authorization: `${scheme} ${ADMIN_TOKEN}` } });
        assert.equal(response.status, 200, scheme);
        await response.arrayBuffer();
      }
    });

    test('no answer may be cached: cache-control no-store on reads, the new key, errors and CSV', async () => {
      const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const answers = [
        await fetch(`${origin}/admin/v1/providers`, { headers }),
        await fetch(`${origin}/admin/v1/projects`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"name":"adm-nostore"}' }),
        await fetch(`${origin}/admin/v1/api-keys`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"project":"adm-nostore"}' }),
        await fetch(`${origin}/admin/v1/providers`),
        await fetch(`${origin}/admin/v1/usage/series?format=csv`, { headers }),
      ];
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [200, 201, 201, 401, 200],
      );
      for (const answer of answers) {
        assert.equal(answer.headers.get('cache-control'), 'no-store', answer.url);
        await answer.arrayBuffer();
      }
    });

    test('an unknown route is 404, a known path with the wrong method 405', async () => {
      assertError(await call('GET', '/nope'), 404, 'not_found');
      assertError(await call('GET', '/providers/openai/extra/segments'), 404, 'not_found');
      const wrong = await fetch(`${origin}/admin/v1/providers`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers.get('allow'), 'GET, POST, HEAD', 'the methods the path takes');
      await wrong.arrayBuffer();
    });

    test('openapi.json parses and lists every path', async () => {
      const response = await fetch(`${origin}/admin/v1/openapi.json`);
      assert.equal(response.status, 200);
      const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      assert.match(document.openapi, /^3\.1/);
      const expected: Record<string, string[]> = {
        '/admin/v1/providers': ['get', 'post'],
        '/admin/v1/providers/{name}': ['get', 'patch', 'delete'],
        '/admin/v1/providers/{name}/activate': ['post'],
        '/admin/v1/providers/{name}/deactivate': ['post'],
        '/admin/v1/models': ['get', 'post'],
        '/admin/v1/models/{name}': ['get', 'patch', 'delete'],
        '/admin/v1/models/{name}/activate': ['post'],
        '/admin/v1/models/{name}/deactivate': ['post'],
        '/admin/v1/projects': ['get', 'post'],
        '/admin/v1/projects/{name}': ['get', 'delete'],
        '/admin/v1/projects/{name}/credentials': ['get'],
        '/admin/v1/projects/{name}/credentials/{provider}': ['put', 'delete'],
        '/admin/v1/api-keys': ['get', 'post'],
        '/admin/v1/api-keys/{id}': ['delete'],
      };
      for (const [path, methods] of Object.entries(expected)) {
        const item = document.paths[path];
        assert.ok(item, `openapi lists ${path}`);
        for (const method of methods) assert.ok(item[method], `openapi lists ${method.toUpperCase()} ${path}`);
      }
      // The provider body schema is generated from the validating schema.
      const post = document.paths['/admin/v1/providers']?.['post'] as { requestBody: { content: { 'application/json': { schema: { properties: Json } } } } };
      assert.ok(post.requestBody.content['application/json'].schema.properties['provider_class']);
    });
  });

  describe('providers', () => {
    test('create, read, list, update', async () => {
      const created = await call('POST', '/providers', provider('adm-openai', { display_name: 'Admin OpenAI', pricing: { input_per_mtok: 1, output_per_mtok: 2 } }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body['name'], 'adm-openai');
      assert.equal(created.body['provider_class'], 'OpenAIProvider');
      assert.equal(created.body['api_base_url'], openai.baseUrl);
      assert.deepEqual(created.body['required_env_vars'], ['ADMIN_OPENAI_API_KEY']);
      assert.deepEqual(created.body['pricing'], { input_per_mtok: 1, output_per_mtok: 2 });
      assert.equal(created.body['is_active'], true);
      assert.equal(created.body['status'], 'available');
      assert.match(String(created.body['id']), /^[0-9a-f-]{36}$/);

      const read = await call('GET', '/providers/adm-openai');
      assert.equal(read.status, 200);
      assert.equal(read.body['display_name'], 'Admin OpenAI');
      const byId = await call('GET', `/providers/${String(created.body['id'])}`);
      assert.equal(byId.body['name'], 'adm-openai');
      assertError(await call('GET', '/providers/adm-missing'), 404, 'not_found');

      const list = await call<Json[]>('GET', '/providers');
      assert.equal(list.status, 200);
      const names = list.body.map((row) => row['name']);
      assert.ok(names.includes('adm-openai') && names.includes('openai'), names.join(','));

      const updated = await call('PATCH', '/providers/adm-openai', { display_name: 'Renamed', features: { vision: false } });
      assert.equal(updated.status, 200);
      assert.equal(updated.body['display_name'], 'Renamed');
      assert.deepEqual(updated.body['features'], { vision: false });
      assert.equal((await call('GET', '/providers/adm-openai')).body['display_name'], 'Renamed');
      assertError(await call('PATCH', '/providers/adm-missing', { display_name: 'x' }), 404, 'not_found');
    });

    test('validation errors name the field; unknown class is 400; duplicate name is 409', async () => {
      assertError(await call('POST', '/providers', provider('Bad Name')), 400, 'invalid_request', 'name');
      assertError(await call('POST', '/providers', provider('adm-x', { api_base_url: 'ftp://example.com' })), 400, 'invalid_request', 'api_base_url');
      assertError(await call('POST', '/providers', provider('adm-x', { features: { streaming: 'yes' } })), 400, 'invalid_request', 'features.streaming');
      assertError(await call('POST', '/providers', provider('adm-x', { required_env_vars: ['not a var'] })), 400, 'invalid_request', 'required_env_vars.0');
      assertError(await call('POST', '/providers', provider('adm-x', { colour: 'blue' })), 400, 'invalid_request', 'colour');
      // The gateway's own configuration is never a provider's key (issue 17 item 3): refused at write time too.
      for (const name of ['SWITCHBOARD_MASTER_KEY', 'DATABASE_URL', 'PGPASSWORD', 'pg_api_key']) {
        assertError(await call('POST', '/providers', provider('adm-x', { required_env_vars: ['ADM_OK_API_KEY', name] })), 400, 'invalid_request', 'required_env_vars');
        assertError(await call('PATCH', '/providers/adm-openai', { required_env_vars: [name] }), 400, 'invalid_request', 'required_env_vars');
      }
      assertError(await call('POST', '/providers', { provider_class: 'OpenAIProvider' }), 400, 'invalid_request', 'name');
      assert.equal((await call('POST', '/providers', '{not json')).status, 400);
      const unknown = assertError(await call('POST', '/providers', provider('adm-x', { provider_class: 'NoSuchProvider' })), 400, 'invalid_request', 'provider_class');
      assert.match(unknown, /NoSuchProvider/);
      assert.match(unknown, /OpenAIProvider/, 'the message lists the known classes');
      assertError(await call('PATCH', '/providers/adm-openai', { provider_class: 'NoSuchProvider' }), 400, 'invalid_request', 'provider_class');
      assertError(await call('PATCH', '/providers/adm-openai', { pricing: { input_per_mtok: -1 } }), 400, 'invalid_request', 'pricing.input_per_mtok');
      // Prices the loader would refuse (making the whole row unpriced) are refused when written.
      for (const pricing of [{ input_per_mtok: 3, per_request: '0.01' }, { reasoning_per_mtok: -1 }, { input_per_mtok: 1e-7 }, { input_per_mtok: 3, web_search_per_call: 1e-13 }]) {
        const message = assertError(await call('PATCH', '/providers/adm-openai', { pricing }), 400, 'invalid_request', 'pricing');
        assert.match(message, /must be a non-negative number with at most (6|12) decimals/, JSON.stringify(pricing));
      }
      // Long-prompt tiers: the loader's checks too (thresholds positive integers, increasing; valid rates; price keys only).
      const tierCases: [unknown, RegExp][] = [
        [{ above_input_tokens: 200000, input_per_mtok: 2.5 }, /tiers must be an array/],
        [[{ above_input_tokens: 0, input_per_mtok: 2.5 }], /tiers\[0\]\.above_input_tokens must be a positive integer/],
        [[{ above_input_tokens: 9, input_per_mtok: 1 }, { above_input_tokens: 9, input_per_mtok: 2 }], /above the previous tier's/],
        [[{ above_input_tokens: 9, output_per_mtok: -15 }], /tiers\[0\]\.output_per_mtok must be a non-negative number/],
        [[{ above_input_tokens: 9, input_per_mtoks: 2 }], /"input_per_mtoks" is not a price key/],
      ];
      for (const [tiers, reason] of tierCases) {
        const message = assertError(await call('PATCH', '/providers/adm-openai', { pricing: { input_per_mtok: 1, tiers } }), 400, 'invalid_request', 'pricing');
        assert.match(message, reason, JSON.stringify(tiers));
      }
      const before = (await call('GET', '/providers/adm-openai')).body['pricing'];
      const tiered = { input_per_mtok: 1.25, tiers: [{ above_input_tokens: 200000, input_per_mtok: 2.5, output_per_mtok: 15 }] };
      assert.deepEqual((await call('PATCH', '/providers/adm-openai', { pricing: tiered })).body['pricing'], tiered);
      assert.equal((await call('PATCH', '/providers/adm-openai', { pricing: before })).status, 200);
      assertError(await call('GET', '/providers/adm-x'), 404, 'not_found');
      assertError(await call('POST', '/providers', provider('adm-openai')), 409, 'conflict');
    });

    test('deactivate stops its models on /v1 at once; activate brings them back', async () => {
      const { key } = await projectWithKey('adm-toggle');
      assert.equal((await call('POST', '/models', { name: 'adm-toggle-gpt', provider: 'adm-openai', model_id: 'gpt-4o-mini' })).status, 201);
      assert.equal((await v1('GET', '/models/adm-toggle-gpt', key)).status, 200);

      const off = await call('POST', '/providers/adm-openai/deactivate');
      assert.equal(off.status, 200);
      assert.equal(off.body['is_active'], false);
      assert.equal(off.body['status'], 'inactive');
      const gone = await v1('GET', '/models/adm-toggle-gpt', key);
      assert.equal(gone.status, 404);
      assert.equal((gone.body['error'] as Json)['code'], 'model_not_found');
      assert.equal((await call('GET', '/models/adm-toggle-gpt')).body['status'], 'inactive');

      const on = await call('POST', '/providers/adm-openai/activate');
      assert.equal(on.body['is_active'], true);
      assert.equal(on.body['status'], 'available');
      const mark = openai.requests.length;
      const answer = await chat(key, 'adm-toggle-gpt', 'back again');
      assert.equal(answer.status, 200);
      assert.equal(answerText(answer), 'Echo: back again');
      assert.equal(openai.requests.length, mark + 1);
      assertError(await call('POST', '/providers/adm-missing/deactivate'), 404, 'not_found');
    });

    test('delete: 409 naming its models, ?cascade=true deletes them too; a provider without models just goes', async () => {
      const { key } = await projectWithKey('adm-delete');
      assert.equal((await call('POST', '/providers', provider('adm-doomed'))).status, 201);
      for (const name of ['adm-doomed-a', 'adm-doomed-b']) {
        assert.equal((await call('POST', '/models', { name, provider: 'adm-doomed', model_id: 'gpt-4o-mini' })).status, 201);
      }
      const refused = assertError(await call('DELETE', '/providers/adm-doomed'), 409, 'conflict');
      assert.match(refused, /adm-doomed-a/);
      assert.match(refused, /adm-doomed-b/);
      assert.match(refused, /cascade/);
      assert.equal((await call('GET', '/providers/adm-doomed')).status, 200, 'nothing was deleted');
      assert.equal((await v1('GET', '/models/adm-doomed-a', key)).status, 200);

      const deleted = await call('DELETE', '/providers/adm-doomed?cascade=true');
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body, { deleted: true, models_deleted: 2 });
      assertError(await call('GET', '/providers/adm-doomed'), 404, 'not_found');
      assertError(await call('GET', '/models/adm-doomed-a'), 404, 'not_found');
      assert.equal((await v1('GET', '/models/adm-doomed-b', key)).status, 404);

      assert.equal((await call('POST', '/providers', provider('adm-empty'))).status, 201);
      assert.deepEqual((await call('DELETE', '/providers/adm-empty')).body, { deleted: true, models_deleted: 0 });
      assertError(await call('DELETE', '/providers/adm-empty'), 404, 'not_found');
    });
  });

  describe('models', () => {
    test('create is served on /v1 at once; read, list, update, deactivate, activate, delete', async () => {
      const { key } = await projectWithKey('adm-models');
      const created = await call('POST', '/models', {
        name: 'adm-gpt',
        provider: 'adm-openai',
        model_id: 'gpt-4o-mini',
        display_name: 'Admin GPT',
        max_tokens: 100,
        pricing: { input_per_mtok: 0.5 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body['provider'], 'adm-openai');
      assert.equal(created.body['max_tokens'], 100);
      assert.equal(created.body['status'], 'available');

      let mark = openai.requests.length;
      let answer = await chat(key, 'adm-gpt', 'hello model');
      assert.equal(answer.status, 200);
      assert.equal(answerText(answer), 'Echo: hello model');
      assert.equal((openai.requests[mark]?.body as Json)['model'], 'gpt-4o-mini');

      assert.equal((await call('GET', '/models/adm-gpt')).body['display_name'], 'Admin GPT');
      const list = await call<Json[]>('GET', '/models');
      assert.ok(list.body.some((row) => row['name'] === 'adm-gpt' && row['provider'] === 'adm-openai'));

      const updated = await call('PATCH', '/models/adm-gpt', { model_id: 'gpt-4o', max_tokens: 50 });
      assert.equal(updated.status, 200);
      assert.equal(updated.body['model_id'], 'gpt-4o');
      mark = openai.requests.length;
      answer = await chat(key, 'adm-gpt', 'after update');
      assert.equal(answer.status, 200);
      assert.equal((openai.requests[mark]?.body as Json)['model'], 'gpt-4o');

      assert.equal((await call('POST', '/models/adm-gpt/deactivate')).body['status'], 'inactive');
      assert.equal((await chat(key, 'adm-gpt', 'off')).status, 404);
      assert.equal((await call('POST', '/models/adm-gpt/activate')).body['status'], 'available');
      assert.equal((await chat(key, 'adm-gpt', 'on')).status, 200);

      assert.deepEqual((await call('DELETE', '/models/adm-gpt')).body, { deleted: true });
      assertError(await call('GET', '/models/adm-gpt'), 404, 'not_found');
      assert.equal((await chat(key, 'adm-gpt', 'gone')).status, 404);
      assertError(await call('DELETE', '/models/adm-gpt'), 404, 'not_found');
    });

    test('validation errors name the field; unknown provider is 400; duplicate name is 409', async () => {
      assertError(await call('POST', '/models', { name: 'adm-m', provider: 'adm-nope', model_id: 'x' }), 400, 'not_found', 'provider');
      assertError(await call('POST', '/models', { name: 'adm-m', provider: 'adm-openai' }), 400, 'invalid_request', 'model_id');
      assertError(await call('POST', '/models', { name: 'adm-m', provider: 'adm-openai', model_id: 'x', max_tokens: -5 }), 400, 'invalid_request', 'max_tokens');
      assertError(await call('POST', '/models', { name: ' spaced', provider: 'adm-openai', model_id: 'x' }), 400, 'invalid_request', 'name');
      assertError(await call('POST', '/models', { name: 'adm-m', provider: 'adm-openai', model_id: 'x', features: { tools: 1 } }), 400, 'invalid_request', 'features.tools');
      // Over the loader's key bound (a reload would skip the row; test/live-config/oversized-features.test.ts).
      const wide = Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`key_${index}`, index]));
      assertError(await call('POST', '/models', { name: 'adm-m', provider: 'adm-openai', model_id: 'x', features: wide }), 400, 'invalid_request', 'features');
      assertError(await call('POST', '/models', { name: 'adm-m', provider: 'adm-openai', model_id: 'x', features: { native_fields: Object.fromEntries(Object.keys(wide).map((key) => [key, 'pass'])) } }), 400, 'invalid_request', 'features');
      assertError(await call('PATCH', '/models/gpt-4o-mini', { pricing: wide }), 400, 'invalid_request', 'pricing');
      assertError(await call('PATCH', '/models/gpt-4o-mini', { context_window: 'big' }), 400, 'invalid_request', 'context_window');
      assertError(await call('PATCH', '/models/gpt-4o-mini', { provider: 'adm-nope' }), 400, 'not_found', 'provider');
      // Text Postgres cannot store (a NUL) is a 400, not a 500.
      assertError(await call('POST', '/models', { name: 'adm-nul', provider: 'adm-openai', model_id: 'a\u0000b' }), 400, 'invalid_request');
      assert.equal((await call('GET', '/models/adm-nul')).status, 404);
      assertError(await call('GET', '/models/adm-m'), 404, 'not_found');
      assertError(await call('POST', '/models', { name: 'gpt-4o-mini', provider: 'adm-openai', model_id: 'x' }), 409, 'conflict');
    });
  });

  describe('projects and API keys', () => {
    test('projects: create, duplicate 409, invalid 400, read, list, delete (its keys stop working)', async () => {
      const created = await call('POST', '/projects', { name: 'adm-proj' });
      assert.equal(created.status, 201);
      assert.equal(created.body['name'], 'adm-proj');
      assertError(await call('POST', '/projects', { name: 'adm-proj' }), 409, 'conflict');
      assertError(await call('POST', '/projects', { name: 'Has Spaces' }), 400, 'invalid_request', 'name');
      assertError(await call('POST', '/projects', {}), 400, 'invalid_request', 'name');
      assert.equal((await call('GET', '/projects/adm-proj')).body['id'], created.body['id']);
      assertError(await call('GET', '/projects/adm-nope'), 404, 'not_found');
      assert.ok((await call<Json[]>('GET', '/projects')).body.some((row) => row['name'] === 'adm-proj'));

      const key = await call('POST', '/api-keys', { project: 'adm-proj' });
      assert.equal((await v1('GET', '/models', String(key.body['key']))).status, 200);
      assert.deepEqual((await call('DELETE', '/projects/adm-proj')).body, { deleted: true });
      assertError(await call('GET', '/projects/adm-proj'), 404, 'not_found');
      assert.equal((await v1('GET', '/models', String(key.body['key']))).status, 401, "a deleted project's key is refused at once");
    });

    test('api-keys: the key is shown once and works on /v1; list never shows it; revoke gives 401 at once', async () => {
      assert.equal((await call('POST', '/projects', { name: 'adm-keys' })).status, 201);
      const created = await call('POST', '/api-keys', { project: 'adm-keys', name: 'ci' });
      assert.equal(created.status, 201);
      const key = String(created.body['key']);
      assert.match(key, /^sb-/);
      assert.equal(created.body['project'], 'adm-keys');
      assert.equal(created.body['name'], 'ci');
      assert.ok(key.includes(String(created.body['prefix'])));

      const mark = openai.requests.length;
      assert.equal((await call('POST', '/models', { name: 'adm-keys-gpt', provider: 'adm-openai', model_id: 'gpt-4o-mini' })).status, 201);
      const answer = await chat(key, 'adm-keys-gpt', 'new key works');
      assert.equal(answer.status, 200);
      assert.equal(answerText(answer), 'Echo: new key works');
      assert.equal(openai.requests.length, mark + 1);

      const listed = await call<Json[]>('GET', '/api-keys?project=adm-keys');
      assert.equal(listed.status, 200);
      assert.equal(listed.body.length, 1);
      assert.equal(listed.body[0]?.['id'], created.body['id']);
      assert.equal(listed.body[0]?.['revoked_at'], null);
      assert.ok(!('key' in (listed.body[0] ?? {})) && !('key_hash' in (listed.body[0] ?? {})));
      // `sb-<12-char prefix>-<secret>`; the base64url secret may itself contain '-'.
      const secret = key.slice('sb-'.length + String(created.body['prefix']).length + 1);
      assert.ok(secret.length >= 43);
      const all = JSON.stringify((await call('GET', '/api-keys')).body);
      assert.ok(!all.includes(key) && !all.includes(secret), 'no listing contains the key');

      assert.deepEqual((await call('DELETE', `/api-keys/${String(created.body['id'])}`)).body, { revoked: true });
      const refused = await v1('GET', '/models', key);
      assert.equal(refused.status, 401);
      assert.equal((refused.body['error'] as Json)['code'], 'invalid_api_key');
      assert.notEqual((await call<Json[]>('GET', '/api-keys?project=adm-keys')).body[0]?.['revoked_at'], null);
      assertError(await call('DELETE', `/api-keys/${String(created.body['id'])}`), 404, 'not_found');
      assertError(await call('DELETE', '/api-keys/not-a-uuid'), 404, 'not_found');
    });

    test('api-keys: validation errors name the field; an unknown project is 404', async () => {
      assertError(await call('POST', '/api-keys', {}), 400, 'invalid_request', 'project');
      assertError(await call('POST', '/api-keys', { project: 'adm-keys', expires_at: 'tomorrow' }), 400, 'invalid_request', 'expires_at');
      assertError(await call('POST', '/api-keys', { project: 'adm-keys', secret: 'x' }), 400, 'invalid_request', 'secret');
      assertError(await call('POST', '/api-keys', { project: 'adm-nope' }), 404, 'not_found', 'project');
    });
  });

  describe('credentials (write-only)', () => {
    test('PUT answers the key hint only and the next call uses the stored key; GET lists hints; DELETE falls back to the env var', async () => {
      const { key } = await projectWithKey('adm-creds');
      assert.equal((await call('POST', '/models', { name: 'adm-creds-gpt', provider: 'adm-openai', model_id: 'gpt-4o-mini' })).status, 201);
      const upstreamKey = async (): Promise<unknown> => {
        const mark = openai.requests.length;
        const answer = await chat(key, 'adm-creds-gpt', 'which key');
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(answerText(answer), 'Echo: which key');
        return openai.requests[mark]?.headers.authorization;
      };
      assert.equal(await upstreamKey(), `Bearer ${ENV_KEY}`);

      const stored = await call('PUT', '/projects/adm-creds/credentials/adm-openai', { api_key: STORED_KEY });
      assert.equal(stored.status, 200);
      assert.deepEqual(stored.body, { project: 'adm-creds', provider: 'adm-openai', key_hint: `…${STORED_KEY.slice(-4)}` });
      assert.equal(await upstreamKey(), `Bearer ${STORED_KEY}`, 'the stored credential applies at once');

      const listed = await call<Json[]>('GET', '/projects/adm-creds/credentials');
      assert.equal(listed.status, 200);
      assert.equal(listed.body.length, 1);
      assert.equal(listed.body[0]?.['provider'], 'adm-openai');
      assert.equal(listed.body[0]?.['key_hint'], `…${STORED_KEY.slice(-4)}`);
      assert.ok(!JSON.stringify(listed.body).includes(STORED_KEY));
      assertError(await call('GET', '/projects/adm-nope/credentials'), 404, 'not_found');

      assertError(await call('PUT', '/projects/adm-creds/credentials/adm-openai', { organization: 'org-1' }), 400, 'invalid_request', 'api_key');
      assertError(await call('PUT', '/projects/adm-creds/credentials/adm-openai', { api_key: STORED_KEY, colour: 'blue' }), 400, 'invalid_request');
      assertError(await call('PUT', '/projects/adm-creds/credentials/adm-nope', { api_key: STORED_KEY }), 404, 'not_found');
      assertError(await call('PUT', '/projects/adm-nope/credentials/adm-openai', { api_key: STORED_KEY }), 404, 'not_found');
      assert.equal(await upstreamKey(), `Bearer ${STORED_KEY}`, 'rejected writes changed nothing');

      assert.deepEqual((await call('DELETE', '/projects/adm-creds/credentials/adm-openai')).body, { deleted: true });
      assert.deepEqual((await call('GET', '/projects/adm-creds/credentials')).body, []);
      assert.equal(await upstreamKey(), `Bearer ${ENV_KEY}`, 'back to the env-var fallback');
      assertError(await call('DELETE', '/projects/adm-creds/credentials/adm-openai'), 404, 'not_found');
    });
  });
});
