// OpenAI-compatible servers that serve the Responses API themselves (vLLM, Ollama, LM Studio, LiteLLM
// and other proxies), behind a CustomProvider row with `native_apis: ["openai-responses"]`: the
// gateway passes their answer through, so what it must get right is what it reads from it (the
// ledger's usage, whether the answer is whole) and what it lets reach the client (never the row's
// key). The strict OpenAI mock replays each server's own answer once the request passed its checks;
// the client is the real openai SDK; ledger rows are read back from the real database (PGlite, and
// Postgres when DATABASE_URL is set).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { ledgerRows, pricingJson, PRICES, type LedgerRow } from './ledger-harness.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';

const KEY = 'sk-compat-responses-0123456789';
const MODEL = 'compat-responses';

type Event = Record<string, unknown>;

const message = (text: string, status = 'completed'): Event => ({
  id: 'msg_1',
  type: 'message',
  status,
  role: 'assistant',
  content: status === 'completed' ? [{ type: 'output_text', text, annotations: [] }] : [],
});

const responseObject = (status: string, output: Event[], usage: unknown): Event => ({
  id: 'resp_compat_1',
  object: 'response',
  created_at: 1_767_225_600,
  status,
  model: 'qwen3-8b',
  output,
  ...(usage === undefined ? {} : { usage }),
});

const OPENAI_USAGE = { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 18 };

/** A text turn's events, OpenAI's order, without their sequence numbers. */
function textTurn(usage: unknown = OPENAI_USAGE): Event[] {
  const at = { item_id: 'msg_1', output_index: 0, content_index: 0 };
  return [
    { type: 'response.created', response: responseObject('in_progress', [], null) },
    { type: 'response.output_item.added', output_index: 0, item: message('', 'in_progress') },
    { type: 'response.content_part.added', ...at, part: { type: 'output_text', text: '', annotations: [] } },
    { type: 'response.output_text.delta', ...at, delta: 'OK' },
    { type: 'response.output_text.done', ...at, text: 'OK' },
    { type: 'response.content_part.done', ...at, part: { type: 'output_text', text: 'OK', annotations: [] } },
    { type: 'response.output_item.done', output_index: 0, item: message('OK') },
    { type: 'response.completed', response: responseObject('completed', [message('OK')], usage) },
  ];
}

/** SSE frames: with `event:` lines and sequence numbers as OpenAI sends them, or as `data:` lines only (LiteLLM's proxy). */
function frames(events: readonly (Event | string)[], form: 'openai' | 'data-only'): string {
  return events
    .map((event, index) => {
      if (typeof event === 'string') return `data: ${event}\n\n`;
      if (form === 'data-only') return `data: ${JSON.stringify(event)}\n\n`;
      return `event: ${String(event['type'])}\ndata: ${JSON.stringify({ ...event, sequence_number: index })}\n\n`;
    })
    .join('');
}

describe('OpenAI-compatible servers on the native Responses path', () => {
  let db: TestDb;
  let vendor: OpenAIMock;
  let served: Served;
  let tenant: Tenant;
  let client: OpenAI;

  before(async () => {
    vendor = await startOpenAIMock({ apiKeys: [KEY] });
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, config)
       values ('compat-server', 'CustomProvider', $1, '["COMPAT_API_KEY"]'::jsonb, '{"native_apis": ["openai-responses"]}'::jsonb)`,
      [vendor.baseUrl],
    );
    await db.query(
      `insert into public.ai_models (name, provider_id, model_id, pricing)
       select $1, id, 'qwen3-8b', $2::jsonb from public.ai_providers where name = 'compat-server'`,
      [MODEL, JSON.stringify(pricingJson(PRICES))],
    );
    tenant = await insertTenant(db, 'responses-compat');
    served = await serveSwitchboard(db, { env: { COMPAT_API_KEY: KEY }, usage: { flushIntervalMs: 20 } });
    client = new OpenAI({ apiKey: tenant.apiKey, baseURL: `${served.origin}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await vendor?.close();
  });

  async function rowOf(requestId: string | null | undefined): Promise<LedgerRow> {
    for (let tries = 0; tries < 100; tries += 1) {
      await served.switchboard.service.usage?.flush();
      const found = await ledgerRows(db, 'request_id = $1', [requestId ?? '']);
      if (found[0] !== undefined) return found[0];
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ledger row for ${requestId}`);
  }

  const tokens = (row: LedgerRow) => [row.status, row.usage_source, row.input_tokens, row.output_tokens];

  /** The raw streamed answer, for what the client gets byte for byte, and its ledger row. */
  async function streamText(): Promise<{ text: string; row: LedgerRow }> {
    const response = await fetch(`${served.origin}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: 'Say OK', stream: true }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    return { text, row: await rowOf(response.headers.get('x-request-id')) };
  }

  /** The SDK's streamed events, or what it threw. */
  async function sdkStream(): Promise<{ types: string[]; error?: unknown }> {
    const types: string[] = [];
    try {
      const stream = await client.responses.create({ model: MODEL, input: 'Say OK', stream: true });
      for await (const event of stream) types.push(event.type);
      return { types };
    } catch (error) {
      return { types, error };
    }
  }

  test('already read: events without sequence_number, `data:` lines only, and a `[DONE]` line after response.completed', async () => {
    vendor.replayNextResponses({ sse: frames([...textTurn(), '[DONE]'], 'data-only') });
    const { types, error } = await sdkStream();
    assert.equal(error, undefined);
    assert.equal(types.at(-1), 'response.completed');
    vendor.replayNextResponses({ sse: frames([...textTurn(), '[DONE]'], 'data-only') });
    const { text, row } = await streamText();
    assert.match(text, /^event: response\.completed\ndata: .*"model":"compat-responses"/m, 'named by its type, the public model name');
    assert.deepEqual(tokens(row), [200, 'provider', '11', '7']);
  });

  test('already read: a whole answer without id, created_at, model or usage (null)', async () => {
    vendor.replayNextResponses({ json: { object: 'response', status: 'completed', output: [message('OK')], usage: null } });
    const { data, response } = await client.responses.create({ model: MODEL, input: 'Say OK' }).withResponse();
    assert.equal(data.output_text, 'OK');
    assert.equal(data.model, MODEL);
    const row = await rowOf(response.headers.get('x-request-id'));
    assert.deepEqual([row.status, row.usage_source], [200, 'estimated']);
  });

  test('a stream request answered with one JSON body (HTTP 200) is a 502 before any event, naming the server\'s message', async () => {
    vendor.replayNextResponses({ json: { error: { message: `no streaming for key ${KEY}` } } });
    const { types, error } = await sdkStream();
    assert.deepEqual(types, []);
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 502);
    assert.ok(!error.message.includes(KEY), error.message);
    // Until 2026-12-08 "ended the stream before its final event", the server's words lost.
    assert.match(error.message, /answered HTTP 200 with an error: no streaming for key \[redacted\]/);
    // With a code that is an HTTP status, that status.
    vendor.replayNextResponses({ json: { error: { message: 'Rate limit exceeded', code: 429 } } });
    const limited = await sdkStream();
    assert.ok(limited.error instanceof OpenAI.RateLimitError, String(limited.error));
  });

  test('a stream that ends with `[DONE]` but no response.completed is an error the SDK sees, not a silent end', async () => {
    // The SDK stops reading at `[DONE]`: the gateway's error event after it was never seen.
    const cut = [...textTurn().slice(0, 4), '[DONE]'];
    vendor.replayNextResponses({ sse: frames(cut, 'data-only') });
    const { types, error } = await sdkStream();
    assert.equal(error, undefined);
    // The SDK hands an `error` event out like any other (OpenAI's own mid-stream errors come so).
    assert.deepEqual(types.slice(-2), ['response.output_text.delta', 'error'], types.join(', '));
    vendor.replayNextResponses({ sse: frames(cut, 'data-only') });
    const { text, row } = await streamText();
    assert.doesNotMatch(text, /\[DONE\]/, 'the Responses API has no [DONE] line');
    assert.match(text, /^event: error\ndata: .*ended the stream before its final event/m);
    assert.deepEqual([row.status, row.incomplete], [502, true]);

    // Nothing but `[DONE]` (a server that failed before its first event): an HTTP error, not an empty 200 stream.
    vendor.replayNextResponses({ sse: frames(['[DONE]'], 'data-only') });
    const empty = await sdkStream();
    assert.ok(empty.error instanceof OpenAI.APIError, `the SDK threw (${String(empty.error)}); events: ${empty.types.join(', ')}`);
    assert.equal(empty.error.status, 502);
  });

  test('an error sent as `data: {"error": …}` (LiteLLM\'s proxy) is redacted and fails the stream', async () => {
    const failing = [...textTurn().slice(0, 4), JSON.stringify({ error: { message: `upstream refused key ${KEY}`, type: 'None', param: 'None', code: '500' } })];
    vendor.replayNextResponses({ sse: frames(failing, 'data-only') });
    const { text, row } = await streamText();
    assert.ok(!text.includes(KEY), text);
    assert.match(text, /upstream refused key/);
    // Its code is the status it stands for (LiteLLM's "500"): the row says so (before 2026-12-08, 502 whatever the code).
    assert.deepEqual([row.status, row.error_code, row.incomplete], [500, 'provider_error', true]);
    vendor.replayNextResponses({ sse: frames(failing, 'data-only') });
    const { error } = await sdkStream();
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.ok(!error.message.includes(KEY), error.message);
  });

  test('a failure in the stream is recorded with the status its code stands for, and the usage it carries', async () => {
    // OpenRouter's in-stream rate limit, unnamed, after some text.
    const limited = [...textTurn().slice(0, 4), JSON.stringify({ error: { code: 429, message: 'Rate limit exceeded: free-models-per-day' } })];
    vendor.replayNextResponses({ sse: frames(limited, 'data-only') });
    const { row } = await streamText();
    assert.deepEqual([row.status, row.error_code, row.incomplete, row.usage_source], [429, 'rate_limited', true, 'estimated']);
    // A named response.failed with its usage: the failure, not a 200, charged what the vendor reported.
    const failed = [...textTurn().slice(0, 4), { type: 'response.failed', response: { ...responseObject('failed', [], OPENAI_USAGE), error: { code: 'server_error', message: 'The model failed' } } }];
    vendor.replayNextResponses({ sse: frames(failed, 'openai') });
    const second = await streamText();
    assert.deepEqual([second.row.status, second.row.error_code, second.row.incomplete], [500, 'provider_error', true]);
    assert.deepEqual(tokens(second.row), [500, 'provider', '11', '7']);
  });

  test('usage under chat completions\' names (prompt_tokens, completion_tokens) is the server\'s count, streamed or whole', async () => {
    const chatUsage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
    vendor.replayNextResponses({ sse: frames(textTurn(chatUsage), 'openai') });
    const { row } = await streamText();
    assert.deepEqual(tokens(row), [200, 'provider', '11', '7']);

    vendor.replayNextResponses({ json: responseObject('completed', [message('OK')], chatUsage) });
    const { data, response } = await client.responses.create({ model: MODEL, input: 'Say OK' }).withResponse();
    assert.equal(data.output_text, 'OK');
    assert.deepEqual(tokens(await rowOf(response.headers.get('x-request-id'))), [200, 'provider', '11', '7']);

    // A usage object with no count at all is no report: estimated, not zero tokens.
    vendor.replayNextResponses({ json: responseObject('completed', [message('OK')], {}) });
    const empty = await client.responses.create({ model: MODEL, input: 'Say OK' }).withResponse();
    const row2 = await rowOf(empty.response.headers.get('x-request-id'));
    assert.deepEqual([row2.status, row2.usage_source], [200, 'estimated']);
  });

  test('a whole answer that is an error with HTTP 200, or no response at all, is the provider\'s error, not a 200', async () => {
    vendor.replayNextResponses({ json: { error: { message: `model crashed while serving key ${KEY}`, type: 'server_error', code: null } } });
    const crashed = await client.responses.create({ model: MODEL, input: 'Say OK' }).catch((error: unknown) => error);
    assert.ok(crashed instanceof OpenAI.APIError, `not a 200: ${JSON.stringify(crashed)}`);
    // As on chat completions: the provider's retryable 502 naming the cleaned message.
    assert.equal(crashed.status, 502);
    assert.match(crashed.message, /Provider 'compat-server' answered HTTP 200 with an error: model crashed while serving key/);
    assert.ok(!crashed.message.includes(KEY), crashed.message);
    const row = await rowOf(crashed.headers?.get('x-request-id'));
    assert.equal(row.status, 502);

    for (const json of [[], 'OK', {}, { id: 'resp_1', object: 'response', status: 'completed', output: null }]) {
      vendor.replayNextResponses({ json });
      const error = await client.responses.create({ model: MODEL, input: 'Say OK' }).catch((caught: unknown) => caught);
      assert.ok(error instanceof OpenAI.APIError, `${JSON.stringify(json)}: not a 200: ${JSON.stringify(error)}`);
      assert.equal(error.status, 502);
      assert.match(error.message, /not a Responses API response/);
    }
  });
});
