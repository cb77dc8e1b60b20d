// A hostile upstream's answer id (found by a review of the provider layer): the vendor's `id` went
// to the client as it came, in a whole answer and in every chunk of a stream (and in the Messages
// translation's message id), so an id of 100 KB made every chunk 100 KB (amplification, memory).
// An id over 256 characters is now replaced by one the gateway makes; an ordinary id is kept.
// Real gateway and database; the upstream is a plain HTTP server answering what an attacker would.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startMockServer, type MockServer, type RecordedRequest } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, startStack, type Stack, type Tenant } from './fixture.js';

const key = `sk-proj-${'Ab3dEf6hIj'.repeat(5)}`;
const CLAUDE = 'long-id-claude';
const LONG_ID = `chatcmpl-${'x'.repeat(100_000)}`;
let id = LONG_ID;

function handle(request: RecordedRequest, response: ServerResponse): void {
  const stream = (request.body as { stream?: boolean }).stream === true;
  if (request.url.endsWith('/messages')) {
    const message = { id, type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } };
    if (!stream) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(message));
      return;
    }
    const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(
      frame('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null } }) +
        frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
        ['h', 'e', 'l', 'l', 'o'].map((text) => frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })).join('') +
        frame('content_block_stop', { type: 'content_block_stop', index: 0 }) +
        frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }) +
        frame('message_stop', { type: 'message_stop' }),
    );
    return;
  }
  const usage = { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 };
  if (!stream) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id, object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }], usage }));
    return;
  }
  const chunk = (delta: unknown, finish: string | null): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.end(`${chunk({ role: 'assistant', content: '' }, null)}${['h', 'e', 'l', 'l', 'o'].map((text) => chunk({ content: text }, null)).join('')}${chunk({}, 'stop')}data: [DONE]\n\n`);
}

let db: TestDb;
let hostile: MockServer;
let stack: Stack;
let tenant: Tenant;

before(async () => {
  hostile = await startMockServer(handle);
  db = await createTestDb();
  tenant = (await seedTenants(db, `${hostile.origin}/v1`, ['victim'])).tenants['victim'] as Tenant;
  await db.query(`insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('long-id-anthropic', 'AnthropicProvider', $1, '["LONG_ID_ANTHROPIC_API_KEY"]')`, [
    `${hostile.origin}/v1`,
  ]);
  await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'claude-x' from public.ai_providers where name = 'long-id-anthropic'`, [CLAUDE]);
  stack = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: key, LONG_ID_ANTHROPIC_API_KEY: key } });
});
after(async () => {
  await stack?.close();
  await hostile?.close();
  await db?.dispose();
});

async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${stack.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

const chat = (model: string, stream: boolean) => ({ model, stream, messages: [{ role: 'user', content: 'hi' }] });
const messages = (model: string, stream: boolean) => ({ model, stream, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });

/** Every request shape the vendor's id flows into: chat (whole, stream), Responses and Messages translations. */
const calls: readonly (readonly [string, string, unknown])[] = [
  ['compatible chat, whole', '/v1/chat/completions', chat(MODEL, false)],
  ['compatible chat, stream', '/v1/chat/completions', chat(MODEL, true)],
  ['Anthropic chat, whole', '/v1/chat/completions', chat(CLAUDE, false)],
  ['Anthropic chat, stream', '/v1/chat/completions', chat(CLAUDE, true)],
  ['compatible on /v1/messages, whole', '/v1/messages', messages(MODEL, false)],
  ['compatible on /v1/messages, stream', '/v1/messages', messages(MODEL, true)],
  // An OpenAI row serves /v1/responses on the vendor's own API (passed through, nothing repeated): Claude is translated.
  ['Anthropic on /v1/responses, whole', '/v1/responses', { model: CLAUDE, input: 'hi' }],
  ['Anthropic on /v1/responses, stream', '/v1/responses', { model: CLAUDE, stream: true, input: 'hi' }],
];

describe("a hostile upstream's answer id", () => {
  it('an id over 256 characters never reaches the client: every answer and stream stays small', async () => {
    id = LONG_ID;
    for (const [name, path, body] of calls) {
      const answer = await post(path, body);
      assert.equal(answer.status, 200, `${name}: ${answer.text.slice(0, 300)}`);
      assert.ok(!answer.text.includes('x'.repeat(257)), `${name}: the vendor's long id was passed on`);
      assert.ok(answer.text.length < 20_000, `${name}: ${answer.text.length} characters`);
    }
  });

  it('an ordinary id is kept', async () => {
    id = `chatcmpl-${'y'.repeat(200)}`;
    for (const [name, path, body] of calls.filter(([, path]) => path === '/v1/chat/completions')) {
      const answer = await post(path, body);
      assert.ok(answer.text.includes(id), `${name}: the vendor's id was replaced`);
    }
  });
});
