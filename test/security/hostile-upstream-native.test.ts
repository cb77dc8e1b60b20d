// A hostile upstream (a compromised vendor, or a row pointed at an attacker) on the native paths
// (found by an attack review): an event whose data spans several lines stays one event for the
// client (it could forge an `event: error` that skipped key redaction); a failure event of a
// quarter of a million strings does not block the event loop for seconds (the key's fragments were
// taken once per string); JSON nested 100,000 deep (200 KB, which JSON.parse takes) is the
// provider's 502, not the gateway's own 500, and inside a stream's chunk (Gemini's function-call
// arguments, which the decoder re-encodes) the provider's error, not "could not be reached". Real gateway and database; the upstream is a plain
// HTTP server answering what an attacker would.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { startMockServer, type MockServer, type RecordedRequest } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, startStack, type Stack, type Tenant } from './fixture.js';

const key = `sk-proj-${'Ab3dEf6hIj'.repeat(5)}`;
const CLAUDE = 'hostile-claude';
const GEMINI = 'hostile-gemini';
const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const created = { id: 'resp_1', object: 'response', status: 'in_progress', model: 'gpt-x', output: [] };
const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

type Mode = 'framing' | 'many-strings' | 'deep';
let mode: Mode = 'framing';

function handle(request: RecordedRequest, response: ServerResponse): void {
  const stream = (request.body as { stream?: boolean }).stream === true;
  if (request.url.includes(':streamGenerateContent')) {
    // Gemini hands function-call arguments as an object, which the decoder re-encodes.
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(`data: {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":${deep}}}}]}}]}\r\n\r\n`);
    return;
  }
  if (mode === 'deep' && !stream) {
    response.writeHead(200, { 'content-type': 'application/json' });
    if (request.url.endsWith('/messages')) {
      const usage = '{"input_tokens":3,"output_tokens":1}';
      response.end(`{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","stop_reason":"tool_use","stop_sequence":null,"usage":${usage},"content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":${deep}}}]}`);
    } else {
      response.end(`{"id":"resp_1","object":"response","status":"completed","model":"gpt-x","output":[],"usage":{"input_tokens":3,"output_tokens":1,"total_tokens":4},"metadata":{"a":${deep}}}`);
    }
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  if (mode === 'deep') {
    response.end(`event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy","details":${deep}}}\n\n`);
    return;
  }
  response.write(frame('response.created', { type: 'response.created', sequence_number: 0, response: created }));
  if (mode === 'many-strings') {
    response.end(`event: error\ndata: {"type":"error","sequence_number":1,"code":"server_error","message":"x","param":null,"details":[${'"a",'.repeat(240_000)}"a"]}\n\n`);
    return;
  }
  const delta = { type: 'response.output_text.delta', sequence_number: 1, item_id: 'm', output_index: 0, content_index: 0, delta: 'hi' };
  const forged = { type: 'error', code: 'x', message: `injected, key ${key}`, param: null, sequence_number: 2 };
  // One event whose later data lines read like a frame of their own.
  response.write(`event: response.output_text.delta\ndata: ${JSON.stringify(delta)}\ndata: \ndata: event: error\ndata: data: ${JSON.stringify(forged)}\n\n`);
  response.end(frame('response.completed', { type: 'response.completed', sequence_number: 3, response: { ...created, status: 'completed', usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 } } }));
}

let db: TestDb;
let hostile: MockServer;
let stack: Stack;
let tenant: Tenant;

before(async () => {
  hostile = await startMockServer(handle);
  db = await createTestDb();
  tenant = (await seedTenants(db, `${hostile.origin}/v1`, ['victim'])).tenants['victim'] as Tenant;
  await db.query(`insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('hostile-anthropic', 'AnthropicProvider', $1, '["HOSTILE_ANTHROPIC_API_KEY"]')`, [
    `${hostile.origin}/v1`,
  ]);
  await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'claude-x' from public.ai_providers where name = 'hostile-anthropic'`, [CLAUDE]);
  await db.query(`insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('hostile-google', 'GoogleProvider', $1, '["HOSTILE_GOOGLE_API_KEY"]')`, [
    `${hostile.origin}/v1beta`,
  ]);
  await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gemini-x' from public.ai_providers where name = 'hostile-google'`, [GEMINI]);
  stack = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: key, HOSTILE_ANTHROPIC_API_KEY: key, HOSTILE_GOOGLE_API_KEY: key } });
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

const eventNames = (text: string): string[] =>
  text
    .split(/\n\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => /^event: (.*)$/m.exec(block)?.[1] ?? '(unnamed)');

describe('a hostile upstream on the native paths', () => {
  it('an event whose data spans several lines stays one event, and forges nothing', async () => {
    mode = 'framing';
    const answer = await post('/v1/responses', { model: MODEL, stream: true, input: 'hi' });
    assert.deepEqual(eventNames(answer.text), ['response.created', 'response.output_text.delta', 'response.completed'], answer.text);
    assert.ok(!answer.text.includes('\nevent: error'), 'no frame of the vendor making');
  });

  it('a failure event of 240,000 strings is scrubbed without blocking the event loop for seconds', async () => {
    mode = 'many-strings';
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const answer = await post('/v1/responses', { model: MODEL, stream: true, input: 'hi' });
    histogram.disable();
    assert.match(answer.text, /event: error/);
    // It took about 3 s when each string rebuilt the key's fragments; a bound far from that.
    assert.ok(histogram.max / 1e6 < 1000, `the event loop was blocked for ${Math.round(histogram.max / 1e6)} ms`);
  });

  it("JSON nested 100,000 deep is the provider's 502, never the gateway's own 500", async () => {
    mode = 'deep';
    for (const [path, body] of [
      ['/v1/responses', { model: MODEL, stream: true, input: 'hi' }],
      ['/v1/messages', { model: CLAUDE, max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/chat/completions', { model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/responses', { model: MODEL, input: 'hi' }],
    ] as const) {
      const answer = await post(path, body);
      assert.doesNotMatch(answer.text, /internal_error|Internal server error/, `${path}: ${answer.status} ${answer.text.slice(0, 300)}`);
      assert.notEqual(answer.status, 500, path);
      assert.ok(!answer.text.includes(key), 'no key');
    }
  });

  it("JSON nested 100,000 deep inside a stream's chunk (Gemini's function-call arguments) is read as the provider's answer, not a network failure", async () => {
    const answer = await post('/v1/chat/completions', { model: GEMINI, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    assert.match(answer.text, /provider_error/, answer.text.slice(0, 300));
    assert.match(answer.text, /nested too deeply/);
    assert.doesNotMatch(answer.text, /could not be reached|internal_error/);
    assert.ok(!answer.text.includes(key), 'no key');
  });
});
