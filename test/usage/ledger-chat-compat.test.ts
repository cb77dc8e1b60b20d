// Chat answers from OpenAI-compatible servers that are no answer (a CustomProvider row pointed at
// them): vLLM sends only `data: [DONE]` when it fails before the first token, and vLLM, LiteLLM
// proxies and OpenRouter may answer HTTP 200 with an `{"error": …}` body. The stream was a complete,
// empty answer: a 200 and a success row on a direct call, and on a route an empty answer (the last
// target's was the client's). Through the real openai SDK; the ledger rows are read back from the
// real database: PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { pricingJson, PRICES } from './ledger-harness.js';
import { sendJson, sendSse, startMockServer, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { createRoute } from '../routing/routing-harness.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';

const BROKEN = 'compat-vllm';
const WORKING = 'compat-vllm-fallback';
const ROUTE = 'compat-vllm-route';

interface WireBody {
  model: string;
  stream?: boolean;
}

/** A chat completion of the working model, or its stream, in the server's wire format. */
async function answer(response: Parameters<Parameters<typeof startMockServer>[0]>[1], body: WireBody): Promise<void> {
  const base = { id: 'cmpl-9f2c', created: 1_775_000_000, model: body.model };
  const usage = { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 };
  if (body.stream !== true) {
    sendJson(response, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Sunny.' }, finish_reason: 'stop' }], usage });
    return;
  }
  const frames = [
    { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: 'Sunny.' }, finish_reason: null }] },
    { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage },
  ];
  await sendSse(response, [...frames.map((frame) => `data: ${JSON.stringify(frame)}\n\n`), 'data: [DONE]\n\n']);
}

describe('chat answers that are no answer, from OpenAI-compatible servers', () => {
  let db: TestDb;
  let vendor: MockServer;
  let served: Served;
  let tenant: Tenant;
  let client: OpenAI;

  before(async () => {
    vendor = await startMockServer(async (request, response) => {
      assert.equal(request.url, '/v1/chat/completions');
      const body = request.body as WireBody;
      if (body.model === 'qwen3-8b') return answer(response, body);
      // vLLM failing before the first token: the stream's end alone; a proxy's error in a 200.
      if (body.stream === true) return sendSse(response, ['data: [DONE]\n\n']);
      return sendJson(response, 200, { error: { message: 'CUDA out of memory', type: 'InternalServerError', code: 500 } });
    });
    db = await createTestDb();
    await db.query(`insert into public.ai_providers (name, provider_class, api_base_url) values ('compat-vllm', 'CustomProvider', $1)`, [`${vendor.origin}/v1`]);
    for (const [name, modelId] of [[BROKEN, 'llama-3.1-8b'], [WORKING, 'qwen3-8b']] as const) {
      await db.query(
        `insert into public.ai_models (name, provider_id, model_id, pricing)
         select $1, id, $2, $3::jsonb from public.ai_providers where name = 'compat-vllm'`,
        [name, modelId, JSON.stringify(pricingJson(PRICES))],
      );
    }
    // Default accepts: a target's failure (or empty answer) goes to the next one.
    await createRoute(db, ROUTE, { [BROKEN]: [1, 0], [WORKING]: [1, 1] });
    tenant = await insertTenant(db, 'chat-compat');
    served = await serveSwitchboard(db, { usage: { flushIntervalMs: 20 } });
    client = new OpenAI({ apiKey: tenant.apiKey, baseURL: `${served.origin}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await vendor?.close();
  });

  /** The request's ledger rows, once `count` are written: model, status, error code, streamed. */
  async function rowsOf(requestId: string | null | undefined, count: number): Promise<unknown[][]> {
    for (let tries = 0; tries < 100; tries += 1) {
      await served.switchboard.service.usage?.flush();
      const found = await db.query<{ model_name: string; status: number; error_code: string | null; streamed: boolean }>(
        `select model_name, status, error_code, streamed from public.ai_usage where request_id = $1 order by attempt`,
        [requestId ?? ''],
      );
      if (found.rows.length >= count) return found.rows.map((row) => [row.model_name, row.status, row.error_code, row.streamed]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ledger rows for ${requestId}`);
  }

  const messages = [{ role: 'user' as const, content: 'weather in paris' }];

  test("a stream of only [DONE], called directly: the provider's 502 before any byte, and an error row", async () => {
    const failure = await client.chat.completions.create({ model: BROKEN, messages, stream: true }).catch((error: unknown) => error);
    assert.ok(failure instanceof OpenAI.APIError, String(failure));
    assert.deepEqual([failure.status, failure.code], [502, 'provider_error']);
    assert.deepEqual(await rowsOf(failure.headers?.get('x-request-id'), 1), [[BROKEN, 502, 'provider_error', true]]);
  });

  test('a stream of only [DONE] on a route: the next target serves, the failed attempt an error row', async () => {
    const { data, response } = await client.chat.completions.create({ model: ROUTE, messages, stream: true }).withResponse();
    let text = '';
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Sunny.');
    assert.equal(response.headers.get('x-switchboard-target'), WORKING);
    assert.deepEqual(await rowsOf(response.headers.get('x-request-id'), 2), [
      [BROKEN, 502, 'provider_error', true],
      [WORKING, 200, null, true],
    ]);
  });

  test('a 200 answer with an {"error": …} body on a route: the next target serves; called directly, the vendor message', async () => {
    const { data, response } = await client.chat.completions.create({ model: ROUTE, messages }).withResponse();
    assert.equal(data.choices[0]?.message.content, 'Sunny.');
    assert.deepEqual(await rowsOf(response.headers.get('x-request-id'), 2), [
      [BROKEN, 500, 'provider_error', false],
      [WORKING, 200, null, false],
    ]);
    const failure = await client.chat.completions.create({ model: BROKEN, messages }).catch((error: unknown) => error);
    assert.ok(failure instanceof OpenAI.APIError, String(failure));
    // Its code 500 is its status (since 2026-12-08; a 502 before).
    assert.equal(failure.message, "500 Provider 'compat-vllm' answered HTTP 200 with an error: CUDA out of memory (type InternalServerError, code 500)");
    assert.deepEqual(await rowsOf(failure.headers?.get('x-request-id'), 1), [[BROKEN, 500, 'provider_error', false]]);
  });
});
