// Noisy neighbour (found by an attack review; fixed): a held stream must keep "at most about 32 KB for its prompt, however long"
// (docs/usage.md, docs/decisions.md). A prompt whose TEXT is short but which carries a large inline
// image (data URL) is kept whole by the ledger's input estimate for the stream's whole life
// (input-sample.ts counts only text characters to decide between keeping the messages and keeping
// a sample), so every held stream pins its whole image in the heap.
import assert from 'node:assert/strict';
import { createServer, Agent as HttpAgent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { heldHeapGrowthMB, postForStatus } from '../helpers/held-heap.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, startStack, type Stack, type Tenant } from './fixture.js';

const STREAMS = 8;
const IMAGE_CHARS = 3 * 1024 * 1024;

/** An upstream that discards the body and holds each stream open until released. */
function startHoldingUpstream(): Promise<{ server: Server; baseUrl: string; arrived: () => number; release: () => void }> {
  let arrived = 0;
  const waiting: (() => void)[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrived += 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const base = { id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] })}\n\n`);
      waiting.push(() => {
        res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
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
      });
    }),
  );
}

/** A chat stream whose one user message has `content`. */
function chatStream(origin: string, apiKey: string, agent: HttpAgent, content: unknown): Promise<number> {
  return postForStatus(origin, '/v1/chat/completions', apiKey, agent, Buffer.from(JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content }] })));
}

describe('held streams and inline media', () => {
  let db: TestDb;
  let stack: Stack;
  let tenant: Tenant;
  let upstream: Awaited<ReturnType<typeof startHoldingUpstream>>;
  const agent = new HttpAgent({ keepAlive: false, maxSockets: Infinity });

  before(async () => {
    upstream = await startHoldingUpstream();
    db = await createTestDb();
    tenant = (await seedTenants(db, upstream.baseUrl, ['media'])).tenants['media'] as Tenant;
    stack = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: 'sk-upstream-media-0123456789' } });
  });
  after(async () => {
    agent.destroy();
    await stack?.close();
    await new Promise((resolve) => upstream?.server.close(resolve));
    await db?.dispose();
  });

  it(`${STREAMS} held streams each with a ${IMAGE_CHARS / 1024 / 1024} MiB inline image keep no more than their text prompts`, async () => {
    // Warm up: loads the snapshot paths, the pool, the tokenizer.
    await heldHeapGrowthMB(STREAMS, upstream, () => chatStream(stack.origin, tenant.apiKey, agent, 'warm up'));
    // Control: a 3 MiB TEXT prompt per stream (the ledger keeps a sample).
    const text = await heldHeapGrowthMB(STREAMS, upstream, () => chatStream(stack.origin, tenant.apiKey, agent, `${'context '.repeat(IMAGE_CHARS / 8 - 1)}${Math.random()}`));
    // The same size as an inline image beside a one-word text.
    const image = await heldHeapGrowthMB(STREAMS, upstream, () => chatStream(stack.origin, tenant.apiKey, agent, [
      { type: 'text', text: 'describe' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(IMAGE_CHARS - 32)}${Math.random().toString(36).slice(2, 10)}` } },
      ]),
    );
    console.log(`heap held by ${STREAMS} streams: text prompts +${text.toFixed(1)} MB, inline images +${image.toFixed(1)} MB`);
    // Each held stream may keep ~32 KB of prompt; allow 1 MB per stream on top of the text case.
    assert.ok(image < text + STREAMS * 1, `held streams with inline images keep +${image.toFixed(1)} MB of heap (text prompts of the same size: +${text.toFixed(1)} MB)`);
  });
});
