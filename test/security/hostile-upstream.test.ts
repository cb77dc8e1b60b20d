// A hostile upstream: a provider host that echoes the tenant's key back in every spelling and
// place it can (error `param`, `code`, message; whole, prefix, suffix, base64; inside a stream), and
// that answers without end (a huge JSON answer, an SSE line that never ends). Through the real
// stack: no fragment of the key reaches a client response, a log line or /metrics, and the
// oversized answers end quickly as provider_error with the upstream connection cut.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startMockServer, type MockServer, type RecordedRequest } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, startStack, type Stack, type Tenant } from './fixture.js';

// No vendor prefix: only the fragment rules (not the key patterns) can catch it.
const key = `tenant${randomBytes(20).toString('hex')}`;
const base64 = Buffer.from(key).toString('base64');
const MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_EVENT_BYTES = 64 * 1024;
const CLAUDE = 'sec-claude';

/** Every 8-character run of the key and of its base64 forms: any of them in captured text is a leak. */
function fragments(): Set<string> {
  const set = new Set<string>();
  const bytes = Buffer.from(key);
  for (const form of [key, bytes.toString('base64'), bytes.toString('base64url')]) {
    for (let index = 0; index + 8 <= form.length; index++) set.add(form.slice(index, index + 8));
  }
  return set;
}

function leaks(text: string, set: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (let index = 0; index + 8 <= text.length; index++) {
    const window = text.slice(index, index + 8);
    if (set.has(window)) found.push(window);
  }
  return found;
}

/** What the hostile host does, chosen by the last user message. */
const errorBodies: Record<string, { status: number; body: unknown }> = {
  param: { status: 400, body: { error: { message: 'Invalid parameter', type: 'invalid_request_error', param: key, code: 'invalid_value' } } },
  'param-path': { status: 400, body: { error: { message: 'Invalid parameter', type: 'invalid_request_error', param: `messages[0].${key}`, code: null } } },
  code: { status: 400, body: { error: { message: 'Invalid', type: key, param: null, code: key } } },
  whole: { status: 400, body: { error: { message: `Your key ${key} cannot use this model`, type: 'invalid_request_error', param: null, code: null } } },
  prefix: { status: 429, body: { error: { message: `Rate limit for key ${key.slice(0, 14)}…`, type: 'requests', param: null, code: 'rate_limit_exceeded' } } },
  suffix: { status: 500, body: { error: { message: `key …${key.slice(-12)} failed`, type: 'server_error', param: null, code: null } } },
  base64: { status: 400, body: { error: { message: `token ${base64} refused`, type: 'invalid_request_error', param: null, code: null } } },
  masked: { status: 400, body: { error: { message: `key ${key.slice(0, 9)}****${key.slice(-9)} refused`, type: 'invalid_request_error', param: null, code: null } } },
};

describe('a hostile upstream', () => {
  let db: TestDb;
  let hostile: MockServer;
  let stack: Stack;
  let tenant: Tenant;
  /** Bytes the hostile host managed to write per mode before the gateway hung up. */
  const written: Record<string, number> = {};
  const captured: { label: string; text: string }[] = [];

  async function endless(mode: string, response: ServerResponse, head: Record<string, string>, opening: string, piece: string, total: number): Promise<void> {
    response.writeHead(200, head);
    written[mode] = 0;
    response.write(opening);
    while (written[mode] < total && !response.destroyed) {
      const ok = response.write(piece);
      written[mode] += piece.length;
      if (!ok) await new Promise<void>((resolve) => {
        const done = (): void => {
          response.off('drain', done);
          response.off('close', done);
          resolve();
        };
        response.on('drain', done);
        response.on('close', done);
      });
    }
    if (!response.destroyed) response.end(mode === 'huge' ? '"}}]}' : '\n\n');
  }

  /** The native streams: Anthropic's `event: error`, the Responses API's `error` and `response.failed`. */
  function nativeFailure(request: RecordedRequest, response: ServerResponse): boolean {
    const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    if (request.url.endsWith('/messages')) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const usage = { input_tokens: 3, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
      response.write(frame('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, stop_sequence: null, usage } }));
      response.end(frame('error', { type: 'error', error: { type: 'overloaded_error', message: `overloaded for key ${key}` }, request_id: `req ${key.slice(2, 30)}` }));
      return true;
    }
    if (!request.url.endsWith('/responses')) return false;
    const mode = (request.body as { input?: unknown }).input;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const created = { id: 'resp_1', object: 'response', status: 'in_progress', model: 'gpt-x', output: [] };
    response.write(frame('response.created', { type: 'response.created', sequence_number: 0, response: created }));
    if (mode === 'failed') {
      const failed = { ...created, status: 'failed', output: [{ type: 'message', content: [{ type: 'output_text', text: 'partial answer' }] }], error: { code: 'server_error', message: `failed with ${base64}` } };
      response.end(frame('response.failed', { type: 'response.failed', sequence_number: 1, response: failed }));
    } else {
      response.end(frame('error', { type: 'error', sequence_number: 1, code: key, message: `bad key …${key.slice(-12)}`, param: null }));
    }
    return true;
  }

  async function handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    if (nativeFailure(request, response)) return;
    const body = request.body as { messages: { content: string }[]; stream?: boolean };
    const mode = body.messages.at(-1)?.content ?? '';
    const failure = errorBodies[mode];
    if (failure) {
      response.writeHead(failure.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(failure.body));
      return;
    }
    const piece = 'x'.repeat(64 * 1024);
    if (mode === 'huge') {
      // A valid JSON answer of 64 MiB.
      return endless(mode, response, { 'content-type': 'application/json' }, '{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"', piece, 64 * 1024 * 1024);
    }
    if (mode === 'huge-error') {
      response.writeHead(500, { 'content-type': 'application/json' });
      return endless(mode, response, {}, `{"error":{"message":"${key} `, piece, 64 * 1024 * 1024);
    }
    if (mode === 'long-line') {
      // An SSE line of 20 MB that never ends (no newline).
      return endless(mode, response, { 'content-type': 'text/event-stream' }, 'data: ', piece, 20 * 1024 * 1024);
    }
    if (mode === 'stream-error') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] };
      response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      response.end(`data: ${JSON.stringify({ error: { message: `stream failed for ${key.slice(3, 20)}`, type: 'server_error', param: key, code: key } })}\n\n`);
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{}');
  }

  before(async () => {
    hostile = await startMockServer(handle);
    db = await createTestDb();
    const seeded = await seedTenants(db, `${hostile.origin}/v1`, ['victim']);
    tenant = seeded.tenants['victim'] as Tenant;
    await db.exec(`
insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
  values ('sec-anthropic', 'AnthropicProvider', '${hostile.origin}/v1', '["SEC_ANTHROPIC_API_KEY"]');
insert into public.ai_models (name, provider_id, model_id) select '${CLAUDE}', id, 'claude-x' from public.ai_providers where name = 'sec-anthropic';`);
    stack = await startStack(db, {
      keyring: undefined,
      env: { [ENV_VAR]: key, SEC_ANTHROPIC_API_KEY: key },
      upstream: { limits: { maxResponseBytes: MAX_RESPONSE_BYTES, maxEventBytes: MAX_EVENT_BYTES } },
    });
  });
  after(async () => {
    await stack?.close();
    await hostile?.close();
    await db?.dispose();
  });

  async function call(mode: string, stream = false): Promise<{ status: number; text: string; ms: number }> {
    const started = performance.now();
    const response = await fetch(`${stack.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: mode }], stream }),
    });
    const text = `${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${await response.text()}`;
    captured.push({ label: `${mode}${stream ? ' (stream)' : ''}`, text });
    return { status: response.status, text, ms: performance.now() - started };
  }

  it('echoes of the key in param, code and message are answered without it', async () => {
    for (const mode of Object.keys(errorBodies)) {
      const answer = await call(mode);
      assert.equal(answer.status, errorBodies[mode]?.status === 500 ? 500 : errorBodies[mode]?.status, mode);
      assert.match(answer.text, /Provider 'sec-openai' failed: HTTP/, mode);
      assert.match(answer.text, /"param":null/, mode);
    }
    const streamed = await call('stream-error', true);
    assert.match(streamed.text, /stream failed for \[redacted\]/);
    assert.match(streamed.text, /"param":null/);
  });

  it('failure events of native streams (/v1/messages, /v1/responses) are passed on without the key', async () => {
    const post = async (label: string, path: string, body: unknown): Promise<string> => {
      const response = await fetch(`${stack.origin}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      captured.push({ label, text });
      return text;
    };
    const messages = await post('messages stream', '/v1/messages', { model: CLAUDE, max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    assert.match(messages, /event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"overloaded for key \[redacted\]"\},"request_id":"req \[redacted\]"\}/);
    const error = await post('responses error', '/v1/responses', { model: MODEL, stream: true, input: 'error' });
    assert.match(error, /event: error\ndata: \{"type":"error","sequence_number":1,"code":"\[redacted\]","message":"bad key …\[redacted\]","param":null\}/);
    const failed = await post('responses failed', '/v1/responses', { model: MODEL, stream: true, input: 'failed' });
    assert.match(failed, /event: response\.failed\n/);
    assert.match(failed, /"error":\{"code":"server_error","message":"failed with \[redacted\]"\}/);
    assert.match(failed, /"text":"partial answer"/, 'the answer so far is passed on as it was');
  });

  it('a whole answer over the cap is a provider_error at once, and the upstream is cut off', async () => {
    const huge = await call('huge');
    assert.equal(huge.status, 502);
    assert.match(huge.text, /"code":"provider_error"/);
    assert.match(huge.text, /sent an answer larger than 1048576 bytes \(SWITCHBOARD_UPSTREAM_MAX_RESPONSE_BYTES\)/);
    assert.ok(huge.ms < 5000, `took ${Math.round(huge.ms)} ms`);
    // Only about the cap was read: the rest of the 64 MiB was never sent.
    assert.ok((written['huge'] ?? 0) < 16 * 1024 * 1024, `the upstream wrote ${written['huge']} bytes`);

    const hugeError = await call('huge-error');
    assert.equal(hugeError.status, 500);
    assert.match(hugeError.text, /Provider 'sec-openai' failed: HTTP 500"/);
    assert.ok((written['huge-error'] ?? 0) < 16 * 1024 * 1024, `the upstream wrote ${written['huge-error']} bytes`);
  });

  it('an SSE line over the cap ends the stream with a provider_error quickly', async () => {
    const answer = await call('long-line', true);
    // Before the first token: an ordinary error answer with its status.
    assert.equal(answer.status, 502);
    assert.match(answer.text, /"code":"provider_error"/);
    assert.match(answer.text, /sent a stream event longer than 65536 characters \(SWITCHBOARD_UPSTREAM_MAX_EVENT_BYTES\)/);
    assert.ok(answer.ms < 5000, `took ${Math.round(answer.ms)} ms`);
    assert.ok((written['long-line'] ?? 0) < 8 * 1024 * 1024, `the upstream wrote ${written['long-line']} bytes`);
  });

  it('no fragment of the key is in any response, log line or metric', async () => {
    const metrics = await fetch(`${stack.origin}/metrics`);
    captured.push({ label: 'metrics', text: await metrics.text() });
    const set = fragments();
    const sources = [...captured.map((entry) => ({ where: entry.label, text: entry.text })), ...stack.logs.map((entry) => ({ where: `${entry.source} log`, text: entry.line }))];
    assert.ok(sources.length > 10);
    const found = sources.map((source) => ({ where: source.where, leaked: leaks(source.text, set) })).filter((source) => source.leaked.length > 0);
    assert.deepEqual(found, []);
  });
});
