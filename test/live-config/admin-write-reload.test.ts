// An admin write reloads, before it answers, only the parts of the configuration whose tables it
// changed (the per-table versions of the version row), never everything: a route or a rate-limit
// write keeps the registry and the credential cache (no credential read goes back to the database),
// while a credential write empties that cache so the next request uses the new key. Each write is
// checked through /v1 on the same instance right after its answer. PGlite and Postgres.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import type { SnapshotPart } from '../../src/registry/config-snapshot.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { adminServiceFor } from '../../src/service/admin/admin-for-switchboard.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { instrumentDb, type InstrumentedDb } from './instrumented-db.js';

const ADMIN_TOKEN = `sba-test-${randomBytes(16).toString('hex')}`;
const ENV_KEY = 'sk-reload-env-0123456789abcdef';
const FIRST_KEY = 'sk-reload-first-abcdef0123456789';
const SECOND_KEY = 'sk-reload-second-abcdef012345678';
const ENV = { RELOAD_OPENAI_API_KEY: ENV_KEY };

type Json = Record<string, unknown>;

describe('an admin write reloads only what it changed', () => {
  let base: TestDb;
  let db: InstrumentedDb;
  let openai: OpenAIMock;
  let switchboard: Switchboard;
  let gateway: Gateway;
  let origin: string;
  let apiKey: string;
  /** The parts of each snapshot swap, in order. */
  const swaps: string[][] = [];

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${origin}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  /** A chat through /v1: its status, its rate-limit header, and the key the upstream received. */
  async function chat(model: string): Promise<{ status: number; limit: string | null; upstreamKey: string | undefined }> {
    const mark = openai.requests.length;
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'which key' }] }),
    });
    const body = (await response.json()) as Json;
    assert.equal(response.status, 200, JSON.stringify(body));
    const authorization = openai.requests[mark]?.headers.authorization;
    return { status: response.status, limit: response.headers.get('x-ratelimit-limit-requests'), upstreamKey: typeof authorization === 'string' ? authorization : undefined };
  }

  /** Credential rows read from the database (each one a credential cache miss). */
  const credentialReads = (): number => db.statements.filter((statement) => /from public\.ai_provider_credentials where project_id/.test(statement.sql)).length;

  /** The swaps since `mark`, each as sorted parts. */
  const swapsSince = (mark: number): string[][] => swaps.slice(mark).map((parts) => [...parts].sort());

  before(async () => {
    openai = await startOpenAIMock({ apiKeys: [ENV_KEY, FIRST_KEY, SECOND_KEY] });
    base = await createTestDb();
    db = instrumentDb(base);
    switchboard = await createSwitchboard({
      db,
      env: ENV,
      keyring: createKeyring(createMasterKey(randomBytes(32))),
      migrate: false,
      pollMs: 0,
      listen: false,
    });
    switchboard.watcher.onChange((_snapshot, parts: ReadonlySet<SnapshotPart>) => swaps.push([...parts]));
    const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ ...ENV }), adminToken: ADMIN_TOKEN });
    gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config, admin: adminServiceFor(switchboard) });
    const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${address.port}`;

    const created = [
      await call('POST', '/providers', { name: 'rl-openai', provider_class: 'OpenAIProvider', api_base_url: openai.baseUrl, required_env_vars: ['RELOAD_OPENAI_API_KEY'] }),
      await call('POST', '/models', { name: 'rl-gpt', provider: 'rl-openai', model_id: 'gpt-4o-mini' }),
      await call('POST', '/projects', { name: 'rl' }),
    ];
    for (const answer of created) assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const key = await call('POST', '/api-keys', { project: 'rl' });
    assert.equal(key.status, 201);
    apiKey = String(key.body['key']);
    assert.equal((await call('PUT', '/projects/rl/credentials/rl-openai', { api_key: FIRST_KEY })).status, 200);
  });

  after(async () => {
    await gateway?.close();
    await switchboard?.close();
    await base?.dispose();
    await openai?.close();
  });

  test('a route or a rate-limit write reloads its part only, applied before the answer; the credential cache stays', async () => {
    assert.equal((await chat('rl-gpt')).upstreamKey, `Bearer ${FIRST_KEY}`);
    const reads = credentialReads();
    assert.equal((await chat('rl-gpt')).upstreamKey, `Bearer ${FIRST_KEY}`);
    assert.equal(credentialReads(), reads, 'the credential is cached');
    const registry = switchboard.watcher.snapshot.registry;

    let mark = swaps.length;
    const route = await call('POST', '/routes', { name: 'rl-route', targets: [{ model: 'rl-gpt', weight: 1 }] });
    assert.equal(route.status, 201, JSON.stringify(route.body));
    assert.deepEqual(swapsSince(mark), [['routes']]);
    assert.equal((await chat('rl-route')).upstreamKey, `Bearer ${FIRST_KEY}`, 'the new route serves the very next request');

    mark = swaps.length;
    assert.equal((await call('PUT', '/routes/rl-route/targets', { targets: [{ model: 'rl-gpt', weight: 3 }] })).status, 200);
    assert.deepEqual(swapsSince(mark), [['routes']]);
    assert.equal(switchboard.watcher.snapshot.routes.find('rl-route', null)?.targets[0]?.weight, 3);

    mark = swaps.length;
    const limit = await call('PUT', '/rate-limits/rl-rpm', { project: 'rl', requests_per_minute: 100000 });
    assert.equal(limit.status, 200, JSON.stringify(limit.body));
    assert.deepEqual(swapsSince(mark), [['governance']]);
    assert.equal((await chat('rl-gpt')).limit, '100000', 'the rate limit applies to the very next request');

    assert.equal(switchboard.watcher.snapshot.registry, registry, 'the registry was not reloaded');
    assert.equal(credentialReads(), reads, 'no write emptied the credential cache');
  });

  test('a credential write empties the credential cache: the next request uses the new key', async () => {
    const mark = swaps.length;
    assert.equal((await call('PUT', '/projects/rl/credentials/rl-openai', { api_key: SECOND_KEY })).status, 200);
    // The write also clears the credential's shared blocks (a trigger), which live in the routes part.
    assert.deepEqual(swapsSince(mark), [['credentials', 'routes']]);
    const reads = credentialReads();
    assert.equal((await chat('rl-gpt')).upstreamKey, `Bearer ${SECOND_KEY}`);
    assert.equal(credentialReads(), reads + 1, 'read again once');
    assert.equal((await call('DELETE', '/projects/rl/credentials/rl-openai')).status, 200);
    assert.equal((await chat('rl-route')).upstreamKey, `Bearer ${ENV_KEY}`, 'back to the env var at once');
  });

  test('a model edit reloads the registry only, served by the next request; reload() still reloads everything', async () => {
    const mark = swaps.length;
    assert.equal((await call('PATCH', '/models/rl-gpt', { display_name: 'Reloaded GPT' })).status, 200);
    assert.deepEqual(swapsSince(mark), [['registry']]);
    assert.equal(switchboard.watcher.snapshot.registry.models.get('rl-gpt')?.displayName, 'Reloaded GPT');
    assert.equal((await chat('rl-gpt')).status, 200);

    const full = swaps.length;
    await switchboard.reload();
    assert.deepEqual(swapsSince(full), [['apiKeys', 'credentials', 'governance', 'registry', 'routes']]);
  });
});
