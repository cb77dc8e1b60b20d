// The ledger row says what the client got (found by a review of the ledger against the answers).
// Calls the gateway itself failed after the vendor answered were recorded as something else:
// - a translated /v1/responses stream the gateway cut at its size bound (the final event holds the
//   whole output) was a 499 `incomplete` row, as if the client had gone away, while the client got
//   `provider_error` and response.failed;
// - a chat stream whose chunk the gateway could not encode (logprobs nested too deeply) was a 499
//   too, while the client got the provider's error event;
// - a whole answer with such logprobs was answered 502, yet its row kept status 200 (and so did a
//   whole answer of OpenAI's Responses API, passed through, nested too deeply to re-encode); a
//   whole native /v1/messages answer (Anthropic, passed through) nested too deeply was the
//   gateway's own 500;
// - a /v1/messages tool turn of another vendor with its arguments cut off, the provider's 502 to
//   the client since 2026-12-07 (test/e2e/messages-translation-hostile.test.ts), is 502 in its row
//   too, whole or streamed;
// - a /v1/responses tool turn of another vendor with its arguments cut off was response.completed
//   with the cut arguments (whole: a 200 with a runnable function_call), and its row said 200; it
//   is the provider's 502 now (response.failed when streamed), in the row too;
// - Gemini's embed API reports no token count: the client was told prompt_tokens 0 while the ledger
//   charged an estimate.
// Each row now carries the status and code the client received. A loopback OpenAI-compatible
// upstream (a CustomProvider row) and the library's strict Gemini mock; the gateway's held-output
// bound lowered to 64 KiB so the stream stays small (the same code path as 32 MiB).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { ledgerRows, startLedgerStack, type LedgerStack } from './ledger-harness.js';

const MODEL = 'outcome-model';
const NATIVE_MODEL = 'outcome-native';
const CLAUDE_MODEL = 'outcome-claude';
const HELD_BYTES = 64 * 1024;
const DEEP = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const DELTA = 'text the final event of a response holds. '.repeat(100);
const chunk = (choice: string): string => `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[${choice}]}\n\n`;
const textChunk = (text: string, extra = ''): string => chunk(`{"index":0,"delta":{"content":${JSON.stringify(text)}}${extra},"finish_reason":null}`);

interface OutcomeRow {
  status: number;
  error_code: string | null;
  incomplete: boolean;
  usage_source: string;
  output_tokens: number;
}

describe('the ledger row of an answer the gateway failed says what the client got', () => {
  let db: TestDb;
  let upstream: MockServer;
  let switchboard: Switchboard;
  let gateway: Gateway;
  let origin: string;
  let tenant: Tenant;

  before(async () => {
    upstream = await startMockServer((request, response) => {
      if (request.url.endsWith('/responses')) {
        // OpenAI's own Responses API, passed through: an answer whose metadata is nested too deeply to re-encode.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`{"id":"resp_1","object":"response","status":"completed","model":"gpt-x","output":[],"usage":{"input_tokens":3,"output_tokens":1,"total_tokens":4},"metadata":{"a":${DEEP}}}`);
        return;
      }
      if (request.url.endsWith('/messages')) {
        // Anthropic's Messages API, passed through on /v1/messages: a tool input nested too deeply to re-encode.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1},"content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":${DEEP}}}]}`);
        return;
      }
      const body = request.body as { stream?: boolean; messages: { content: unknown }[] };
      const prompt = JSON.stringify(body.messages);
      if (prompt.includes('cut-args')) {
        // A tool turn whose arguments are cut off (served to /v1/messages: the provider's 502).
        const call = (args: string): string => `{"index":0,"id":"call_1","type":"function","function":{"name":"remove","arguments":${JSON.stringify(args)}}}`;
        const usage = '"usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9}';
        if (body.stream !== true) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[${call('{"paths":["/tmp/a","/"')}]},"finish_reason":"tool_calls"}],${usage}}`);
          return;
        }
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(chunk(`{"index":0,"delta":{"role":"assistant","tool_calls":[${call('{"paths":["/tmp/a","/"')}]},"finish_reason":null}`));
        response.end(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],${usage}}\n\ndata: [DONE]\n\n`);
        return;
      }
      if (body.stream !== true) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"logprobs":{"content":${DEEP}},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(chunk('{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}'));
      // Deep logprobs mid-stream, or 40 × 4 KiB of text (past the 64 KiB held bound).
      if (prompt.includes('deep')) response.write(textChunk(' there', `,"logprobs":{"content":${DEEP}}`));
      else for (let index = 0; index < 40; index++) response.write(textChunk(DELTA));
      response.end(`${chunk('{"index":0,"delta":{},"finish_reason":"stop"}')}data: [DONE]\n\n`);
    });
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, pricing)
       values ('outcome-upstream', 'CustomProvider', $1, '[]'::jsonb, '{"input_per_mtok": 1, "output_per_mtok": 1}'::jsonb)`,
      [`${upstream.origin}/v1`],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'm' from public.ai_providers where name = 'outcome-upstream'`, [MODEL]);
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('outcome-openai', 'OpenAIProvider', $1, '["OUTCOME_OPENAI_API_KEY"]'::jsonb)`,
      [`${upstream.origin}/v1`],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o' from public.ai_providers where name = 'outcome-openai'`, [NATIVE_MODEL]);
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('outcome-anthropic', 'AnthropicProvider', $1, '["OUTCOME_ANTHROPIC_API_KEY"]'::jsonb)`,
      [`${upstream.origin}/v1`],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'claude-x' from public.ai_providers where name = 'outcome-anthropic'`, [CLAUDE_MODEL]);
    tenant = await insertTenant(db, 'ledger-outcome');
    const env = { OUTCOME_OPENAI_API_KEY: 'sk-outcome-0123456789abcdef', OUTCOME_ANTHROPIC_API_KEY: 'sk-ant-outcome-0123456789abcdef' };
    switchboard = await createSwitchboard({ db, env, migrate: false, pollMs: 0, listen: false, usage: { flushIntervalMs: 20 } });
    const config = Object.freeze({ ...loadConfig({}), upstreamMaxResponseBytes: HELD_BYTES, env: {} });
    gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config });
    const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    await gateway?.close();
    await switchboard?.close();
    await upstream?.close();
    await db?.dispose();
  });

  async function post(path: string, body: Record<string, unknown>, requestId: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  async function rowOf(requestId: string): Promise<OutcomeRow> {
    await switchboard.service.usage?.flush();
    const result = await db.query<OutcomeRow>(
      `select status, error_code, incomplete, usage_source, output_tokens::int from public.ai_usage where request_id = $1`,
      [requestId],
    );
    assert.equal(result.rows.length, 1, `one row for ${requestId}`);
    return result.rows[0] as OutcomeRow;
  }

  test('a /v1/responses stream cut at the held-output bound: 502 provider_error, incomplete, its text charged', async () => {
    const answer = await post('/v1/responses', { model: MODEL, stream: true, input: 'write' }, 'outcome-responses-cut');
    assert.equal(answer.status, 200);
    assert.match(answer.text, /event: error\n.*"code":"provider_error".*SWITCHBOARD_UPSTREAM_MAX_RESPONSE_BYTES/);
    assert.match(answer.text, /event: response\.failed\n/);
    const row = await rowOf('outcome-responses-cut');
    assert.deepEqual([row.status, row.error_code, row.incomplete, row.usage_source], [502, 'provider_error', true, 'estimated'], JSON.stringify(row));
    assert.ok(row.output_tokens > 1000, `the text sent is charged: ${row.output_tokens}`);
  });

  test("a chat stream whose chunk cannot be encoded (logprobs too deep): the provider's 502 in the row as in the error event", async () => {
    const answer = await post('/v1/chat/completions', { model: MODEL, stream: true, logprobs: true, messages: [{ role: 'user', content: 'deep' }] }, 'outcome-chat-deep');
    assert.equal(answer.status, 200);
    assert.match(answer.text, /"code":"provider_error"/);
    const row = await rowOf('outcome-chat-deep');
    assert.deepEqual([row.status, row.error_code, row.incomplete], [502, 'provider_error', true], JSON.stringify(row));
  });

  test('a whole answer whose logprobs are too deep: 502 to the client and in the row', async () => {
    const answer = await post('/v1/chat/completions', { model: MODEL, logprobs: true, messages: [{ role: 'user', content: 'deep' }] }, 'outcome-whole-deep');
    assert.equal(answer.status, 502, answer.text);
    const row = await rowOf('outcome-whole-deep');
    // The vendor answered, and bills, the call: its usage stays in the row.
    assert.deepEqual([row.status, row.error_code, row.usage_source, row.output_tokens], [502, 'provider_error', 'provider', 1], JSON.stringify(row));
  });

  test("a whole native /v1/responses answer nested too deeply to re-encode: the provider's 502 in the row too", async () => {
    const answer = await post('/v1/responses', { model: NATIVE_MODEL, input: 'hi' }, 'outcome-native-deep');
    assert.equal(answer.status, 502, answer.text);
    const row = await rowOf('outcome-native-deep');
    assert.deepEqual([row.status, row.error_code, row.usage_source, row.output_tokens], [502, 'provider_error', 'provider', 1], JSON.stringify(row));
  });

  test("a /v1/messages tool turn whose arguments are cut off, whole and streamed: the provider's 502 in the row too", async () => {
    const body = { model: MODEL, max_tokens: 16, tools: [{ name: 'remove', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'cut-args' }] };
    const whole = await post('/v1/messages', body, 'outcome-messages-cut-args');
    assert.equal(whole.status, 502, whole.text);
    const streamed = await post('/v1/messages', { ...body, stream: true }, 'outcome-messages-cut-args-stream');
    assert.match(streamed.text, /event: error\n.*"api_error".*cut off or not a complete JSON object/);
    assert.doesNotMatch(streamed.text, /message_delta/);
    for (const requestId of ['outcome-messages-cut-args', 'outcome-messages-cut-args-stream']) {
      const row = await rowOf(requestId);
      // The vendor answered, and bills, the call: its usage stays in the row.
      assert.deepEqual([row.status, row.error_code, row.usage_source, row.output_tokens], [502, 'provider_error', 'provider', 4], `${requestId}: ${JSON.stringify(row)}`);
    }
  });

  test("a /v1/responses tool turn whose arguments are cut off, whole and streamed: the provider's 502, in the row too", async () => {
    const body = { model: MODEL, tools: [{ type: 'function', name: 'remove', parameters: { type: 'object' } }], input: 'cut-args' };
    const whole = await post('/v1/responses', body, 'outcome-responses-cut-args');
    assert.equal(whole.status, 502, whole.text);
    const error = (JSON.parse(whole.text) as { error: { type: string; code: string; message: string } }).error;
    assert.equal(error.code, 'provider_error');
    assert.match(error.message, /'remove' cut off or not a complete JSON object/);
    const streamed = await post('/v1/responses', { ...body, stream: true }, 'outcome-responses-cut-args-stream');
    assert.match(streamed.text, /event: error\n.*"provider_error".*cut off or not a complete JSON object/);
    assert.match(streamed.text, /event: response\.failed\n/);
    assert.doesNotMatch(streamed.text, /response\.completed|function_call_arguments\.done/);
    for (const requestId of ['outcome-responses-cut-args', 'outcome-responses-cut-args-stream']) {
      const row = await rowOf(requestId);
      assert.deepEqual([row.status, row.error_code, row.usage_source, row.output_tokens], [502, 'provider_error', 'provider', 4], `${requestId}: ${JSON.stringify(row)}`);
    }
  });

  test("a whole native /v1/messages answer nested too deeply to re-encode: the provider's 502 to the client and in the row", async () => {
    const answer = await post('/v1/messages', { model: CLAUDE_MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, 'outcome-messages-deep');
    assert.equal(answer.status, 502, answer.text);
    assert.match(answer.text, /nested too deeply/);
    const row = await rowOf('outcome-messages-deep');
    assert.deepEqual([row.status, row.error_code, row.usage_source, row.output_tokens], [502, 'provider_error', 'provider', 1], JSON.stringify(row));
  });
});

describe("an embeddings call whose vendor reports no count (Gemini's embed API)", () => {
  let stack: LedgerStack;
  before(async () => {
    stack = await startLedgerStack();
  });
  after(async () => {
    await stack?.close();
  });

  test('the caller is told the count the ledger charges', async () => {
    const input = ['the quarterly report and its figures', 'a second passage to embed, somewhat longer than the first one'];
    const response = await stack.switchboard.embed({ model: 'lib-gemini-embed', input }, { requestId: 'outcome-gemini-embed' });
    await stack.switchboard.service.usage?.flush();
    const [row] = await ledgerRows(stack.db, `request_id = $1`, ['outcome-gemini-embed']);
    assert.equal(row?.usage_source, 'estimated');
    assert.ok(Number(row.input_tokens) > 10, row.input_tokens);
    assert.equal(response.usage.inputTokens, Number(row.input_tokens));
  });
});
