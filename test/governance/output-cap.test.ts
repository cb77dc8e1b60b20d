// A budget holds when the client sends no output limit: a governed call reserves its output from
// the model row's `max_tokens` (else 4,096), and that bound now reaches the vendor in its own field
// (OpenAI `max_completion_tokens`, a Custom row's `max_tokens`, Gemini `maxOutputTokens`, Cohere
// `max_tokens`, Responses `max_output_tokens`), per attempt on a route, with the thinking budget as
// Anthropic's `max_tokens` counts it. Three such calls used to generate 61 tokens each ($183 against a
// $100 budget); now each stops at 5 ($15). Without a budget or a token limit nothing is added.
// A call whose ids are scoped on a shared credential (user, safety_identifier, prompt_cache_key)
// used to go out without it: its copy was made before the bound was set.
// PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCohereMock, type CohereMock } from '../mock-vendors/cohere.js';
import { startGoogleMock, type GoogleMock } from '../mock-vendors/google.js';
import type { RecordedRequest } from '../helpers/mock-server.js';
import { insertProjectKey } from '../helpers/serve-process.js';
import type { AnthropicMock } from '../mock-vendors/anthropic.js';
import { addAnthropicModel, ANTHROPIC_ENV, createWorld, within, type Instance, type World } from './governed-gateways.js';

const GEMINI_KEY = 'gemini-cap-upstream-0123456789';
const COHERE_KEY = 'cohere-cap-upstream-0123456789';
const BUDGET = 'cap-key-month';
/** 60 words: "Echo: " + these is 61 output tokens unless the vendor is told to stop. */
const LONG = Array.from({ length: 60 }, (_, index) => `w${index}`).join(' ');

type Json = Record<string, unknown>;

const bodyOf = (request: RecordedRequest | undefined): Json => (request?.body ?? {}) as Json;

describe('the output bound a reservation assumed is sent upstream', () => {
  let world: World;
  let google: GoogleMock;
  let cohere: CohereMock;
  let anthropic: AnthropicMock;
  let gateway: Instance;
  /** A key of another project with no budget and no limit. */
  let free: { id: string; key: string };
  /** A key of another project with a requests-per-minute limit only (no tokens reserved). */
  let counted: { id: string; key: string };
  /** A key of another project with a tokens-per-minute limit only. */
  let tokens: { id: string; key: string };

  before(async () => {
    world = await createWorld();
    google = await startGoogleMock({ apiKeys: [GEMINI_KEY] });
    cohere = await startCohereMock({ apiKeys: [COHERE_KEY] });
    anthropic = await addAnthropicModel(world, 'cap-claude-64', { input: 0, output: 1 });
    const priced = '{"input_per_mtok": 0, "output_per_mtok": 1000000}';
    await world.db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, pricing) values
         ('cap-custom', 'CustomProvider', $1, '["GOV_OPENAI_API_KEY"]'::jsonb, $4::jsonb),
         ('cap-google', 'GoogleProvider', $2, '["CAP_GEMINI_API_KEY"]'::jsonb, $4::jsonb),
         ('cap-cohere', 'CohereProvider', $3, '["CAP_COHERE_API_KEY"]'::jsonb, $4::jsonb)`,
      [world.openai.baseUrl, google.baseUrl, cohere.baseUrl, priced],
    );
    await world.db.query(
      `insert into public.ai_models (name, provider_id, model_id, max_tokens)
       select t.name, p.id, t.model_id, t.max_tokens
         from (values ('cap-gpt', 'gov-openai', 'gpt-4o-mini', 5), ('cap-gpt-7', 'gov-openai', 'gpt-4o-mini', 7),
                      ('cap-responses', 'gov-openai', 'gpt-4o-mini', 32), ('cap-o', 'gov-openai', 'o4-mini', null),
                      ('cap-custom-gpt', 'cap-custom', 'gpt-4o-mini', 5), ('cap-gemini', 'cap-google', 'gemini-2.5-flash', 5),
                      ('cap-command', 'cap-cohere', 'command-a-03-2025', 5), ('cap-claude', 'gov-anthropic', 'claude-sonnet-4-5', null))
              as t(name, provider, model_id, max_tokens)
         join public.ai_providers p on p.name = t.provider`,
    );
    // A route: cap-gpt first, cap-gpt-7 as its fallback.
    await world.db.query(
      `with r as (insert into public.ai_routes (name) values ('cap-route') returning id)
       insert into public.ai_route_targets (route_id, model_id, tier) select r.id, m.id, t.tier from r, (values ('cap-gpt', 0), ('cap-gpt-7', 1)) as t(model, tier) join public.ai_models m on m.name = t.model`,
    );
    // $1 per output token, input free: a call's cost is its output tokens.
    await world.db.query(`insert into public.ai_budgets (name, project_id, api_key_id, limit_usd) values ($1, $2, $3, 100)`, [BUDGET, world.projectId, world.key.id]);
    free = await insertProjectKey(world.db, 'cap-free', 'free');
    counted = await insertProjectKey(world.db, 'cap-counted', 'counted');
    tokens = await insertProjectKey(world.db, 'cap-tokens', 'tokens');
    await world.db.query(
      `insert into public.ai_rate_limits (name, project_id, api_key_id, requests_per_minute, tokens_per_minute)
       select 'cap-rpm', project_id, id, 1000, null from public.api_keys where id = $1
       union all select 'cap-tpm', project_id, id, null, 10000000 from public.api_keys where id = $2`,
      [counted.id, tokens.id],
    );
    gateway = await world.start({ env: { ...ANTHROPIC_ENV, CAP_GEMINI_API_KEY: GEMINI_KEY, CAP_COHERE_API_KEY: COHERE_KEY } });
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 3));
  });
  after(async () => {
    await world?.close();
    await google?.close();
    await cohere?.close();
    await anthropic?.close();
  });

  async function post(path: string, key: string, body: Json): Promise<{ status: number; text: string }> {
    const response = await fetch(`${gateway.origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  const chat = (key: string, model: string, extra: Json = {}) => post('/v1/chat/completions', key, { model, messages: [{ role: 'user', content: LONG }], ...extra });

  /** The budget's spend as this instance counts it (the ledger's costs settle its reservations). */
  function budgetSpent(): number {
    const line = new RegExp(`switchboard_governance_spent\\{kind="budget",name="${BUDGET}",metric="usd"\\} ([\\d.]+)`).exec(gateway.switchboard.governor?.metricsText() ?? '');
    return Number(line?.[1] ?? 0);
  }

  /** Output tokens and cost of the ledger rows of `model` that ended 200, once there are `count`. */
  async function ledger(model: string, count: number): Promise<{ output: number; cost: number }[]> {
    let rows: { output: number; cost: number }[] = [];
    await within(5000, async () => {
      await gateway.switchboard.service.usage?.flush();
      const result = await world.db.query<{ output: number; cost: string }>(
        `select output_tokens::int as output, cost_usd::text as cost from public.ai_usage where requested_model = $1 and status = 200 order by started_at`,
        [model],
      );
      rows = result.rows.map((row) => ({ output: row.output, cost: Number(row.cost) }));
      return rows.length >= count;
    });
    return rows;
  }

  it('OpenAI: three calls without max_tokens under a $100 budget each stop at the row bound ($15 spent, not $183)', async () => {
    const from = world.openai.requests.length;
    for (let index = 0; index < 3; index += 1) assert.equal((await chat(world.key.key, 'cap-gpt')).status, 200);
    const sent = world.openai.requests.slice(from).map(bodyOf);
    assert.deepEqual(
      sent.map((body) => [body['max_completion_tokens'], body['max_tokens']]),
      [
        [5, undefined],
        [5, undefined],
        [5, undefined],
      ],
    );
    assert.deepEqual(await ledger('cap-gpt', 3), [
      { output: 5, cost: 5 },
      { output: 5, cost: 5 },
      { output: 5, cost: 5 },
    ]);
    await within(10_000, () => Promise.resolve(budgetSpent() === 15));
  });

  it('OpenAI streamed, and a Custom row in its max_tokens_field (max_tokens)', async () => {
    const from = world.openai.requests.length;
    const streamed = await chat(world.key.key, 'cap-gpt', { stream: true });
    assert.equal(streamed.status, 200);
    assert.equal(bodyOf(world.openai.requests[from])['max_completion_tokens'], 5);
    assert.equal((await chat(world.key.key, 'cap-custom-gpt')).status, 200);
    const custom = bodyOf(world.openai.requests[from + 1]);
    assert.deepEqual([custom['max_tokens'], custom['max_completion_tokens']], [5, undefined]);
    assert.deepEqual(await ledger('cap-custom-gpt', 1), [{ output: 5, cost: 5 }]);
  });

  it('Gemini: generationConfig.maxOutputTokens', async () => {
    const from = google.requests.length;
    assert.equal((await chat(world.key.key, 'cap-gemini')).status, 200);
    const config = bodyOf(google.requests[from])['generationConfig'] as Json | undefined;
    assert.equal(config?.['maxOutputTokens'], 5);
    assert.deepEqual(await ledger('cap-gemini', 1), [{ output: 5, cost: 5 }]);
  });

  it('Cohere: max_tokens', async () => {
    const from = cohere.requests.length;
    assert.equal((await chat(world.key.key, 'cap-command')).status, 200);
    assert.equal(bodyOf(cohere.requests[from])['max_tokens'], 5);
    assert.deepEqual(await ledger('cap-command', 1), [{ output: 5, cost: 5 }]);
  });

  it('native /v1/responses: max_output_tokens, also in place of a null one', async () => {
    const from = world.openai.requests.length;
    assert.equal((await post('/v1/responses', world.key.key, { model: 'cap-responses', input: 'a b' })).status, 200);
    assert.equal((await post('/v1/responses', world.key.key, { model: 'cap-responses', input: 'a b', max_output_tokens: null })).status, 200);
    assert.equal((await post('/v1/responses', world.key.key, { model: 'cap-responses', input: 'a b', max_output_tokens: 20 })).status, 200);
    const sent = world.openai.requests.slice(from);
    assert.deepEqual(
      sent.map((request) => [request.url, bodyOf(request)['max_output_tokens']]),
      [
        ['/v1/responses', 32],
        ['/v1/responses', 32],
        ['/v1/responses', 20],
      ],
      "the client's own limit is kept",
    );
  });

  it("on a route each attempt gets its own target's bound", async () => {
    const from = world.openai.requests.length;
    world.openai.failNext({ status: 500 });
    assert.equal((await chat(world.key.key, 'cap-route')).status, 200);
    const sent = world.openai.requests.slice(from).map((request) => bodyOf(request)['max_completion_tokens']);
    assert.deepEqual(sent, [5, 7]);
  });

  it("a token limit bounds the output too, with the thinking budget as Anthropic's max_tokens counts it", async () => {
    const from = world.openai.requests.length;
    const claudeFrom = anthropic.requests.length;
    assert.equal((await chat(tokens.key, 'cap-o')).status, 200);
    assert.equal((await chat(tokens.key, 'cap-o', { reasoning_effort: 'low' })).status, 200);
    assert.equal((await chat(tokens.key, 'cap-claude', { reasoning_effort: 'low' })).status, 200);
    // No row max_tokens: 4,096, plus the low effort's 2,048 when reasoning; Claude gets the same.
    assert.deepEqual(
      world.openai.requests.slice(from).map((request) => bodyOf(request)['max_completion_tokens']),
      [4096, 4096 + 2048],
    );
    assert.equal(bodyOf(anthropic.requests[claudeFrom])['max_tokens'], 4096 + 2048);
  });

  it('without a budget or a token limit nothing is added (a requests-per-minute limit reserves no tokens)', async () => {
    for (const key of [free.key, counted.key]) {
      const openaiFrom = world.openai.requests.length;
      const googleFrom = google.requests.length;
      const cohereFrom = cohere.requests.length;
      for (const model of ['cap-gpt', 'cap-custom-gpt', 'cap-gemini', 'cap-command']) assert.equal((await chat(key, model)).status, 200);
      assert.equal((await post('/v1/responses', key, { model: 'cap-responses', input: 'a b' })).status, 200);
      const sent = world.openai.requests.slice(openaiFrom).map(bodyOf);
      assert.equal(sent.length, 3);
      for (const body of sent) assert.deepEqual([body['max_completion_tokens'], body['max_tokens'], body['max_output_tokens']], [undefined, undefined, undefined]);
      const config = bodyOf(google.requests[googleFrom])['generationConfig'] as Json | undefined;
      assert.equal(config?.['maxOutputTokens'], undefined);
      assert.equal(bodyOf(cohere.requests[cohereFrom])['max_tokens'], undefined);
    }
  });

  it('a call naming its end user or a cache key on a shared credential (its ids scoped) gets the bound too: chat, stream, translated /v1/responses; 7 tokens each, not 61', async () => {
    const from = world.openai.requests.length;
    assert.equal((await chat(world.key.key, 'cap-gpt-7', { user: 'alice', safety_identifier: 'alice' })).status, 200);
    assert.equal((await chat(world.key.key, 'cap-gpt-7', { user: 'alice', stream: true })).status, 200);
    // Codex sends a prompt_cache_key on every /v1/responses call; on a route it is translated to chat.
    assert.equal((await post('/v1/responses', world.key.key, { model: 'cap-route', input: 'a b', prompt_cache_key: 'session-1' })).status, 200);
    const sent = world.openai.requests.slice(from).map(bodyOf);
    assert.deepEqual(
      sent.map((body) => [body['max_completion_tokens'], typeof body['user'] === 'string' && body['user'] !== 'alice']),
      [
        [7, true],
        [7, true],
        [5, false],
      ],
    );
    assert.notEqual(sent[2]?.['prompt_cache_key'], 'session-1', 'scoped on the shared credential');
    // Before, its copy with the pseudonym was made before the bound was set: 61 tokens each, $122 under a $100 budget.
    assert.deepEqual(await ledger('cap-gpt-7', 2), [
      { output: 7, cost: 7 },
      { output: 7, cost: 7 },
    ]);
  });
});
