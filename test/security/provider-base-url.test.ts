/**
 * A provider's `api_base_url` (and a credential's `base_url`) is where a path is appended: one with a
 * query string or a fragment swallowed that path (`/v1?team=a` + `/chat/completions` went out as the
 * query `team=a/chat/completions` of `/v1`; `/v1#x` went to `/v1`), and one with user info
 * (`https://user:pass@host`) was sent without it, silently. Such URLs are refused where rows are
 * written (admin API) and, for rows written with plain SQL, disable their provider at load with the
 * reason: nothing reaches the upstream and the other rows keep serving. So is a row's
 * `config.headers` naming a transport header (`Host` took the key past the origin it is bound to).
 * Runs on PGlite, and on Postgres when DATABASE_URL is set.
 */
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
const VENDOR_KEY = 'sk-baseurl-env-0123456789abcdef';
const ENV = { BASEURL_API_KEY: VENDOR_KEY };

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  body: Json;
}

describe('api_base_url and credential base_url: no query, fragment or user info', () => {
  let db: TestDb;
  let openai: OpenAIMock;
  let switchboard: Switchboard;
  let gateway: Gateway;
  let origin: string;
  let badUrls: Record<string, string>;

  before(async () => {
    openai = await startOpenAIMock({ apiKeys: [VENDOR_KEY] });
    const host = openai.origin.replace(/^http:\/\//, '');
    badUrls = {
      'url-query': `${openai.baseUrl}?team=a`,
      'url-empty-query': `${openai.baseUrl}/?`,
      'url-fragment': `${openai.baseUrl}#chat`,
      'url-userinfo': `http://user:pass@${host}/v1`,
    };
    db = await createTestDb();
    // Rows written with plain SQL, as a database writer may: each shape, on both classes that take a row's URL.
    const classes = ['OpenAIProvider', 'CustomProvider'];
    for (const [index, [name, url]] of Object.entries(badUrls).entries()) {
      await db.query(`insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ($1, $2, $3, '["BASEURL_API_KEY"]')`, [
        name,
        classes[index % 2] ?? 'CustomProvider',
        url,
      ]);
    }
    await db.query(`insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('url-fine', 'CustomProvider', $1, '["BASEURL_API_KEY"]')`, [openai.baseUrl]);
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'model-of-' || name, id, 'gpt-4o' from public.ai_providers where name like 'url-%'`);
    switchboard = await createSwitchboard({ db, env: ENV, keyring: createKeyring(createMasterKey(randomBytes(32))), migrate: false, pollMs: 0, listen: false });
    const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ ...ENV }), adminToken: ADMIN_TOKEN });
    gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config, admin: adminServiceFor(switchboard) });
    const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${address.port}`;
  });

  after(async () => {
    await gateway?.close();
    await switchboard?.close();
    await db?.dispose();
    await openai?.close();
  });

  async function call(method: string, path: string, body: unknown, token = ADMIN_TOKEN): Promise<Answer> {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  function assertError(answer: Answer, status: number, code: string, param: string, message: RegExp): void {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    const error = answer.body['error'] as { code: string; param: string | null; message: string };
    assert.equal(error.code, code);
    assert.equal(error.param, param, error.message);
    assert.match(error.message, message);
    assert.ok(!error.message.includes('pass@'), error.message);
  }

  const problem = /without user info, query string or fragment/;

  test('a row written with SQL is disabled with the reason; its models answer 503 and nothing goes upstream', async () => {
    const key = await call('POST', '/admin/v1/projects', { name: 'url-project' }).then(() => call('POST', '/admin/v1/api-keys', { project: 'url-project' }));
    assert.equal(key.status, 201);
    const apiKey = String(key.body['key']);
    for (const name of Object.keys(badUrls)) {
      const entry = switchboard.watcher.snapshot.registry.providers.get(name);
      assert.equal(entry?.status, 'unavailable', name);
      assert.match(entry.reason ?? '', /^invalid api_base_url: /, name);
      assert.match(entry.reason ?? '', problem, name);
      assert.ok(!(entry.reason ?? '').includes('pass'), entry.reason);
      const answer = await call('POST', '/v1/chat/completions', { model: `model-of-${name}`, messages: [{ role: 'user', content: 'hi' }] }, apiKey);
      assert.equal(answer.status, 503, `${name}: ${JSON.stringify(answer.body)}`);
      assert.equal((answer.body['error'] as { code: string }).code, 'provider_unavailable');
    }
    assert.equal(openai.requests.length, 0, 'no row with a bad URL reached the upstream');
    const fine = await call('POST', '/v1/chat/completions', { model: 'model-of-url-fine', messages: [{ role: 'user', content: 'hi' }] }, apiKey);
    assert.equal(fine.status, 200, JSON.stringify(fine.body));
    assert.deepEqual(openai.requests.map((request) => request.url), ['/v1/chat/completions']);
  });

  test('the admin API refuses such an api_base_url, on create and on update', async () => {
    for (const url of Object.values(badUrls)) {
      const body = { name: 'url-admin', provider_class: 'CustomProvider', api_base_url: url };
      assertError(await call('POST', '/admin/v1/providers', body), 400, 'invalid_request', 'api_base_url', problem);
      assertError(await call('PATCH', '/admin/v1/providers/url-fine', { api_base_url: url }), 400, 'invalid_request', 'api_base_url', problem);
    }
    const created = await call('POST', '/admin/v1/providers', { name: 'url-admin', provider_class: 'CustomProvider', api_base_url: `${openai.baseUrl}/` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });

  test('the admin API refuses a transport header (Host) in config.headers: the key would go to the site a shared front serves under that name', async () => {
    const body = { name: 'url-host', provider_class: 'CustomProvider', api_base_url: openai.baseUrl, config: { headers: { Host: 'attacker.example' } } };
    assertError(await call('POST', '/admin/v1/providers', body), 400, 'invalid_request', 'config.headers.Host', /is set by the gateway/);
    const patch = { config: { headers: { 'content-length': '5' } } };
    assertError(await call('PATCH', '/admin/v1/providers/url-fine', patch), 400, 'invalid_request', 'config.headers.content-length', /is set by the gateway/);
  });

  test("the admin API refuses such a credential base_url (the credential's own URL)", async () => {
    await call('POST', '/admin/v1/projects', { name: 'url-cred' });
    for (const url of Object.values(badUrls)) {
      const answer = await call('PUT', '/admin/v1/projects/url-cred/credentials/url-fine', { api_key: VENDOR_KEY, base_url: url });
      assertError(answer, 400, 'invalid_request', 'base_url', problem);
    }
    const stored = await call('PUT', '/admin/v1/projects/url-cred/credentials/url-fine', { api_key: VENDOR_KEY, base_url: openai.baseUrl });
    assert.ok(stored.status === 200 || stored.status === 201, JSON.stringify(stored.body));
  });
});
