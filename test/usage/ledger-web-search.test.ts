// Server-side web search is priced: a model row whose native_fields pass the vendor's web search
// tool ("tools.web_search": "pass") records the searches the vendor billed in the ledger row's
// `web_search_calls`, and its cost_usd = the tokens' cost + searches × `web_search_per_call` (the
// model's key over the provider's). Native /v1/messages (Anthropic's usage.server_tool_use),
// native /v1/responses (OpenAI's web_search_call items), whole and streamed, and streams the client
// cut after the searches; the translated Anthropic path (library calls) reads the same usage.
// Rows are read back from the real database: PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Queryable } from '../../src/db/db.js';
import { renderExplanation } from '../../src/cli/commands/usage-explain.js';
import { explainUsage } from '../../src/usage/reports/usage-explain.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { collect, user } from '../library/library-harness.js';
import { expectedCostPico, pricingJson, PRICES, rowBuckets, scaled, type LedgerRow } from './ledger-harness.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';

const ANTHROPIC_KEY = 'sk-ant-websearch-0123456789abcdef';
const OPENAI_KEY = 'sk-websearch-0123456789abcdef';
const CLAUDE = 'ws-claude';
const GPT = 'ws-gpt';
/** The model row's own search price (Claude), and the provider rows' (used by GPT, whose row has none). */
const MODEL_SEARCH_PRICE = '0.01';
const PROVIDER_SEARCH_PRICE = '0.025';
const PASS_WEB_SEARCH = JSON.stringify({ native_fields: { 'tools.web_search': 'pass' } });
const webSearchTool = { type: 'web_search_20250305', name: 'web_search', max_uses: 5 };
const fixtures = new URL('../fixtures/anthropic/', import.meta.url);

interface SearchRow extends LedgerRow {
  endpoint: string;
  web_search_calls: number;
}

describe('web search in the ledger', () => {
  let db: TestDb;
  let anthropic: AnthropicMock;
  let openai: OpenAIMock;
  let served: Served;
  let tenant: Tenant;

  before(async () => {
    [anthropic, openai] = await Promise.all([startAnthropicMock({ apiKeys: [ANTHROPIC_KEY] }), startOpenAIMock({ apiKeys: [OPENAI_KEY] })]);
    db = await createTestDb();
    const providerPricing = pricingJson({ web_search_per_call: PROVIDER_SEARCH_PRICE });
    for (const [name, className, baseUrl, envVar] of [
      ['ws-anthropic', 'AnthropicProvider', anthropic.baseUrl, 'WS_ANTHROPIC_API_KEY'],
      ['ws-openai', 'OpenAIProvider', openai.baseUrl, 'WS_OPENAI_API_KEY'],
    ] as const) {
      await db.query(
        `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, pricing) values ($1, $2, $3, $4::jsonb, $5::jsonb)`,
        [name, className, baseUrl, JSON.stringify([envVar]), JSON.stringify(providerPricing)],
      );
    }
    const models: [string, string, string, Record<string, unknown>][] = [
      [CLAUDE, 'ws-anthropic', 'claude-test-1', pricingJson({ ...PRICES, web_search_per_call: MODEL_SEARCH_PRICE })],
      [GPT, 'ws-openai', 'gpt-4o-mini', pricingJson(PRICES)],
    ];
    for (const [name, provider, modelId, pricing] of models) {
      await db.query(
        `insert into public.ai_models (name, provider_id, model_id, max_tokens, features, pricing)
         select $1, id, $3, 1024, $4::jsonb, $5::jsonb from public.ai_providers where name = $2`,
        [name, provider, modelId, PASS_WEB_SEARCH, JSON.stringify(pricing)],
      );
    }
    tenant = await insertTenant(db, 'web-search');
    served = await serveSwitchboard(db, { env: { WS_ANTHROPIC_API_KEY: ANTHROPIC_KEY, WS_OPENAI_API_KEY: OPENAI_KEY }, usage: { flushIntervalMs: 20 } });
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await anthropic?.close();
    await openai?.close();
  });

  const post = (path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> =>
    fetch(`${served.origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    });

  /** The ledger row of `requestId`, once written. */
  async function rowOf(requestId: string): Promise<SearchRow> {
    for (let tries = 0; tries < 100; tries += 1) {
      await served.switchboard.service.usage?.flush();
      const found = await searchRows(db, 'request_id = $1', [requestId]);
      if (found[0] !== undefined) return found[0];
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ledger row for ${requestId}`);
  }

  /** The row's cost as the test computes it: every bucket at PRICES, plus searches × `searchPrice`. */
  function assertCost(row: SearchRow, searches: number, searchPrice: string): void {
    assert.equal(row.web_search_calls, searches);
    const expected = expectedCostPico(rowBuckets(row), PRICES) + BigInt(searches) * scaled(searchPrice, 12);
    assert.equal(scaled(row.cost_usd ?? 'null', 12), expected, `cost of ${row.request_id}: ${row.cost_usd}`);
  }

  test('/v1/messages on Anthropic, whole and streamed: the searches usage.server_tool_use reports, at the model row\'s price', async () => {
    for (const stream of [false, true]) {
      const response = await post('/v1/messages', {
        model: CLAUDE,
        max_tokens: 256,
        stream,
        tools: [webSearchTool],
        messages: [{ role: 'user', content: 'search the news then search the weather' }],
      });
      assert.equal(response.status, 200);
      const text = await response.text();
      // What the client got: two searches (Anthropic's blocks) and the usage that counts them.
      assert.equal(text.split('"type":"server_tool_use"').length - 1, 2, text.slice(0, 400));
      assert.match(text, /"server_tool_use":\{"web_search_requests":2/);
      const row = await rowOf(response.headers.get('x-request-id') ?? '');
      assert.deepEqual([row.endpoint, row.streamed, row.status, row.usage_source], ['messages', stream, 200, 'provider']);
      assert.ok(Number(row.input_tokens) > 0 && Number(row.output_tokens) > 0);
      assertCost(row, 2, MODEL_SEARCH_PRICE);
    }
    // The tool's max_uses caps the searches the vendor runs (and bills).
    const capped = await post('/v1/messages', {
      model: CLAUDE,
      max_tokens: 256,
      tools: [{ ...webSearchTool, max_uses: 1 }],
      messages: [{ role: 'user', content: 'search this search that search more' }],
    });
    assert.equal(capped.status, 200);
    await capped.text();
    assertCost(await rowOf(capped.headers.get('x-request-id') ?? ''), 1, MODEL_SEARCH_PRICE);
  });

  test('/v1/messages stream cut by the client after two searches: the searches seen are charged with the estimated tokens', async () => {
    // Each search streams 3 input_json_delta events; the mock stops before the first text delta.
    anthropic.hangNextStream({ afterChunks: 6 });
    const controller = new AbortController();
    const response = await post(
      '/v1/messages',
      { model: CLAUDE, max_tokens: 256, stream: true, tools: [webSearchTool], messages: [{ role: 'user', content: 'search one and search two' }] },
      controller.signal,
    );
    assert.equal(response.status, 200);
    const requestId = response.headers.get('x-request-id') ?? '';
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (text.split('"type":"web_search_tool_result"').length - 1 < 2) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended before the second search result');
      text += decoder.decode(value, { stream: true });
    }
    assert.doesNotMatch(text, /message_delta/);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    const row = await rowOf(requestId);
    assert.deepEqual([row.status, row.incomplete, row.usage_source], [499, true, 'estimated']);
    assertCost(row, 2, MODEL_SEARCH_PRICE);
  });

  test("/v1/responses on OpenAI, whole and streamed: one search per web_search_call item, at the provider row's price", async () => {
    for (const stream of [false, true]) {
      const response = await post('/v1/responses', { model: GPT, stream, input: 'search for this and search for that', tools: [{ type: 'web_search' }] });
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.ok(text.includes('"type":"web_search_call"'), text.slice(0, 400));
      const row = await rowOf(response.headers.get('x-request-id') ?? '');
      assert.deepEqual([row.endpoint, row.streamed, row.status, row.usage_source], ['responses', stream, 200, 'provider']);
      assertCost(row, 2, PROVIDER_SEARCH_PRICE);
      // `usage explain` shows the searches as their own line and sums to the stored cost.
      const explanation = await explainUsage(db, row.request_id);
      const attempt = explanation.attempts[0];
      assert.equal(attempt?.matches, true);
      assert.match(renderExplanation(explanation), /\n {2}web_search +2 searches +0\.025\/search +provider +0\.05\n/);
      assert.equal(attempt?.web_search_calls, 2);
      assert.deepEqual(
        attempt?.buckets.filter((bucket) => bucket.bucket === 'web_search'),
        [{ bucket: 'web_search', tokens: 2, price_per_mtok: PROVIDER_SEARCH_PRICE, price_from: 'provider', cost_usd: '0.05' }],
      );
    }
    // No web search tool, no search: the row costs its tokens only.
    const plain = await post('/v1/responses', { model: GPT, input: 'search nothing here' });
    assert.equal(plain.status, 200);
    await plain.text();
    assertCost(await rowOf(plain.headers.get('x-request-id') ?? ''), 0, PROVIDER_SEARCH_PRICE);
  });

  test('/v1/responses stream cut before response.completed: the web_search_call items seen are charged', async () => {
    openai.hangNextStream({ afterChunks: 0 });
    const controller = new AbortController();
    const response = await post('/v1/responses', { model: GPT, stream: true, input: 'search here and search there', tools: [{ type: 'web_search' }] }, controller.signal);
    assert.equal(response.status, 200);
    const requestId = response.headers.get('x-request-id') ?? '';
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: response.output_text.done\n')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended before the text was done');
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);
    const row = await rowOf(requestId);
    assert.deepEqual([row.status, row.incomplete, row.usage_source], [499, true, 'estimated']);
    assertCost(row, 2, PROVIDER_SEARCH_PRICE);
  });

  test("the translated Anthropic path (library chat and stream) reads the same usage: Anthropic's recorded web search answers", async () => {
    const { switchboard } = served;
    const context = { projectId: tenant.id };
    anthropic.replayNext({ json: JSON.parse(await readFile(new URL('message-web-search.json', fixtures), 'utf8')) as unknown });
    const whole = await switchboard.chat({ model: CLAUDE, messages: [user('When was Claude Shannon born?')] }, { ...context, requestId: 'ws-translated-whole' });
    assert.equal(whole.usage.webSearchCalls, 2);
    assert.match(whole.choices[0]?.content ?? '', /Petoskey, Michigan\.$/);
    anthropic.replayNext({ sse: await readFile(new URL('stream-web-search.chunks.txt', fixtures), 'utf8') });
    const parts = await collect(switchboard.stream({ model: CLAUDE, messages: [user('When was Claude Shannon born?')] }, { ...context, requestId: 'ws-translated-stream' }));
    const finish = parts.at(-1);
    assert.equal(finish?.type === 'finish' ? finish.usage.webSearchCalls : undefined, 2);
    for (const [requestId, streamed] of [['ws-translated-whole', false], ['ws-translated-stream', true]] as const) {
      const row = await rowOf(requestId);
      assert.deepEqual([row.endpoint, row.streamed, row.input_tokens, row.output_tokens], ['chat', streamed, '6039', '931']);
      assertCost(row, 2, MODEL_SEARCH_PRICE);
    }
    // The same stream broken off before its message_delta: the two searches it showed are charged
    // with the estimated output (the input is message_start's).
    const sse = await readFile(new URL('stream-web-search.chunks.txt', fixtures), 'utf8');
    anthropic.replayNext({ sse: sse.slice(0, sse.indexOf('event: message_delta')) });
    const cut = await collect(switchboard.stream({ model: CLAUDE, messages: [user('When was Claude Shannon born?')] }, { ...context, requestId: 'ws-translated-cut' }));
    assert.equal(cut.at(-1)?.type, 'error');
    const row = await rowOf('ws-translated-cut');
    assert.deepEqual([row.status, row.incomplete, row.usage_source, row.input_tokens], [502, true, 'estimated', '6039']);
    assertCost(row, 2, MODEL_SEARCH_PRICE);
  });

  test('/metrics counts the searches of the recorded rows per project and model, as the ledger does', async () => {
    await served.switchboard.service.usage?.flush();
    const text = await (await fetch(`${served.origin}/metrics`)).text();
    for (const model of [CLAUDE, GPT]) {
      const ledger = await db.query<{ searches: string }>(
        'select coalesce(sum(web_search_calls), 0)::text as searches from public.ai_usage where project_id = $1 and model_name = $2',
        [tenant.id, model],
      );
      const searches = Number(ledger.rows[0]?.searches);
      assert.ok(searches > 0, `${model} has searches in the ledger`);
      const line = new RegExp(`^switchboard_usage_web_search_calls_total\\{project="${tenant.name}",model="${model}"\\} (\\d+)$`, 'm').exec(text);
      assert.equal(Number(line?.[1]), searches, `${model}: ${line?.[0] ?? 'no line'}`);
    }
  });
});

async function searchRows(db: Queryable, where: string, params: string[]): Promise<SearchRow[]> {
  const result = await db.query<SearchRow>(
    `select request_id, model_name, endpoint, streamed, status, incomplete, usage_source, input_tokens::text, cached_input_tokens::text,
            cache_write_5m_tokens::text, cache_write_1h_tokens::text, output_tokens::text, reasoning_tokens::text, raw_usage,
            cost_usd::text, price_id::text, project_id, ttft_ms, upstream_ms, web_search_calls
       from public.ai_usage where ${where} order by id`,
    params,
  );
  return result.rows;
}
