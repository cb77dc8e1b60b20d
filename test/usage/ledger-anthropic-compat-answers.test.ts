// Anthropic-compatible servers whose answers leave out what Anthropic always sends: a `tool_use`
// block's `id`, or the answer's `usage`. The whole (non-streamed) answer is read as its stream is:
// the tool call gets an id of ours that pairs with its result when the client sends it back, and
// an answer without usage is served and estimated in the ledger. Rows are read back from the real
// database: PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ledgerRows, pricingJson, PRICES, type LedgerRow } from './ledger-harness.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';

const KEY = 'sk-compat-answers-0123456789';
const MODEL = 'compat-claude';
const TOOLS = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

/** A whole answer calling a tool, its tool_use block's `id` and `name` being `fields` (Anthropic's has both). */
function toolAnswer(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'msg_compat_tools',
    type: 'message',
    role: 'assistant',
    model: 'claude-test-1',
    content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', ...fields, input: { city: 'Paris' } }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 30, output_tokens: 12 },
  };
}

/** A stream calling a tool whose content_block_start has `block` (Anthropic's own has an `id` and a `name`). */
function toolStream(block: Record<string, unknown>): string {
  const events: [string, unknown][] = [
    ['message_start', { type: 'message_start', message: { id: 'msg_compat_s', type: 'message', role: 'assistant', model: 'claude-test-1', content: [], stop_reason: null, usage: { input_tokens: 30, output_tokens: 1 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', input: {}, ...block } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris"}' } }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 12 } }],
    ['message_stop', { type: 'message_stop' }],
  ];
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}

/** A whole answer without usage (`usage` given: that value). */
function plainAnswer(usage?: unknown): Record<string, unknown> {
  return {
    id: 'msg_compat_plain',
    type: 'message',
    role: 'assistant',
    model: 'claude-test-1',
    content: [{ type: 'text', text: 'The weather in Paris is sunny and mild, about twenty degrees, with a light breeze from the west.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    ...(usage === undefined ? {} : { usage }),
  };
}

interface ChatBody {
  error?: { message?: string };
  choices?: { message?: { content?: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] }; finish_reason?: string }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

describe('Anthropic-compatible servers: whole answers without a tool id or usage', () => {
  let db: TestDb;
  let vendor: AnthropicMock;
  let served: Served;
  let tenant: Tenant;

  before(async () => {
    vendor = await startAnthropicMock({ apiKeys: [KEY] });
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('compat', 'AnthropicProvider', $1, '["COMPAT_API_KEY"]'::jsonb)`,
      [vendor.baseUrl],
    );
    await db.query(
      `insert into public.ai_models (name, provider_id, model_id, max_tokens, pricing)
       select $1, id, 'claude-test-1', 1024, $2::jsonb from public.ai_providers where name = 'compat'`,
      [MODEL, JSON.stringify(pricingJson(PRICES))],
    );
    tenant = await insertTenant(db, 'compat-answers');
    served = await serveSwitchboard(db, { env: { COMPAT_API_KEY: KEY }, usage: { flushIntervalMs: 20 } });
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await vendor?.close();
  });

  const post = (path: string, body: Record<string, unknown>): Promise<Response> =>
    fetch(`${served.origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });

  async function rowOf(response: Response): Promise<LedgerRow> {
    const requestId = response.headers.get('x-request-id') ?? '';
    for (let tries = 0; tries < 100; tries += 1) {
      await served.switchboard.service.usage?.flush();
      const found = await ledgerRows(db, 'request_id = $1', [requestId]);
      if (found[0] !== undefined) return found[0];
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ledger row for ${requestId}`);
  }

  /** The Anthropic blocks of the last request's messages of `role`. */
  const sentBlocks = (role: string): Record<string, unknown>[] => {
    const messages = (vendor.requests.at(-1)?.body as { messages: { role: string; content: unknown }[] }).messages;
    return messages.filter((message) => message.role === role && Array.isArray(message.content)).flatMap((message) => message.content as Record<string, unknown>[]);
  };

  test('/v1/chat/completions whole: a tool_use block without an id (absent, null or "") is a tool call with a toolu_ id, and its result pairs', async () => {
    const ids = new Set<string>();
    for (const fields of [{}, { id: null }, { id: '' }]) {
      vendor.replayNext({ json: toolAnswer({ ...fields, name: 'get_weather' }) });
      const chat = await post('/v1/chat/completions', { model: MODEL, tools: TOOLS, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      const body = (await chat.json()) as ChatBody;
      assert.equal(chat.status, 200, JSON.stringify(body));
      const call = body.choices?.[0]?.message?.tool_calls?.[0];
      assert.ok(call !== undefined, `the tool call is kept (${JSON.stringify(fields)}): ${JSON.stringify(body)}`);
      assert.match(call.id, /^toolu_[0-9a-f]{32}$/);
      assert.deepEqual([call.function.name, JSON.parse(call.function.arguments)], ['get_weather', { city: 'Paris' }]);
      assert.equal(body.choices?.[0]?.finish_reason, 'tool_calls');
      ids.add(call.id);

      // The client sends the call and its result back: the strict mock refuses a tool_result that pairs with no tool_use.
      const next = await post('/v1/chat/completions', {
        model: MODEL,
        tools: TOOLS,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: call.function.arguments } }] },
          { role: 'tool', tool_call_id: call.id, content: 'sunny' },
        ],
      });
      const nextBody = (await next.json()) as ChatBody;
      assert.equal(next.status, 200, JSON.stringify(nextBody));
      assert.equal(sentBlocks('assistant').find((block) => block['type'] === 'tool_use')?.['id'], call.id);
      assert.equal(sentBlocks('user').find((block) => block['type'] === 'tool_result')?.['tool_use_id'], call.id);
    }
    assert.equal(ids.size, 3, 'each answer gets an id of its own');
  });

  test('/v1/responses whole: a tool_use block without an id is a function_call whose call_id pairs with its output', async () => {
    vendor.replayNext({ json: toolAnswer({ id: null, name: 'get_weather' }) });
    const response = await post('/v1/responses', { model: MODEL, tools: [{ type: 'function', name: 'get_weather', parameters: TOOLS[0]?.function.parameters }], input: 'Weather in Paris?' });
    const body = (await response.json()) as { output?: { type: string; call_id?: string; name?: string; arguments?: string }[] };
    assert.equal(response.status, 200, JSON.stringify(body));
    const call = body.output?.find((item) => item.type === 'function_call');
    assert.ok(call?.call_id !== undefined, JSON.stringify(body));
    assert.match(call.call_id, /^toolu_[0-9a-f]{32}$/);
    assert.equal(call.name, 'get_weather');

    const next = await post('/v1/responses', {
      model: MODEL,
      tools: [{ type: 'function', name: 'get_weather', parameters: TOOLS[0]?.function.parameters }],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: call.call_id, name: 'get_weather', arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny' },
      ],
    });
    assert.equal(next.status, 200, await next.text());
    assert.equal(sentBlocks('user').find((block) => block['type'] === 'tool_result')?.['tool_use_id'], call.call_id);
  });

  test('/v1/chat/completions streamed: a tool_use block without an id (absent or "") gets a toolu_ id, as a whole answer does', async () => {
    for (const block of [{ name: 'get_weather' }, { id: '', name: 'get_weather' }]) {
      vendor.replayNext({ sse: toolStream(block) });
      const chat = await post('/v1/chat/completions', { model: MODEL, stream: true, tools: TOOLS, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      const text = await chat.text();
      assert.equal(chat.status, 200, text);
      assert.match(text, /"tool_calls":\[\{"index":0,"id":"toolu_[0-9a-f]{32}","type":"function","function":\{"name":"get_weather"/, text);
    }
  });

  test('a tool_use block without a name is a malformed answer: a 502 on the whole and the streamed path', async () => {
    for (const fields of [{}, { name: null }, { name: '' }]) {
      vendor.replayNext({ json: toolAnswer({ id: 'toolu_1', ...fields }) });
      const chat = await post('/v1/chat/completions', { model: MODEL, tools: TOOLS, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      const body = (await chat.json()) as ChatBody;
      assert.equal(chat.status, 502, JSON.stringify([fields, body]));
      assert.match(String(body.error?.message), /Provider 'compat' returned a tool_use block without a name/);
      assert.equal((await rowOf(chat)).status, 502);
    }
    vendor.replayNext({ sse: toolStream({ id: 'toolu_1' }) });
    const chat = await post('/v1/chat/completions', { model: MODEL, stream: true, tools: TOOLS, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const text = await chat.text();
    assert.match(text, /"error":\{"message":"Provider 'compat' returned a tool_use block without a name/, text);
    assert.doesNotMatch(text, /"tool_calls"/);
  });

  test('/v1/chat/completions and /v1/responses whole: an answer without usage (absent or null) is served and estimated, as a stream without usage is', async () => {
    for (const usage of [undefined, null]) {
      vendor.replayNext({ json: plainAnswer(usage) });
      const chat = await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      const body = (await chat.json()) as ChatBody;
      assert.equal(chat.status, 200, JSON.stringify([usage, body]));
      assert.match(String(body.choices?.[0]?.message?.content), /sunny and mild/);
      assert.deepEqual([body.usage?.prompt_tokens, body.usage?.completion_tokens], [0, 0], 'the client is told what the vendor reported');
      const row = await rowOf(chat);
      assert.deepEqual([row.status, row.usage_source, row.incomplete], [200, 'estimated', false], JSON.stringify(row));
      assert.ok(Number(row.input_tokens) > 0 && Number(row.output_tokens) >= 15, JSON.stringify(row));
    }
    vendor.replayNext({ json: plainAnswer(null) });
    const responses = await post('/v1/responses', { model: MODEL, input: 'Weather in Paris?' });
    const responsesBody = (await responses.json()) as { output?: { content?: { text?: string }[] }[] };
    assert.equal(responses.status, 200, JSON.stringify(responsesBody));
    assert.match(String(responsesBody.output?.[0]?.content?.[0]?.text), /sunny and mild/);
    const row = await rowOf(responses);
    assert.deepEqual([row.status, row.usage_source], [200, 'estimated'], JSON.stringify(row));
    assert.ok(Number(row.output_tokens) >= 15, JSON.stringify(row));
  });

  test('/v1/chat/completions streamed without usage: estimated as the whole answer is', async () => {
    const stream = toolStream({ id: 'toolu_1', name: 'get_weather' }).replace(/,"usage":\{[^}]*\}/g, '');
    assert.doesNotMatch(stream, /usage/);
    vendor.replayNext({ sse: stream });
    const chat = await post('/v1/chat/completions', { model: MODEL, stream: true, tools: TOOLS, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    assert.equal(chat.status, 200, await chat.text());
    const row = await rowOf(chat);
    assert.deepEqual([row.status, row.usage_source], [200, 'estimated'], JSON.stringify(row));
    assert.ok(Number(row.input_tokens) > 0 && Number(row.output_tokens) > 0, JSON.stringify(row));
  });

  test('/v1/messages whole without usage (absent or null): the body passes on unchanged and the ledger estimates its input and output', async () => {
    for (const usage of [undefined, null]) {
      const answer = plainAnswer(usage);
      vendor.replayNext({ json: answer });
      const native = await post('/v1/messages', { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      const body = (await native.json()) as Record<string, unknown>;
      assert.equal(native.status, 200, JSON.stringify(body));
      assert.deepEqual(body['content'], answer['content']);
      assert.equal(body['usage'], usage);
      const row = await rowOf(native);
      assert.deepEqual([row.status, row.usage_source], [200, 'estimated'], JSON.stringify(row));
      assert.ok(Number(row.input_tokens) > 0, JSON.stringify(row));
      assert.ok(Number(row.output_tokens) >= 15, `the answer's text is counted: ${JSON.stringify(row)}`);
    }
  });

  // An answer nested deeper than JSON.stringify can write out (about 5,000 levels; JSON.parse takes
  // 100,000) is the provider's 502; until 2026-12-08 the estimate of that answer wrote its tool
  // input out too, threw the same RangeError, and the call was recorded without usage ($0).
  test('/v1/messages whole without usage, a tool_use input nested too deeply to write out: a 502 whose row is still estimated', async () => {
    const answer = JSON.stringify({ ...plainAnswer(), content: [{ type: 'text', text: 'Checking the weather in Paris for you now.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'DEEP' } }] });
    vendor.replayNext({ text: answer.replace('"DEEP"', `${'['.repeat(20_000)}${']'.repeat(20_000)}`) });
    const native = await post('/v1/messages', { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const body = (await native.json()) as { error?: { type?: string } };
    assert.equal(native.status, 502, JSON.stringify(body));
    const row = await rowOf(native);
    assert.deepEqual([row.status, row.usage_source], [502, 'estimated'], JSON.stringify(row));
    assert.ok(Number(row.input_tokens) > 0 && Number(row.output_tokens) > 0, JSON.stringify(row));
  });

  test('/v1/messages streamed without usage: a complete 200, estimated from the body and the events', async () => {
    vendor.replayNext({ sse: toolStream({ id: 'toolu_1', name: 'get_weather' }).replace(/,"usage":\{[^}]*\}/g, '') });
    const native = await post('/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const text = await native.text();
    assert.equal(native.status, 200, text);
    assert.match(text, /event: message_stop/);
    const row = await rowOf(native);
    assert.deepEqual([row.status, row.usage_source, row.incomplete], [200, 'estimated', false], JSON.stringify(row));
    assert.ok(Number(row.input_tokens) > 0 && Number(row.output_tokens) > 0, JSON.stringify(row));
  });

  // Some Anthropic-compatible proxies answer a failure with HTTP 200 and Anthropic's error body. Until
  // 2026-12-08 /v1/messages passed it on as a 200 answer (the SDK returned it as a Message) and the
  // ledger row was a success; the translated path said only "not an Anthropic Message" (a 502).
  test('a whole answer that is an Anthropic error body with HTTP 200 is that error, as with its status, on both paths (through the SDKs)', async () => {
    const messages = new Anthropic({ baseURL: served.origin, apiKey: tenant.apiKey, maxRetries: 0 });
    const chat = new OpenAI({ baseURL: `${served.origin}/v1`, apiKey: tenant.apiKey, maxRetries: 0 });
    const errorBody = { type: 'error', error: { type: 'overloaded_error', message: `Overloaded (key ${KEY})` } };
    vendor.replayNext({ json: errorBody });
    const native = await messages.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Weather in Paris?' }] }).catch((error: unknown) => error);
    assert.ok(native instanceof Anthropic.APIError, String(native));
    // Anthropic's own status and type for it on /v1/messages, as for a 529 (docs/anthropic-messages.md).
    assert.deepEqual([native.status, (native.error as { error?: { type?: string } } | undefined)?.error?.type], [529, 'overloaded_error']);
    assert.ok(!JSON.stringify(native.error).includes(KEY.slice(6)), JSON.stringify(native.error));
    vendor.replayNext({ json: errorBody });
    const translated = await chat.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Weather in Paris?' }] }).catch((error: unknown) => error);
    assert.ok(translated instanceof OpenAI.APIError, String(translated));
    assert.deepEqual([translated.status, translated.code], [503, 'provider_unavailable']);
    assert.ok(!translated.message.includes(KEY.slice(6)), translated.message);
    for (const requestId of [native.headers?.get('x-request-id'), translated.headers?.get('x-request-id')]) {
      assert.ok(requestId);
      let rows: { status: number; error_code: string | null }[] = [];
      for (let tries = 0; tries < 100 && rows.length === 0; tries += 1) {
        await served.switchboard.service.usage?.flush();
        rows = (await db.query<{ status: number; error_code: string | null }>('select status, error_code from public.ai_usage where request_id = $1', [requestId])).rows;
        if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(rows, [{ status: 503, error_code: 'provider_unavailable' }]);
    }
  });
});
