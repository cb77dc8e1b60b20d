// Noisy neighbour (found by an attack review; fixed): what a held chat stream keeps of its OUTPUT. The ledger keeps every delta's text
// for a possible estimate (observe-stream.ts `pieces`). The OpenAI, Anthropic and Cohere decoders
// read a delta with a template, as `data.slice(...)` of the SSE event, itself a slice of the
// decoded network read: V8 makes any slice of 13 characters or more a SlicedString that keeps its
// whole parent alive. So every kept delta of 13+ characters pins the entire network read it came
// in (JSON framing, padding and all the other frames of that read) for the stream's life: the
// stream keeps the raw upstream bytes, not the text.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, Agent as HttpAgent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, startStack, type Stack, type Tenant } from './fixture.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const STREAMS = 4;
const FRAMES = 4000;

interface Upstream {
  server: Server;
  baseUrl: string;
  arrived: () => number;
  release: () => void;
  deltaChars: number;
}

/** An upstream that sends FRAMES content chunks of `deltaChars` characters at once, then holds the stream open. */
function startUpstream(): Promise<Upstream> {
  let arrived = 0;
  const waiting: (() => void)[] = [];
  const state = { deltaChars: 12 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrived += 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const head = '{"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o-mini","system_fingerprint":"fp_0123456789","choices":[{"index":0,"delta":';
      const frames: string[] = [`data: ${head}{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"obfuscation":"x1"}\n\n`];
      for (let i = 0; i < FRAMES; i++) {
        const text = `w${String(i).padStart(5, '0')}${'x'.repeat(state.deltaChars - 6)}`;
        frames.push(`data: ${head}{"content":"${text}"},"logprobs":null,"finish_reason":null}],"obfuscation":"pad${i % 97}"}\n\n`);
      }
      res.write(frames.join(''));
      waiting.push(() => {
        res.write(`data: ${head}{},"logprobs":null,"finish_reason":"stop"}]}\n\n`);
        res.end('data: [DONE]\n\n');
      });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        baseUrl: `http://127.0.0.1:${port}/v1`,
        arrived: () => arrived,
        release: () => {
          for (const done of waiting.splice(0)) done();
        },
        get deltaChars() {
          return state.deltaChars;
        },
        set deltaChars(value: number) {
          state.deltaChars = value;
        },
      });
    }),
  );
}

/** Opens a stream; `received` resolves once FRAMES deltas reached the client, `done` at the end. */
function stream(origin: string, apiKey: string, agent: HttpAgent, marker: string): { received: Promise<void>; done: Promise<number> } {
  const body = Buffer.from(JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
  let onReceived: () => void = () => {};
  const received = new Promise<void>((resolve) => (onReceived = resolve));
  const done = new Promise<number>((resolve, reject) => {
    const req = httpRequest(`${origin}/v1/chat/completions`, { method: 'POST', agent, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } }, (res) => {
      let tail = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => {
        // Only the last delta matters: keep nothing else.
        tail = (tail + chunk).slice(-4096);
        if (tail.includes(marker)) onReceived();
      });
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  return { received, done };
}

async function heldHeapMB(stack: Stack, tenant: Tenant, agent: HttpAgent, upstream: Upstream, deltaChars: number): Promise<number> {
  upstream.deltaChars = deltaChars;
  gc();
  gc();
  const baseline = process.memoryUsage().heapUsed;
  const marker = `w${String(FRAMES - 1).padStart(5, '0')}`;
  const streams = Array.from({ length: STREAMS }, () => stream(stack.origin, tenant.apiKey, agent, marker));
  await Promise.all(streams.map((s) => s.received));
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  gc();
  const held = process.memoryUsage().heapUsed;
  upstream.release();
  for (const s of streams) assert.equal(await s.done, 200);
  return (held - baseline) / 1024 / 1024;
}

describe('held streams and their output deltas', () => {
  let db: TestDb;
  let stack: Stack;
  let tenant: Tenant;
  let upstream: Upstream;
  const agent = new HttpAgent({ keepAlive: false, maxSockets: Infinity });

  before(async () => {
    upstream = await startUpstream();
    db = await createTestDb();
    tenant = (await seedTenants(db, upstream.baseUrl, ['deltas'])).tenants['deltas'] as Tenant;
    stack = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: 'sk-upstream-deltas-0123456789' } });
  });
  after(async () => {
    agent.destroy();
    await stack?.close();
    await new Promise((resolve) => upstream?.server.close(resolve));
    await db?.dispose();
  });

  it(`${STREAMS} held streams of ${FRAMES} deltas keep about their text, whatever the deltas' length`, async () => {
    await heldHeapMB(stack, tenant, agent, upstream, 12); // warm up
    const short = await heldHeapMB(stack, tenant, agent, upstream, 12);
    const long = await heldHeapMB(stack, tenant, agent, upstream, 16);
    const rawMB = (STREAMS * FRAMES * 230) / 1024 / 1024;
    console.log(`heap held by ${STREAMS} streams x ${FRAMES} deltas: 12-char deltas +${short.toFixed(2)} MB, 16-char deltas +${long.toFixed(2)} MB (raw SSE ~${rawMB.toFixed(1)} MB)`);
    // 4 more characters a delta is ~64 KB more text for all the streams; allow 2 MB (a few network
    // reads per stream still referenced). Kept as slices, the deltas hold the whole raw stream.
    assert.ok(long < short + 2, `16-character deltas keep +${long.toFixed(2)} MB, 12-character ones +${short.toFixed(2)} MB`);
  });
});
