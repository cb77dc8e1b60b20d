// Attack review (slow and hostile clients against the gateway's memory): a key holder opens a
// stream whose upstream answers as fast as the connection takes it (up to 256 MiB, far more than
// the kernel's socket buffers on both sides hold) and never reads it. What the gateway holds for
// it must stay bounded: every write to the client's response is checked for the bytes it leaves
// waiting (`writableLength`), and the upstream must not be read ahead of the client. Once the
// client is cut (SWITCHBOARD_CLIENT_STALL_MS, shortened here), the stream must stop there: found by
// this review, the writer read on and encoded 2 MB more of the upstream into the destroyed answer
// (until its 'close' came), and the ledger counted them as delivered. Now nothing is written after
// the cut, the upstream call is aborted, and the ledger has one row for the call (499). On each
// writer: chat chunks (from the OpenAI wire), Messages events passed through, Responses events
// translated from Anthropic.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { ENV_VAR, MODEL, seedTenants, startStack, upstreamKey, type Stack, type Tenant } from './fixture.js';

const STALL_MS = 1500;
/** Generous: the machine may be busy. */
const WITHIN_MS = 60_000;
/** Text deltas of 16 KiB, as many as make UPSTREAM_BYTES. */
const DELTA = 'y'.repeat(16 * 1024);
const UPSTREAM_BYTES = 256 * 1024 * 1024;
/** What one stream may leave waiting in its response: a socket read's worth of frames and then some, far below the answer. */
const MAX_BUFFERED = 1024 * 1024;
/** What the upstream may have sent beyond what the gateway wrote: kernel buffers on loopback (a few MiB here), far below the stream. */
const MAX_READ_AHEAD = 32 * 1024 * 1024;
const CLAUDE = 'bp-claude';
const ANTHROPIC_ENV = 'BP_ANTHROPIC_API_KEY';

let db: TestDb;
let stack: Stack;
let tenant: Tenant;
let openai: OpenAIMock;
let anthropic: AnthropicMock;

before(async () => {
  const keys = { openai: upstreamKey('bp-openai'), anthropic: upstreamKey('bp-anthropic') };
  openai = await startOpenAIMock({ apiKeys: [keys.openai] });
  anthropic = await startAnthropicMock({ apiKeys: [keys.anthropic] });
  db = await createTestDb();
  tenant = (await seedTenants(db, openai.baseUrl, ['backpressure'])).tenants['backpressure'] as Tenant;
  await db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('bp-anthropic', 'AnthropicProvider', $1, $2::jsonb)`,
    [anthropic.baseUrl, JSON.stringify([ANTHROPIC_ENV])],
  );
  await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'claude-test-1' from public.ai_providers where name = 'bp-anthropic'`, [CLAUDE]);
  stack = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: keys.openai, [ANTHROPIC_ENV]: keys.anthropic }, config: { clientStallMs: STALL_MS } });
});
after(async () => {
  await stack?.close();
  await openai?.close();
  await anthropic?.close();
  await db?.dispose();
});

async function eventually(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const until = performance.now() + WITHIN_MS;
  while (!(await check())) {
    if (performance.now() > until) assert.fail(`${what}: not within ${WITHIN_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the upstream's frames generator has handed to its connection so far. */
const sent = { bytes: 0 };

/** `head`, then `delta` until UPSTREAM_BYTES are out, then `tail`, each counted into `sent`. */
function* frames(head: string, delta: string, tail: string): Generator<string> {
  sent.bytes = head.length;
  yield head;
  while (sent.bytes < UPSTREAM_BYTES) {
    sent.bytes += delta.length;
    yield delta;
  }
  sent.bytes += tail.length;
  yield tail;
}

function openAIFrames(): Iterable<string> {
  const chunk = (delta: object, finish: string | null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-fast', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  return frames(chunk({ role: 'assistant', content: '' }, null), chunk({ content: DELTA }, null), `${chunk({}, 'stop')}data: [DONE]\n\n`);
}

function anthropicFrames(): Iterable<string> {
  const event = (name: string, data: object): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const message = { id: 'msg_fast', type: 'message', role: 'assistant', model: 'claude-test-1', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } };
  return frames(
    event('message_start', { type: 'message_start', message }) +
      event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: DELTA } }),
    event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } }) +
      event('message_stop', { type: 'message_stop' }),
  );
}

interface Watched {
  /** Most bytes the response had waiting after any one write. */
  maxBuffered: number;
  /** Bytes handed to the response in all. */
  written: number;
  /** When the client's connection was cut: bytes the upstream had sent, and the gateway written. */
  atCut: { sent: number; written: number } | undefined;
  closed: boolean;
}

/** Watches the next response on `path`: the bytes each write leaves waiting in the gateway, and the cut. */
function watchNext(path: string): Watched {
  const watched: Watched = { maxBuffered: 0, written: 0, atCut: undefined, closed: false };
  const server = stack.gateway.server;
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.url !== path) return;
    server.off('request', onRequest);
    const write = response.write.bind(response) as (...args: unknown[]) => boolean;
    response.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      watched.written += Buffer.byteLength(chunk);
      const result = write(chunk, ...rest);
      watched.maxBuffered = Math.max(watched.maxBuffered, response.writableLength);
      return result;
    }) as typeof response.write;
    const destroy = response.destroy.bind(response);
    response.destroy = ((error?: Error) => {
      watched.atCut ??= { sent: sent.bytes, written: watched.written };
      return destroy(error);
    }) as typeof response.destroy;
    response.once('close', () => (watched.closed = true));
  };
  server.on('request', onRequest);
  return watched;
}

/** Sends one request on a raw connection and never reads the answer. */
function neverRead(path: string, body: string, headers: Record<string, string>): Socket {
  const socket = connect(Number(new URL(stack.origin).port), '127.0.0.1');
  socket.on('error', () => undefined);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tenant.apiKey}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
  socket.pause();
  return socket;
}

async function ledgerRows(requestId: string): Promise<{ status: number }[]> {
  await stack.sb.service.usage?.flush();
  return (await db.query<{ status: number }>(`select status from public.ai_usage where request_id = $1`, [requestId])).rows;
}

const streams: { surface: string; path: string; body: string; headers?: Record<string, string>; upstream: () => { aborted: boolean }[]; replay: () => void }[] = [
  {
    surface: 'chat completions',
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'write' }] }),
    upstream: () => openai.requests,
    replay: () => openai.replayNextStream(openAIFrames()),
  },
  {
    surface: 'messages (passed through)',
    path: '/v1/messages',
    body: JSON.stringify({ model: CLAUDE, stream: true, max_tokens: 1024, messages: [{ role: 'user', content: 'write' }] }),
    headers: { 'anthropic-version': '2023-06-01' },
    upstream: () => anthropic.requests,
    replay: () => anthropic.replayNext({ frames: anthropicFrames() }),
  },
  {
    surface: 'responses (translated from Anthropic)',
    path: '/v1/responses',
    body: JSON.stringify({ model: CLAUDE, stream: true, input: 'write' }),
    upstream: () => anthropic.requests,
    replay: () => anthropic.replayNext({ frames: anthropicFrames() }),
  },
];

describe('a stream the client does not read, from an upstream that sends as fast as it can', () => {
  for (const [index, stream] of streams.entries()) {
    it(`${stream.surface}: bounded in the gateway, read no further than the client, stopped at the cut`, async () => {
      stream.replay();
      const before = stream.upstream().length;
      const watched = watchNext(stream.path);
      const requestId = `backpressure-${index}`;
      const socket = neverRead(stream.path, stream.body, { ...stream.headers, 'x-request-id': requestId });
      try {
        // The client reads nothing: it is cut after the stall time, which ends the call.
        await eventually('the client was cut', () => watched.closed);
        const cut = watched.atCut;
        assert.ok(cut !== undefined, 'the client was cut (stall guard)');
        const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
        console.log(
          `${stream.surface}: at the cut the upstream had sent ${mib(cut.sent)} MiB and the gateway written ${mib(cut.written)} MiB ` +
            `(at most ${(watched.maxBuffered / 1024).toFixed(0)} KiB waiting at once); ${mib(watched.written - cut.written)} MiB written after it`,
        );
        assert.ok(cut.written > 0, 'the stream had started');
        assert.ok(watched.maxBuffered <= MAX_BUFFERED, `${watched.maxBuffered} bytes waited in the response at once`);
        // What the upstream sent beyond what reached the client's socket sits in the kernel's buffers and, bounded, in the gateway.
        assert.ok(cut.sent - cut.written < MAX_READ_AHEAD, `the upstream sent ${mib(cut.sent)} MiB for ${mib(cut.written)} MiB written: the gateway read ahead of its client`);
        assert.equal(watched.written, cut.written, 'frames were written after the cut');
        const call = stream.upstream()[before];
        await eventually('the upstream call was aborted', () => call?.aborted === true);
        assert.ok(sent.bytes < UPSTREAM_BYTES);
        let rows: { status: number }[] = [];
        await eventually('the ledger row', async () => (rows = await ledgerRows(requestId)).length > 0);
        assert.deepEqual(rows, [{ status: 499 }]);
      } finally {
        socket.destroy();
      }
    });
  }
});
