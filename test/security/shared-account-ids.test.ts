// End-user ids and prompt cache keys on a vendor account tenants share (real openai SDK and fetch
// → gateway → createSwitchboard's CredentialStore → strict OpenAI and Anthropic mocks). On the
// env-var fallback, OpenAI's `user`, `safety_identifier` and `prompt_cache_key` and Anthropic's
// `metadata.user_id` reach the vendor as the project's pseudonym of the value (different for two
// projects, the same across calls, instances and restarts), never as sent; on a project's own
// stored key they pass unchanged. Per path: chat translated (to OpenAI, streamed, and to
// Anthropic), embeddings, /v1/responses native, /v1/messages native and translated.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CredentialStore } from '../../src/credentials/credential-store.js';
import { scopedId, scopedIdKey } from '../../src/crypto/scoped-id.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { EMBED_MODEL, ENV_VAR, keyringOf, MODEL, newMasterKey, seedTenants, startStack, upstreamKey, type Stack, type Tenant } from './fixture.js';

const ANTHROPIC_ENV_VAR = 'SEC_ANTHROPIC_API_KEY';
const CLAUDE = 'sec-claude';
const keys = { alpha: upstreamKey('alpha'), env: upstreamKey('env'), alphaAnthropic: upstreamKey('ant-alpha'), envAnthropic: upstreamKey('ant-env') };
const master = newMasterKey();
const env = { [ENV_VAR]: keys.env, [ANTHROPIC_ENV_VAR]: keys.envAnthropic };
const idKey = scopedIdKey(master.key);

let db: TestDb;
let openai: OpenAIMock;
let anthropic: AnthropicMock;
let stack: Stack;
// alpha has its own stored keys for both vendors; beta and gamma fall back to the env vars.
let alpha: Tenant;
let beta: Tenant;
let gamma: Tenant;

before(async () => {
  openai = await startOpenAIMock({ apiKeys: [keys.alpha, keys.env] });
  anthropic = await startAnthropicMock({ apiKeys: [keys.alphaAnthropic, keys.envAnthropic] });
  db = await createTestDb();
  const seeded = await seedTenants(db, openai.baseUrl, ['alpha', 'beta', 'gamma']);
  ({ alpha, beta, gamma } = seeded.tenants as { alpha: Tenant; beta: Tenant; gamma: Tenant });
  const inserted = await db.query<{ id: string }>(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
     values ('sec-anthropic', 'AnthropicProvider', $1, $2::jsonb) returning id`,
    [anthropic.baseUrl, JSON.stringify([ANTHROPIC_ENV_VAR])],
  );
  const anthropicId = (inserted.rows[0] as { id: string }).id;
  await db.query(`insert into public.ai_models (name, provider_id, model_id, max_tokens) values ($1, $2, 'claude-test-1', 1024)`, [CLAUDE, anthropicId]);
  const store = new CredentialStore(db, keyringOf(master.key), {});
  await store.set(alpha.id, seeded.providerId, { api_key: keys.alpha });
  await store.set(alpha.id, anthropicId, { api_key: keys.alphaAnthropic });
  stack = await startStack(db, { keyring: keyringOf(master.key), env });
});

after(async () => {
  await stack?.close();
  await openai?.close();
  await anthropic?.close();
  await db?.dispose();
});

/** Fresh values per test, so that no test sees another's. */
function ids(): { user: string; safety: string; cache: string } {
  const tag = randomUUID();
  return { user: `end-user-${tag}`, safety: `safety-${tag}`, cache: `cache-key-${tag}` };
}

const pseudonym = (tenant: Tenant, value: string): string => scopedId(idKey, tenant.id, value);

/** The bodies the mock received while `work` ran. */
async function sentBodies(mock: OpenAIMock | AnthropicMock, work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const before = mock.requests.length;
  await work();
  return mock.requests.slice(before).map((request) => request.body as Record<string, unknown>);
}

function only(bodies: Record<string, unknown>[]): Record<string, unknown> {
  assert.equal(bodies.length, 1, 'one upstream call');
  return bodies[0] as Record<string, unknown>;
}

/** Nothing the mocks ever received holds one of `values` (in any request, header or body). */
function neverUpstream(values: string[]): void {
  const everything = [...openai.requests, ...anthropic.requests].map((request) => `${JSON.stringify(request.headers)}\n${request.text}`).join('\n');
  for (const value of values) assert.equal(everything.includes(value), false, `${value} reached a vendor`);
}

function assertPseudonym(value: unknown): void {
  assert.equal(typeof value, 'string');
  assert.match(value as string, /^sb_[A-Za-z0-9_-]{32}$/);
  assert.ok((value as string).length <= 64, "within OpenAI's 64-character limit");
}

async function postMessages(tenant: Tenant, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${stack.origin}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.apiKey}`, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.clone().text());
  await response.text();
}

describe('chat completions translated to OpenAI', () => {
  const ask = (tenant: Tenant, values: ReturnType<typeof ids>) =>
    stack.client(tenant.apiKey).chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      user: values.user,
      safety_identifier: values.safety,
      prompt_cache_key: values.cache,
    });

  it('on the shared env-var key: pseudonyms per project, the same across calls, the values never upstream', async () => {
    const values = ids();
    const fromBeta = only(await sentBodies(openai, () => ask(beta, values)));
    const again = only(await sentBodies(openai, () => ask(beta, values)));
    const fromGamma = only(await sentBodies(openai, () => ask(gamma, values)));
    for (const [field, value] of [
      ['user', values.user],
      ['safety_identifier', values.safety],
      ['prompt_cache_key', values.cache],
    ] as const) {
      assertPseudonym(fromBeta[field]);
      assert.equal(fromBeta[field], pseudonym(beta, value), `${field}: keyed by the master key, project and value`);
      assert.equal(again[field], fromBeta[field], `${field}: stable across calls of one project`);
      assert.equal(fromGamma[field], pseudonym(gamma, value), field);
      assert.notEqual(fromGamma[field], fromBeta[field], `${field}: another project, another pseudonym`);
    }
    neverUpstream([values.user, values.safety, values.cache]);
  });

  it('streamed: the same pseudonyms', async () => {
    const values = ids();
    const body = only(
      await sentBodies(openai, async () => {
        const stream = await stack.client(beta.apiKey).chat.completions.create({
          model: MODEL,
          messages: [{ role: 'user', content: 'hi' }],
          stream: true,
          user: values.user,
          prompt_cache_key: values.cache,
        });
        for await (const chunk of stream) void chunk;
      }),
    );
    assert.equal(body['user'], pseudonym(beta, values.user));
    assert.equal(body['prompt_cache_key'], pseudonym(beta, values.cache));
    neverUpstream([values.user, values.cache]);
  });

  it("on the project's own stored key: the values pass unchanged", async () => {
    const values = ids();
    const body = only(await sentBodies(openai, () => ask(alpha, values)));
    assert.equal(body['user'], values.user);
    assert.equal(body['safety_identifier'], values.safety);
    assert.equal(body['prompt_cache_key'], values.cache);
  });

  it("embeddings' user: a pseudonym on the shared key, unchanged on the own key", async () => {
    const values = ids();
    const embed = (tenant: Tenant) => stack.client(tenant.apiKey).embeddings.create({ model: EMBED_MODEL, input: 'vector me', user: values.user, encoding_format: 'float' });
    assert.equal(only(await sentBodies(openai, () => embed(beta)))['user'], pseudonym(beta, values.user));
    neverUpstream([values.user]);
    assert.equal(only(await sentBodies(openai, () => embed(alpha)))['user'], values.user);
  });
});

describe('chat completions translated to Anthropic', () => {
  it('user becomes metadata.user_id: the pseudonym on the shared key, the value on the own key', async () => {
    const values = ids();
    const ask = (tenant: Tenant) => stack.client(tenant.apiKey).chat.completions.create({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }], user: values.user });
    assert.deepEqual(only(await sentBodies(anthropic, () => ask(gamma)))['metadata'], { user_id: pseudonym(gamma, values.user) });
    neverUpstream([values.user]);
    assert.deepEqual(only(await sentBodies(anthropic, () => ask(alpha)))['metadata'], { user_id: values.user });
  });
});

describe('/v1/responses native (OpenAI)', () => {
  const create = (tenant: Tenant, values: ReturnType<typeof ids>, stream = false) =>
    sentBodies(openai, async () => {
      const answer = await stack.client(tenant.apiKey).responses.create({
        model: MODEL,
        input: 'hi',
        user: values.user,
        safety_identifier: values.safety,
        prompt_cache_key: values.cache,
        stream,
      });
      if (stream) for await (const event of answer as AsyncIterable<unknown>) void event;
    });

  it('on the shared env-var key: pseudonyms per project, the same across calls, streamed or not', async () => {
    const values = ids();
    const fromBeta = only(await create(beta, values));
    const again = only(await create(beta, values, true));
    const fromGamma = only(await create(gamma, values));
    for (const [field, value] of [
      ['user', values.user],
      ['safety_identifier', values.safety],
      ['prompt_cache_key', values.cache],
    ] as const) {
      assertPseudonym(fromBeta[field]);
      assert.equal(fromBeta[field], pseudonym(beta, value), field);
      assert.equal(again[field], fromBeta[field], field);
      assert.equal(fromGamma[field], pseudonym(gamma, value), field);
      assert.notEqual(fromGamma[field], fromBeta[field], field);
    }
    neverUpstream([values.user, values.safety, values.cache]);
  });

  it("on the project's own stored key: the values pass unchanged", async () => {
    const values = ids();
    const body = only(await create(alpha, values));
    assert.equal(body['user'], values.user);
    assert.equal(body['safety_identifier'], values.safety);
    assert.equal(body['prompt_cache_key'], values.cache);
  });
});

describe('/v1/responses native: files stored on the vendor account', () => {
  const withFile = (tenant: Tenant) =>
    fetch(`${stack.origin}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'summarize' }, { type: 'input_file', file_id: 'file-operators-0001' }] }],
      }),
    });

  it('on the shared env-var key: a file_id is refused before any upstream call', async () => {
    const before = openai.requests.length;
    const response = await withFile(beta);
    const body = (await response.json()) as { error: { code: string; param: string; message: string } };
    assert.equal(response.status, 400);
    assert.equal(body.error.code, 'unsupported_feature');
    assert.equal(body.error.param, 'input[0].content[1].file_id');
    assert.equal(openai.requests.length, before, 'nothing reached OpenAI');
  });

  it("on the project's own stored key: the file_id passes", async () => {
    const bodies = await sentBodies(openai, async () => {
      const response = await withFile(alpha);
      assert.equal(response.status, 200, await response.clone().text());
      await response.text();
    });
    assert.match(JSON.stringify(only(bodies)['input']), /"file_id":"file-operators-0001"/);
  });
});

describe('/v1/messages', () => {
  const message = (model: string, userId: string, extra: Record<string, unknown> = {}) => ({
    model,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hi' }],
    metadata: { user_id: userId },
    ...extra,
  });

  it('native to Anthropic on the shared env-var key: metadata.user_id is the pseudonym per project, streamed or not', async () => {
    const values = ids();
    const fromBeta = only(await sentBodies(anthropic, () => postMessages(beta, message(CLAUDE, values.user))));
    const again = only(await sentBodies(anthropic, () => postMessages(beta, message(CLAUDE, values.user, { stream: true }))));
    const fromGamma = only(await sentBodies(anthropic, () => postMessages(gamma, message(CLAUDE, values.user))));
    assert.deepEqual(fromBeta['metadata'], { user_id: pseudonym(beta, values.user) });
    assert.deepEqual(again['metadata'], fromBeta['metadata']);
    assert.deepEqual(fromGamma['metadata'], { user_id: pseudonym(gamma, values.user) });
    assert.notDeepEqual(fromGamma['metadata'], fromBeta['metadata']);
    neverUpstream([values.user]);
  });

  it("native to Anthropic on the project's own stored key: metadata.user_id passes unchanged", async () => {
    const values = ids();
    const body = only(await sentBodies(anthropic, () => postMessages(alpha, message(CLAUDE, values.user))));
    assert.deepEqual(body['metadata'], { user_id: values.user });
  });

  it('translated to OpenAI: metadata.user_id becomes the pseudonym in user on the shared key, the value on the own key', async () => {
    const values = ids();
    assert.equal(only(await sentBodies(openai, () => postMessages(beta, message(MODEL, values.user))))['user'], pseudonym(beta, values.user));
    neverUpstream([values.user]);
    assert.equal(only(await sentBodies(openai, () => postMessages(alpha, message(MODEL, values.user))))['user'], values.user);
  });
});

describe('stable across gateway restarts', () => {
  it('a new instance on the same master key sends the same pseudonyms', async () => {
    const values = ids();
    const ask = () => stack.client(beta.apiKey).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], user: values.user });
    const before = only(await sentBodies(openai, ask))['user'];
    await stack.close();
    stack = await startStack(db, { keyring: keyringOf(master.key), env });
    assert.equal(only(await sentBodies(openai, ask))['user'], before);
  });
});
