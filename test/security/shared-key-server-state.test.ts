// Found in review: on a vendor key projects share (the env-var key), ids of state the vendor keeps
// passed on the native paths: Anthropic's `thread` (a conversation held under a message id),
// `container` (a code-execution container and its files) and `diagnostics.previous_message_id` (a
// comparison with an earlier request's prompt), and a Responses code-interpreter container by id.
// Whoever learns such an id could continue or read what another tenant left there, the risk for
// which files by id are refused. On the shared key each is refused 400 before any upstream call
// (`thread` with the details on which the Anthropic SDK's tool runner goes on without a thread); on
// the project's own stored key each passes. Real gateway, real database, strict vendor mocks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { CredentialStore } from '../../src/credentials/credential-store.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { ENV_VAR, keyringOf, MODEL, newMasterKey, seedTenants, startStack, upstreamKey, type Stack, type Tenant } from './fixture.js';

const ANTHROPIC_ENV_VAR = 'SEC_ANTHROPIC_API_KEY';
const CLAUDE = 'sec-claude-state';
const keys = { alpha: upstreamKey('alpha'), env: upstreamKey('env'), alphaAnthropic: upstreamKey('ant-alpha'), envAnthropic: upstreamKey('ant-env') };
const master = newMasterKey();
const OTHERS = 'msg_01OtherTenantsMessage';
const ROUTE = 'sec-claude-route';

let db: TestDb;
let openai: OpenAIMock;
let anthropic: AnthropicMock;
let stack: Stack;
// alpha has its own stored keys; beta runs on the env-var keys.
let alpha: Tenant;
let beta: Tenant;

before(async () => {
  openai = await startOpenAIMock({ apiKeys: [keys.alpha, keys.env] });
  anthropic = await startAnthropicMock({ apiKeys: [keys.alphaAnthropic, keys.envAnthropic] });
  db = await createTestDb();
  const seeded = await seedTenants(db, openai.baseUrl, ['alpha', 'beta']);
  ({ alpha, beta } = seeded.tenants as { alpha: Tenant; beta: Tenant });
  const inserted = await db.query<{ id: string }>(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('sec-anthropic', 'AnthropicProvider', $1, $2::jsonb) returning id`,
    [anthropic.baseUrl, JSON.stringify([ANTHROPIC_ENV_VAR])],
  );
  const anthropicId = inserted.rows[0]?.id ?? '';
  // The operator passes containers and code interpreter: what is left to decide is the key.
  await db.query(`insert into public.ai_models (name, provider_id, model_id, max_tokens, features) values ($1, $2, 'claude-test-1', 1024, $3::jsonb)`, [
    CLAUDE, anthropicId, JSON.stringify({ native_fields: { container: 'pass' } }),
  ]);
  await db.query(`update public.ai_models set features = $2::jsonb where name = $1`, [MODEL, JSON.stringify({ native_fields: { 'tools.code_interpreter': 'pass', 'tools.file_search': 'pass' } })]);
  // A route to the Anthropic model: served through the normalized path, with the native fields.
  const route = await db.query<{ id: string }>(`insert into public.ai_routes (name) values ($1) returning id`, [ROUTE]);
  await db.query(`insert into public.ai_route_targets (route_id, model_id, weight, tier) select $1, id, 1, 0 from public.ai_models where name = $2`, [route.rows[0]?.id ?? '', CLAUDE]);
  const store = new CredentialStore(db, keyringOf(master.key), {});
  await store.set(alpha.id, seeded.providerId, { api_key: keys.alpha });
  await store.set(alpha.id, anthropicId, { api_key: keys.alphaAnthropic });
  stack = await startStack(db, { keyring: keyringOf(master.key), env: { [ENV_VAR]: keys.env, [ANTHROPIC_ENV_VAR]: keys.envAnthropic } });
});
after(async () => {
  await stack?.close();
  await openai?.close();
  await anthropic?.close();
  await db?.dispose();
});

const messages = [{ role: 'user', content: 'hello' }];

/** Posts `body` as `tenant`; the status, the error (if any) and the bodies the vendor mock received. */
async function post(tenant: Tenant, mock: OpenAIMock | AnthropicMock, path: string, body: Record<string, unknown>) {
  const since = mock.requests.length;
  const response = await fetch(`${stack.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { error?: { message: string; param?: string; details?: unknown } };
  return { status: response.status, error: json.error, sent: mock.requests.slice(since).map((request) => request.body as Record<string, unknown>) };
}

describe('/v1/messages native on the shared key', () => {
  it("thread is refused with the details the SDK's tool runner recognizes; the id never reaches Anthropic", async () => {
    for (const thread of [{ type: 'continue', previous_message_id: OTHERS }, { type: 'create' }]) {
      const { status, error, sent } = await post(beta, anthropic, '/v1/messages', { model: CLAUDE, max_tokens: 64, messages, thread });
      assert.equal(status, 400, JSON.stringify(error));
      assert.deepEqual(error?.details, { error_code: 'thread_unsupported_request', unsupported: ['thread'] });
      assert.deepEqual(sent, []);
    }
  });

  it('the SDK tool runner (which threads by default) goes on without a thread', async () => {
    const client = new Anthropic({ baseURL: stack.origin, apiKey: beta.apiKey, maxRetries: 0 });
    const since = anthropic.requests.length;
    const runner = client.beta.messages.toolRunner({
      model: CLAUDE,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'weather' }],
      tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] }, run: () => 'sunny' } as never],
      max_iterations: 3,
    });
    const final = await runner;
    assert.equal(final.stop_reason, 'end_turn');
    const sent = anthropic.requests.slice(since).map((request) => request.body as Record<string, unknown>);
    assert.ok(sent.length >= 2, 'a tool call and its answer');
    assert.ok(sent.every((body) => body['thread'] === undefined));
  });

  it('a container by id and diagnostics.previous_message_id are refused', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ container: 'container_01OtherTenants' }, 'container'],
      [{ container: { id: 'container_01OtherTenants' } }, 'container.id'],
      [{ diagnostics: { previous_message_id: OTHERS } }, 'diagnostics.previous_message_id'],
    ];
    for (const [fields, param] of cases) {
      const { status, error, sent } = await post(beta, anthropic, '/v1/messages', { model: CLAUDE, max_tokens: 64, messages, ...fields });
      assert.equal(status, 400, JSON.stringify(error));
      assert.ok(error?.message.startsWith(`${param} is refused on this key`), error?.message);
      assert.deepEqual(sent, []);
    }
  });
});

describe('/v1/messages through a route to an Anthropic model, on the shared key', () => {
  it('diagnostics.previous_message_id, a native field of the translated request, is refused too', async () => {
    const { status, error, sent } = await post(beta, anthropic, '/v1/messages', { model: ROUTE, max_tokens: 64, messages, diagnostics: { previous_message_id: OTHERS } });
    assert.equal(status, 400, JSON.stringify(error));
    assert.ok(error?.message.startsWith('diagnostics.previous_message_id is refused on this key'), error?.message);
    assert.deepEqual(sent, []);
  });

  it("on the project's own key it passes", async () => {
    const { status, error, sent } = await post(alpha, anthropic, '/v1/messages', { model: ROUTE, max_tokens: 64, messages, diagnostics: { previous_message_id: OTHERS } });
    assert.equal(status, 200, JSON.stringify(error));
    assert.deepEqual(sent[0]?.['diagnostics'], { previous_message_id: OTHERS });
  });
});

describe("/v1/messages native on the project's own key", () => {
  it('thread, a container by id and diagnostics reach Anthropic as sent', async () => {
    const fields = { thread: { type: 'create' }, container: 'container_01Alphas', diagnostics: { previous_message_id: null } };
    const { status, error, sent } = await post(alpha, anthropic, '/v1/messages', { model: CLAUDE, max_tokens: 64, messages, ...fields });
    assert.equal(status, 200, JSON.stringify(error));
    assert.deepEqual([sent[0]?.['thread'], sent[0]?.['container'], sent[0]?.['diagnostics']], [fields.thread, fields.container, fields.diagnostics]);
  });
});

describe('/v1/responses native', () => {
  const tools = [{ type: 'code_interpreter', container: 'cntr_01OtherTenants' }];

  it('on the shared key, a code-interpreter container by id is refused', async () => {
    const { status, error, sent } = await post(beta, openai, '/v1/responses', { model: MODEL, input: 'hello', tools });
    assert.equal(status, 400, JSON.stringify(error));
    assert.equal(error?.param, 'tools[0].container');
    assert.deepEqual(sent, []);
  });

  it('on the shared key, the account\'s files and vector stores by id are refused', async () => {
    for (const [tool, param] of [
      [{ type: 'code_interpreter', container: { type: 'auto', file_ids: ['file-OtherTenants'] } }, 'tools[0].container.file_ids'],
      [{ type: 'file_search', vector_store_ids: ['vs_OtherTenants'] }, 'tools[0].vector_store_ids'],
    ] as const) {
      const { status, error, sent } = await post(beta, openai, '/v1/responses', { model: MODEL, input: 'hello', tools: [tool] });
      assert.equal(status, 400, JSON.stringify(error));
      assert.equal(error?.param, param);
      assert.deepEqual(sent, []);
    }
    // A fresh container with no files names nothing the account keeps.
    const fresh = [{ type: 'code_interpreter', container: { type: 'auto' } }];
    assert.deepEqual((await post(beta, openai, '/v1/responses', { model: MODEL, input: 'hello', tools: fresh })).sent[0]?.['tools'], fresh);
  });

  it("on the project's own key, it reaches OpenAI", async () => {
    const { sent } = await post(alpha, openai, '/v1/responses', { model: MODEL, input: 'hello', tools });
    assert.deepEqual(sent[0]?.['tools'], tools);
  });
});
