// Noisy neighbour (found by an attack review; fixed): a held stream keeps "at most about 32 KB for its prompt, however long. Nothing
// else of the request outlives the upstream call" (docs/usage.md). A /v1/messages stream served
// natively by an Anthropic model keeps the client's whole parsed body for the stream's life
// (serveNativeMessage awaits the pass-through with `body` in its frame, and the ledger's
// nativeEstimate closes over it), so each held native stream pins its entire prompt.
import assert from 'node:assert/strict';
import { createServer, Agent as HttpAgent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { heldHeapGrowthMB, postForStatus } from '../helpers/held-heap.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, insertTenant, startStack, type Stack, type Tenant } from './fixture.js';

const STREAMS = 8;
const PROMPT_CHARS = 3 * 1024 * 1024;
const MODEL = 'held-claude';
const KEY_VAR = 'HELD_ANTHROPIC_API_KEY';
const OPENAI_KEY_VAR = 'HELD_OPENAI_API_KEY';
const RESPONSES_MODEL = 'held-gpt';

/** An Anthropic-like upstream that discards the body, starts a stream and holds it until released. */
function startHoldingAnthropic(): Promise<{ server: Server; baseUrl: string; arrived: () => number; release: () => void }> {
  let arrived = 0;
  const waiting: (() => void)[] = [];
  const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrived += 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.url?.endsWith('/responses') === true) {
        let sequence = 0;
        const emit = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
        const response = { id: 'resp_1', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-4o-mini', output: [], usage: null };
        res.write(emit('response.created', { response }));
        res.write(emit('response.output_item.added', { output_index: 0, item: { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] } }));
        res.write(emit('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi', logprobs: [] }));
        waiting.push(() => {
          const item = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hi', annotations: [], logprobs: [] }] };
          res.write(emit('response.output_item.done', { output_index: 0, item }));
          res.end(emit('response.completed', { response: { ...response, status: 'completed', output: [item], usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 12 } } }));
        });
        return;
      }
      const usage = { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
      res.write(frame('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test-1', content: [], stop_reason: null, stop_sequence: null, usage } }));
      res.write(frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
      res.write(frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }));
      waiting.push(() => {
        res.write(frame('content_block_stop', { type: 'content_block_stop', index: 0 }));
        res.write(frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } }));
        res.end(frame('message_stop', { type: 'message_stop' }));
      });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        baseUrl: `http://127.0.0.1:${port}`,
        arrived: () => arrived,
        release: () => {
          for (const done of waiting.splice(0)) done();
        },
      });
    }),
  );
}

describe('held native streams', () => {
  let db: TestDb;
  let stack: Stack;
  let tenant: Tenant;
  let upstream: Awaited<ReturnType<typeof startHoldingAnthropic>>;
  const agent = new HttpAgent({ keepAlive: false, maxSockets: Infinity });

  before(async () => {
    upstream = await startHoldingAnthropic();
    db = await createTestDb();
    const provider = await db.query<{ id: string }>(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('held-anthropic', 'AnthropicProvider', $1, $2::jsonb) returning id`,
      [upstream.baseUrl, JSON.stringify([KEY_VAR])],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id, max_tokens) values ($1, $2, 'claude-test-1', 1024)`, [MODEL, (provider.rows[0] as { id: string }).id]);
    const openai = await db.query<{ id: string }>(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('held-openai', 'OpenAIProvider', $1, $2::jsonb) returning id`,
      [`${upstream.baseUrl}/v1`, JSON.stringify([OPENAI_KEY_VAR])],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) values ($1, $2, 'gpt-4o-mini')`, [RESPONSES_MODEL, (openai.rows[0] as { id: string }).id]);
    tenant = await insertTenant(db, 'native');
    stack = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: 'unused', [KEY_VAR]: 'sk-ant-held-0123456789', [OPENAI_KEY_VAR]: 'sk-held-openai-0123456789' } });
  });
  after(async () => {
    agent.destroy();
    await stack?.close();
    await new Promise((resolve) => upstream?.server.close(resolve));
    await db?.dispose();
  });

  const heldMB = (path: string, body: () => Buffer): Promise<number> =>
    heldHeapGrowthMB(STREAMS, upstream, () => postForStatus(stack.origin, path, tenant.apiKey, agent, body()));

  it(`${STREAMS} held /v1/messages streams with ${PROMPT_CHARS / 1024 / 1024} MiB prompts keep no more than a sample of them`, async () => {
    const messages = (content: string): Buffer => Buffer.from(JSON.stringify({ model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content }] }));
    await heldMB('/v1/messages', () => messages('warm up'));
    const short = await heldMB('/v1/messages', () => messages('hi'));
    const long = await heldMB('/v1/messages', () => messages(`${'context '.repeat(PROMPT_CHARS / 8 - 1)}${Math.random()}`));
    console.log(`heap held by ${STREAMS} native /v1/messages streams: short prompts +${short.toFixed(1)} MB, ${PROMPT_CHARS / 1024 / 1024} MiB prompts +${long.toFixed(1)} MB`);
    assert.ok(long < short + STREAMS * 1, `held native streams keep +${long.toFixed(1)} MB for their long prompts (short prompts: +${short.toFixed(1)} MB)`);
  });

  it(`${STREAMS} held /v1/responses streams (served natively) with ${PROMPT_CHARS / 1024 / 1024} MiB prompts keep no more than a sample of them`, async () => {
    const input = (content: string): Buffer => Buffer.from(JSON.stringify({ model: RESPONSES_MODEL, stream: true, input: [{ role: 'user', content }] }));
    await heldMB('/v1/responses', () => input('warm up'));
    const short = await heldMB('/v1/responses', () => input('hi'));
    const long = await heldMB('/v1/responses', () => input(`${'context '.repeat(PROMPT_CHARS / 8 - 1)}${Math.random()}`));
    console.log(`heap held by ${STREAMS} native /v1/responses streams: short prompts +${short.toFixed(1)} MB, ${PROMPT_CHARS / 1024 / 1024} MiB prompts +${long.toFixed(1)} MB`);
    assert.ok(long < short + STREAMS * 1, `held native Responses streams keep +${long.toFixed(1)} MB for their long prompts (short prompts: +${short.toFixed(1)} MB)`);
  });

  it(`${STREAMS} held /v1/responses streams served by another vendor (normalized) with ${PROMPT_CHARS / 1024 / 1024} MiB prompts keep no more than a sample of them`, async () => {
    const input = (content: string): Buffer => Buffer.from(JSON.stringify({ model: MODEL, stream: true, max_output_tokens: 64, input: [{ role: 'user', content }] }));
    await heldMB('/v1/responses', () => input('warm up'));
    const short = await heldMB('/v1/responses', () => input('hi'));
    const long = await heldMB('/v1/responses', () => input(`${'context '.repeat(PROMPT_CHARS / 8 - 1)}${Math.random()}`));
    console.log(`heap held by ${STREAMS} normalized /v1/responses streams: short prompts +${short.toFixed(1)} MB, ${PROMPT_CHARS / 1024 / 1024} MiB prompts +${long.toFixed(1)} MB`);
    assert.ok(long < short + STREAMS * 1, `held normalized Responses streams keep +${long.toFixed(1)} MB for their long prompts (short prompts: +${short.toFixed(1)} MB)`);
  });
});
