// A provider's `required_env_vars` say which env var holds the key of projects without a stored
// credential. An edit of that column (an `ai_providers` write: the registry part only) must reach the
// very next call on every instance: before, the credential cache kept what the old names resolved to
// until some credential, project or key changed, so a key named by mistake kept going to the
// provider after the row was fixed, and a provider first set up with an unset variable kept
// answering credential_missing after it was pointed at a set one. Instance A writes through its
// admin API; instance B shares the database and applies the change as its version check does.
// PGlite and Postgres.
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
const WRONG_KEY = 'sk-envswap-wrong-0123456789abcdef';
const RIGHT_KEY = 'sk-envswap-right-abcdef0123456789';
const ENV = { ENVSWAP_WRONG_API_KEY: WRONG_KEY, ENVSWAP_RIGHT_API_KEY: RIGHT_KEY };

type Json = Record<string, unknown>;

describe('an edit of required_env_vars reaches the next call on every instance', () => {
  let base: TestDb;
  let openai: OpenAIMock;
  let a: Switchboard;
  let b: Switchboard;
  let gateway: Gateway;
  let origin: string;
  let projectId: string;
  let apiKey: string;

  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${origin}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  /** A chat through A's /v1: its status and the Authorization the upstream received. */
  async function chatA(model: string): Promise<{ status: number; upstream: unknown; body: Json }> {
    const mark = openai.requests.length;
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'which key' }] }),
    });
    const body = (await response.json()) as Json;
    return { status: response.status, upstream: openai.requests[mark]?.headers.authorization, body };
  }

  /** A chat through instance B (the library), for the project: the Authorization the upstream received, or the error code. */
  async function chatB(model: string): Promise<unknown> {
    const mark = openai.requests.length;
    try {
      await b.chat({ model, messages: [{ role: 'user', content: [{ type: 'text', text: 'which key' }] }] }, { projectId });
      return openai.requests[mark]?.headers.authorization;
    } catch (error) {
      return (error as { code?: unknown }).code;
    }
  }

  before(async () => {
    openai = await startOpenAIMock({ apiKeys: [WRONG_KEY, RIGHT_KEY] });
    base = await createTestDb();
    const keyring = createKeyring(createMasterKey(randomBytes(32)));
    const options = { db: base, env: ENV, keyring, migrate: false, pollMs: 0, listen: false };
    a = await createSwitchboard(options);
    b = await createSwitchboard(options);
    const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ ...ENV }), adminToken: ADMIN_TOKEN });
    gateway = createGateway({ service: a.service, snapshot: () => a.watcher.snapshot, config, admin: adminServiceFor(a) });
    const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${address.port}`;
    const created = [
      await admin('POST', '/providers', { name: 'envswap', provider_class: 'OpenAIProvider', api_base_url: openai.baseUrl, required_env_vars: ['ENVSWAP_WRONG_API_KEY'] }),
      await admin('POST', '/models', { name: 'envswap-gpt', provider: 'envswap', model_id: 'gpt-4o-mini' }),
      await admin('POST', '/providers', { name: 'envunset', provider_class: 'OpenAIProvider', api_base_url: openai.baseUrl, required_env_vars: ['ENVSWAP_UNSET_API_KEY'] }),
      await admin('POST', '/models', { name: 'envunset-gpt', provider: 'envunset', model_id: 'gpt-4o-mini' }),
      await admin('POST', '/projects', { name: 'envswap' }),
    ];
    for (const answer of created) assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const key = await admin('POST', '/api-keys', { project: 'envswap' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    apiKey = String(key.body['key']);
    projectId = String((await base.query<{ id: string }>(`select id from public.projects where name = 'envswap'`)).rows[0]?.id);
    await b.reloadChanged();
  });

  after(async () => {
    await gateway?.close();
    await a?.close();
    await b?.close();
    await base?.dispose();
    await openai?.close();
  });

  test('a key named by mistake stops going upstream once the row names the right variable', async () => {
    assert.equal((await chatA('envswap-gpt')).upstream, `Bearer ${WRONG_KEY}`, 'A: the variable the row names');
    assert.equal(await chatB('envswap-gpt'), `Bearer ${WRONG_KEY}`, 'B: the variable the row names');

    const fixed = await admin('PATCH', '/providers/envswap', { required_env_vars: ['ENVSWAP_RIGHT_API_KEY'] });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    assert.equal((await chatA('envswap-gpt')).upstream, `Bearer ${RIGHT_KEY}`, 'A: the very next call uses the variable the row names now');
    await b.reloadChanged();
    assert.equal(await chatB('envswap-gpt'), `Bearer ${RIGHT_KEY}`, 'B: the next call after its version check too');
  });

  test('a provider first pointed at an unset variable serves once the row names a set one', async () => {
    const missing = await chatA('envunset-gpt');
    assert.notEqual(missing.status, 200, 'the variable is unset');
    assert.equal(await chatB('envunset-gpt'), 'credential_missing');

    const fixed = await admin('PATCH', '/providers/envunset', { required_env_vars: ['ENVSWAP_RIGHT_API_KEY'] });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    const served = await chatA('envunset-gpt');
    assert.equal(served.status, 200, JSON.stringify(served.body));
    assert.equal(served.upstream, `Bearer ${RIGHT_KEY}`);
    await b.reloadChanged();
    assert.equal(await chatB('envunset-gpt'), `Bearer ${RIGHT_KEY}`);
  });
});
