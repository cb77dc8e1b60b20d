// Clients that stop reading (a full socket buffer, a zero TCP window): a long answer the client does
// not read, streamed or not, is cut after SWITCHBOARD_CLIENT_STALL_MS (shortened here) and the call
// ends like a disconnect: its in-flight count is given back, and a stream is logged as closed by the
// client (499; its upstream call is aborted as on any disconnect, gateway-lifecycle.test.ts).
// Before, a non-streamed answer (21 MB of embeddings for a few cents) stayed in memory for as long
// as the client kept the connection open. A client that reads, however slowly, gets every byte.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const STALL_MS = 2000;
/** Generous: the mock builds the answer first, and the machine may be busy. */
const WITHIN_MS = 20_000;

let t: TestGateway;

before(async () => {
  t = await startTestGateway({ config: { clientStallMs: STALL_MS } });
});
after(async () => {
  await t.close();
});

/** Requests in flight, the /metrics request itself left out. */
async function inFlight(): Promise<number> {
  const text = await (await fetch(`${t.origin}/metrics`)).text();
  return Number(/^switchboard_requests_in_flight (\d+)$/m.exec(text)?.[1]) - 1;
}

async function eventually(what: string, check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > until) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sends one request on a raw connection and never reads the answer. */
function neverRead(path: string, body: string, headers: Record<string, string> = {}): Socket {
  const socket = connect(Number(new URL(t.origin).port), '127.0.0.1');
  socket.on('error', () => undefined);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${t.apiKey}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
  socket.pause();
  return socket;
}

/** 1,500 inputs at 3,072 dimensions: an answer of about 21 MB, far more than the socket buffers take. */
const embeddingsBody = JSON.stringify({
  model: MODELS.openaiEmbed,
  input: Array.from({ length: 1500 }, (_, index) => `a${index}`),
  dimensions: 3072,
});

describe('a client that stops reading', () => {
  it('a long non-streamed answer: the connection is cut after the stall time and the request ends', async () => {
    const socket = neverRead('/v1/embeddings', embeddingsBody);
    try {
      await eventually('the request reached the upstream', () => t.openai.requests.some((request) => request.url.endsWith('/embeddings')), WITHIN_MS);
      // The answer is written (the upstream has answered) and waits for the client: then it is cut.
      await eventually('the request ended', async () => (await inFlight()) === 0, WITHIN_MS);
    } finally {
      socket.destroy();
    }
  });

  it('a client that reads it, pausing less than the stall time, gets all of it', async () => {
    const response = await fetch(`${t.origin}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
      body: embeddingsBody,
    });
    assert.equal(response.status, 200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      chunks.push(read.value);
      if (chunks.length % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const text = Buffer.concat(chunks).toString('utf8');
    assert.equal(Buffer.byteLength(text), Number(response.headers.get('content-length')));
    const answer = JSON.parse(text) as { data: { embedding: number[] }[] };
    assert.equal(answer.data.length, 1500);
    assert.ok(answer.data.every((item) => item.embedding.length === 3072));
  });

  // 1,000 words of 16 KB: a stream of about 16 MB on each surface (the writers of chat chunks,
  // of passed-through Responses events and of passed-through Messages events).
  const prompt = Array.from({ length: 1000 }, (_, index) => `${index}${'x'.repeat(16 * 1024)}`).join(' ');
  const streams: { surface: string; path: string; body: string; upstream: () => readonly unknown[]; headers?: Record<string, string> }[] = [
    {
      surface: 'chat completions',
      path: '/v1/chat/completions',
      body: JSON.stringify({ model: MODELS.openai, stream: true, messages: [{ role: 'user', content: prompt }] }),
      upstream: () => t.openai.requests,
    },
    {
      surface: 'responses (native)',
      path: '/v1/responses',
      body: JSON.stringify({ model: MODELS.openai, stream: true, input: prompt }),
      upstream: () => t.openai.requests,
    },
    {
      surface: 'messages (native)',
      path: '/v1/messages',
      body: JSON.stringify({ model: MODELS.anthropic, stream: true, max_tokens: 1024, messages: [{ role: 'user', content: prompt }] }),
      upstream: () => t.anthropic.requests,
      headers: { 'anthropic-version': '2023-06-01' },
    },
  ];
  for (const stream of streams) {
    it(`a long stream (${stream.surface}): cut after the stall time, ended as closed by the client`, async () => {
      const before = stream.upstream().length;
      const logged = t.logs.length;
      const socket = neverRead(stream.path, stream.body, stream.headers);
      try {
        await eventually('the request reached the upstream', () => stream.upstream().length > before, WITHIN_MS);
        await eventually('the request ended', async () => (await inFlight()) === 0, WITHIN_MS);
        const line = (): Record<string, unknown> | undefined => t.logs.slice(logged).find((entry) => entry['route'] === stream.path);
        await eventually('the request was logged', () => line() !== undefined, WITHIN_MS);
        assert.equal(line()?.['status'], 499, JSON.stringify(line()));
      } finally {
        socket.destroy();
      }
    });
  }
});
