// Spellings of server-side state the native APIs' refusals must read too (found by an attack
// review): an OpenAI item reference without `type` (optional in OpenAI's schema) or with a null one,
// and on a vendor key projects share, a stored file named deeper than a message part (a
// `computer_call_output` screenshot object, an Anthropic document whose source is content blocks).
// Each is refused 400 before any upstream call: the id never reaches the vendor mock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { ENV_VAR, keyringOf, MODEL, newMasterKey, seedTenants, startStack, upstreamKey, type Stack, type Tenant } from './fixture.js';

const ANTHROPIC_ENV_VAR = 'SEC_ANTHROPIC_API_KEY';
const CLAUDE = 'sec-claude-files';
const keys = { env: upstreamKey('env'), envAnthropic: upstreamKey('ant-env') };
const master = newMasterKey();

let db: TestDb;
let openai: OpenAIMock;
let anthropic: AnthropicMock;
let stack: Stack;
let beta: Tenant;

before(async () => {
  openai = await startOpenAIMock({ apiKeys: [keys.env] });
  anthropic = await startAnthropicMock({ apiKeys: [keys.envAnthropic] });
  db = await createTestDb();
  const seeded = await seedTenants(db, openai.baseUrl, ['beta']);
  beta = seeded.tenants['beta'] as Tenant;
  const inserted = await db.query<{ id: string }>(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('sec-anthropic', 'AnthropicProvider', $1, $2::jsonb) returning id`,
    [anthropic.baseUrl, JSON.stringify([ANTHROPIC_ENV_VAR])],
  );
  await db.query(`insert into public.ai_models (name, provider_id, model_id, max_tokens, features) values ($1, $2, 'claude-test-1', 1024, $3::jsonb)`, [
    CLAUDE,
    inserted.rows[0]?.id ?? null,
    JSON.stringify({ native_fields: { 'anthropic-beta.files-api': 'pass' } }),
  ]);
  stack = await startStack(db, { keyring: keyringOf(master.key), env: { [ENV_VAR]: keys.env, [ANTHROPIC_ENV_VAR]: keys.envAnthropic } });
});
after(async () => {
  await stack?.close();
  await openai?.close();
  await anthropic?.close();
  await db?.dispose();
});

/** Posts `body`, asserts a 400 that kept `id` from the vendor and the answer; the error's field path (OpenAI's param, or the start of Anthropic's message). */
async function refused(mock: OpenAIMock | AnthropicMock, path: string, body: Record<string, unknown>, id: string, headers: Record<string, string> = {}): Promise<string> {
  const since = mock.requests.length;
  const response = await fetch(`${stack.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${beta.apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 400, text);
  assert.equal(mock.requests.slice(since).some((request) => request.text.includes(id)), false, 'the id never reaches the vendor');
  assert.ok(!text.includes(id), 'nor the answer');
  const error = (JSON.parse(text) as { error: { param?: string; message: string } }).error;
  return error.param ?? error.message.split(' ')[0] ?? '';
}

describe('/v1/responses native', () => {
  it('an item reference without type, or with a null one, is refused like type: "item_reference"', async () => {
    for (const item of [{ id: 'msg_operators_stored_item_0001' }, { type: null, id: 'msg_operators_stored_item_0001' }]) {
      const param = await refused(openai, '/v1/responses', { model: MODEL, input: [item, { role: 'user', content: 'continue' }] }, 'msg_operators_stored_item_0001');
      assert.equal(param, 'input[0].type');
    }
  });

  it('a message item with an id and a role still passes (an earlier answer sent back)', async () => {
    const response = await fetch(`${stack.origin}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${beta.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: [{ id: 'msg_1', role: 'user', content: 'hello' }] }),
    });
    assert.equal(response.status, 200, await response.text());
  });

  it('on a shared key, a stored file named by a computer_call_output screenshot is refused', async () => {
    const screenshot = { type: 'computer_call_output', call_id: 'call_1', output: { type: 'computer_screenshot', file_id: 'file-operators-0003' } };
    const param = await refused(openai, '/v1/responses', { model: MODEL, input: [{ role: 'user', content: 'look' }, screenshot] }, 'file-operators-0003');
    assert.equal(param, 'input[1].output.file_id');
  });
});

describe('/v1/messages native', () => {
  it('on a shared key, a stored file inside a document whose source is content blocks is refused', async () => {
    const document = { type: 'document', source: { type: 'content', content: [{ type: 'image', source: { type: 'file', file_id: 'file_operators_0004' } }] } };
    const body = { model: CLAUDE, max_tokens: 64, messages: [{ role: 'user', content: [document, { type: 'text', text: 'describe' }] }] };
    const param = await refused(anthropic, '/v1/messages', body, 'file_operators_0004', { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'files-api-2025-04-14' });
    assert.equal(param, 'messages[0].content[0].source.content[0].source.file_id');
  });
});
