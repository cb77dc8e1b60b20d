// Anthropic-compatible servers that are not Anthropic (LiteLLM and other proxies built on the Python
// SDK's types, which serialize unset optional usage fields as null): an AnthropicProvider row pointed
// at one records the usage those servers report. Native /v1/messages (streamed and whole) and the
// translated /v1/chat/completions read `"input_tokens": null` as "not reported here", not as a
// usage object to drop. Rows are read back from the real database: PGlite, and Postgres when
// DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ledgerRows, pricingJson, PRICES, type LedgerRow } from './ledger-harness.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';

const KEY = 'sk-compat-0123456789abcdef';
const MODEL = 'compat-claude';

/** A proxy's stream: input counted in message_start, message_delta's unset fields sent as null. */
const nullDeltaStream = [
  'event: message_start',
  'data: {"type":"message_start","message":{"id":"msg_compat_1","type":"message","role":"assistant","model":"claude-test-1","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":14,"output_tokens":1,"cache_creation_input_tokens":null,"cache_read_input_tokens":null}}}',
  '',
  'event: content_block_start',
  'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
  '',
  'event: content_block_delta',
  'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"OK"}}',
  '',
  'event: content_block_stop',
  'data: {"type":"content_block_stop","index":0}',
  '',
  'event: message_delta',
  'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":null,"output_tokens":5,"cache_creation_input_tokens":null,"cache_read_input_tokens":null,"server_tool_use":null}}',
  '',
  'event: message_stop',
  'data: {"type":"message_stop"}',
  '',
  '',
].join('\n');

/** The same stream as some compatible servers send it: `data:` lines only, the event's name in its `type`. */
const unnamedStream = nullDeltaStream
  .split('\n')
  .filter((line) => !line.startsWith('event:'))
  .join('\n');

/** A whole answer whose usage has a null count. */
const nullUsageMessage = {
  id: 'msg_compat_2',
  type: 'message',
  role: 'assistant',
  model: 'claude-test-1',
  content: [{ type: 'text', text: 'OK' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 14, output_tokens: 5, cache_creation_input_tokens: null, cache_read_input_tokens: null, output_tokens_details: null, cache_creation: null },
};

describe('Anthropic-compatible servers in the ledger', () => {
  let db: TestDb;
  let vendor: AnthropicMock;
  let openai: OpenAIMock;
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
    // A route whose first target is an OpenAI model and whose fallback is the Anthropic-compatible row.
    openai = await startOpenAIMock({ apiKeys: [KEY] });
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('compat-openai', 'OpenAIProvider', $1, '["COMPAT_API_KEY"]'::jsonb)`,
      [openai.baseUrl],
    );
    await db.query(
      `insert into public.ai_models (name, provider_id, model_id, pricing)
       select 'compat-gpt', id, 'gpt-4o-mini', $1::jsonb from public.ai_providers where name = 'compat-openai'`,
      [JSON.stringify(pricingJson(PRICES))],
    );
    await db.query(
      `with r as (insert into public.ai_routes (name) values ('compat-route') returning id)
       insert into public.ai_route_targets (route_id, model_id, tier) select r.id, m.id, t.tier from r, (values ('compat-gpt', 0), ($1, 1)) as t(model, tier) join public.ai_models m on m.name = t.model`,
      [MODEL],
    );
    tenant = await insertTenant(db, 'compat');
    served = await serveSwitchboard(db, { env: { COMPAT_API_KEY: KEY }, usage: { flushIntervalMs: 20 } });
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await vendor?.close();
    await openai?.close();
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

  const tokens = (row: LedgerRow) => [row.status, row.usage_source, row.input_tokens, row.output_tokens];

  test('/v1/messages streamed: a message_delta with "input_tokens": null still counts its output tokens', async () => {
    vendor.replayNext({ sse: nullDeltaStream });
    const response = await post('/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Say OK' }] });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /"input_tokens":null,"output_tokens":5/, 'the client gets the vendor events unchanged');
    assert.deepEqual(tokens(await rowOf(response)), [200, 'provider', '14', '5']);
  });

  test('/v1/messages and /v1/chat/completions whole: null usage counts are read as absent, not a 502', async () => {
    vendor.replayNext({ json: nullUsageMessage });
    const native = await post('/v1/messages', { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Say OK' }] });
    assert.equal(native.status, 200);
    await native.text();
    assert.deepEqual(tokens(await rowOf(native)), [200, 'provider', '14', '5']);

    vendor.replayNext({ json: { ...nullUsageMessage, usage: { ...nullUsageMessage.usage, input_tokens: null } } });
    const chat = await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'Say OK' }] });
    const body = (await chat.json()) as { choices?: { message?: { content?: string } }[]; usage?: { completion_tokens?: number } };
    assert.equal(chat.status, 200, JSON.stringify(body));
    assert.equal(body.choices?.[0]?.message?.content, 'OK');
    assert.equal(body.usage?.completion_tokens, 5);
  });

  test('/v1/messages streamed without `event:` lines: the usage is read from each event\'s `type`', async () => {
    // A `type` that is not a plain name (here with a line break) leaves its event unnamed: it never becomes an `event:` line.
    const [start, ...rest] = unnamedStream.split('\n\n');
    vendor.replayNext({ sse: [start, 'data: {"type":"ping\\nevent: error"}', ...rest].join('\n\n') });
    const response = await post('/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Say OK' }] });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /"text":"OK"/);
    assert.doesNotMatch(text, /^event: (ping|error)/m);
    assert.match(text, /^data: \{"type":"ping\\nevent: error"\}$/m);
    // Named for the client: Anthropic's SDKs dispatch on the `event:` line and drop unnamed events.
    assert.match(text, /^event: message_start\ndata: /m);
    assert.match(text, /^event: message_stop\ndata: \{"type":"message_stop"\}$/m);
    assert.match(text, new RegExp(`"model":"${MODEL}"`), 'message_start says the public model name');
    assert.deepEqual(tokens(await rowOf(response)), [200, 'provider', '14', '5']);
  });

  test('/v1/messages streamed, answered with one JSON error body: that error (was a 502 without its message)', async () => {
    vendor.replayNext({ json: { type: 'error', error: { type: 'overloaded_error', message: `Overloaded for key ${KEY}` } } });
    const response = await post('/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Say OK' }] });
    const text = await response.text();
    // Anthropic's own status for it, as /v1/messages answers an overload before any event.
    assert.equal(response.status, 529, text);
    assert.ok(!text.includes(KEY), text);
    assert.match(text, /overloaded_error.*Overloaded for key \[redacted\]/);
    vendor.replayNext({ json: { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'OK' }] } });
    const whole = await post('/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Say OK' }] });
    const wholeText = await whole.text();
    assert.equal(whole.status, 502, wholeText);
    assert.match(wholeText, /answered a stream request with one JSON body, not an event stream/);
  });

  test('/v1/messages streamed: an unnamed error event is redacted and ends the stream as an `event: error` does', async () => {
    const failing = [
      unnamedStream.split('\n\n')[0],
      `data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded for key ${KEY}"}}`,
      '',
      '',
    ].join('\n\n');
    vendor.replayNext({ sse: failing });
    const response = await post('/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Say OK' }] });
    const text = await response.text();
    assert.ok(!text.includes(KEY), text);
    assert.match(text, /^event: error\ndata: .*overloaded_error/m);
    const row = await rowOf(response);
    // overloaded_error is Anthropic's 529, answered as 503 (before 2026-12-08 every in-stream failure was a 502).
    assert.deepEqual([row.status, row.error_code, row.incomplete], [503, 'provider_unavailable', true], JSON.stringify(row));

    vendor.replayNext({ sse: failing });
    const chat = await post('/v1/chat/completions', { model: MODEL, stream: true, messages: [{ role: 'user', content: 'Say OK' }] });
    const chatText = await chat.text();
    assert.ok(!chatText.includes(KEY), chatText);
    assert.match(chatText, /"error":\{"message":"Provider 'compat' failed.*Overloaded/);
  });

  test('/v1/messages streamed: an error in chat completions\' shape (`data: {"error": …}`, LiteLLM\'s proxy) is redacted too', async () => {
    const failing = [unnamedStream.split('\n\n')[0], `data: {"error":{"message":"upstream refused key ${KEY}","type":"None","param":"None","code":"500"}}`, '', ''].join('\n\n');
    vendor.replayNext({ sse: failing });
    const response = await post('/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Say OK' }] });
    const text = await response.text();
    assert.ok(!text.includes(KEY), text);
    assert.match(text, /upstream refused key/);
    const row = await rowOf(response);
    assert.deepEqual([row.status, row.error_code, row.incomplete], [500, 'provider_error', true], JSON.stringify(row));
  });

  test('/v1/chat/completions and /v1/responses streamed without `event:` lines: text and usage as with them', async () => {
    vendor.replayNext({ sse: unnamedStream });
    const chat = await post('/v1/chat/completions', { model: MODEL, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say OK' }] });
    const chatText = await chat.text();
    assert.equal(chat.status, 200, chatText);
    assert.match(chatText, /"content":"OK"/);
    assert.match(chatText, /"completion_tokens":5/);
    assert.deepEqual(tokens(await rowOf(chat)), [200, 'provider', '14', '5']);

    vendor.replayNext({ sse: unnamedStream });
    const responses = await post('/v1/responses', { model: MODEL, stream: true, input: 'Say OK' });
    const responsesText = await responses.text();
    assert.equal(responses.status, 200, responsesText);
    assert.match(responsesText, /event: response\.completed\n/);
    assert.match(responsesText, /"output_tokens":5/);
    assert.deepEqual(tokens(await rowOf(responses)), [200, 'provider', '14', '5']);
  });

  test('/v1/chat/completions and /v1/responses whole: an answer without `id` and `model` is read, not a 502', async () => {
    const { id: _id, model: _model, ...bare } = nullUsageMessage;
    vendor.replayNext({ json: bare });
    const chat = await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'Say OK' }] });
    const chatBody = (await chat.json()) as { id?: string; model?: string; choices?: { message?: { content?: string } }[] };
    assert.equal(chat.status, 200, JSON.stringify(chatBody));
    assert.equal(chatBody.choices?.[0]?.message?.content, 'OK');
    assert.match(String(chatBody.id), /^msg_[0-9a-f]{32}$/);
    assert.equal(chatBody.model, MODEL);
    assert.deepEqual(tokens(await rowOf(chat)), [200, 'provider', '14', '5']);

    vendor.replayNext({ json: { ...bare, id: null, model: null } });
    const responses = await post('/v1/responses', { model: MODEL, input: 'Say OK' });
    const responsesBody = (await responses.json()) as { id?: string; model?: string; output_text?: string; output?: { content?: { text?: string }[] }[] };
    assert.equal(responses.status, 200, JSON.stringify(responsesBody));
    assert.equal(responsesBody.output?.[0]?.content?.[0]?.text, 'OK');
    assert.equal(responsesBody.model, MODEL);
  });

  test('/v1/chat/completions whole: an answer we cannot read is still a 502', async () => {
    for (const broken of [
      { ...nullUsageMessage, content: undefined },
      { ...nullUsageMessage, content: 'OK' },
      { ...nullUsageMessage, content: [{ text: 'OK' }] },
      { ...nullUsageMessage, content: ['OK'] },
    ]) {
      vendor.replayNext({ json: broken });
      const chat = await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'Say OK' }] });
      const body = (await chat.json()) as { error?: { type?: string; message?: string } };
      assert.equal(chat.status, 502, JSON.stringify([broken, body]));
      assert.match(String(body.error?.message), /not an Anthropic Message/);
    }
  });

  test('temperature above 1 (OpenAI takes 0–2) reaches an Anthropic row as 1, its highest', async () => {
    const chat = await post('/v1/chat/completions', { model: MODEL, temperature: 1.5, messages: [{ role: 'user', content: 'Say OK' }] });
    const body = (await chat.json()) as { choices?: unknown[] };
    assert.equal(chat.status, 200, JSON.stringify(body));
    assert.equal((vendor.requests.at(-1)?.body as { temperature?: unknown }).temperature, 1);

    const responses = await post('/v1/responses', { model: MODEL, temperature: 2, input: 'Say OK' });
    const responsesBody = (await responses.json()) as { temperature?: unknown };
    assert.equal(responses.status, 200, JSON.stringify(responsesBody));
    assert.equal((vendor.requests.at(-1)?.body as { temperature?: unknown }).temperature, 1);
    assert.equal(responsesBody.temperature, 2, 'the response object echoes what the client asked for');

    const within = await post('/v1/chat/completions', { model: MODEL, temperature: 0.4, messages: [{ role: 'user', content: 'Say OK' }] });
    assert.equal(within.status, 200);
    await within.text();
    assert.equal((vendor.requests.at(-1)?.body as { temperature?: unknown }).temperature, 0.4);
  });

  test('a route falling back from an OpenAI model to an Anthropic row: temperature 1.5 goes to each as it takes it', async () => {
    openai.failNext({ status: 503 });
    const chat = await post('/v1/chat/completions', { model: 'compat-route', temperature: 1.5, messages: [{ role: 'user', content: 'Say OK' }] });
    const body = (await chat.json()) as { choices?: unknown[] };
    assert.equal(chat.status, 200, JSON.stringify(body));
    assert.equal((openai.requests.at(-1)?.body as { temperature?: unknown }).temperature, 1.5);
    assert.equal((vendor.requests.at(-1)?.body as { temperature?: unknown }).temperature, 1);
  });

  test('/v1/messages/count_tokens on a server without it (404): the documented estimate, not an error', async () => {
    vendor.failNext({ status: 404, body: { type: 'error', error: { type: 'not_found_error', message: 'Not Found' } } });
    const response = await post('/v1/messages/count_tokens', { model: MODEL, messages: [{ role: 'user', content: 'Say OK, please' }] });
    const body = (await response.json()) as { input_tokens?: unknown };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.ok(typeof body.input_tokens === 'number' && body.input_tokens > 0, JSON.stringify(body));
    assert.equal(vendor.requests.at(-1)?.url, '/v1/messages/count_tokens', 'the vendor was asked first');
  });

  test("/v1/messages/count_tokens: Anthropic's own 404 for a model it does not know still reaches the client", async () => {
    vendor.failNext({ status: 404, body: { type: 'error', error: { type: 'not_found_error', message: 'model: claude-test-1' } } });
    const response = await post('/v1/messages/count_tokens', { model: MODEL, messages: [{ role: 'user', content: 'Say OK, please' }] });
    const body = (await response.json()) as { type?: unknown; error?: { type?: unknown; message?: unknown } };
    assert.equal(response.status, 404, JSON.stringify(body));
    assert.equal(body.error?.type, 'not_found_error', JSON.stringify(body));
    assert.match(String(body.error?.message), /model: claude-test-1/);
  });
});
