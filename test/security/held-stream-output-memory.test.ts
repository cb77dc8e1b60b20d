// A hostile upstream (found by an attack review; fixed): a CustomProvider row's server streams a
// chat answer of 48 MiB of text, every event under the 1 MiB event cap, and holds the stream open.
// The ledger kept every delta's text for a possible estimate (observe-stream.ts), for the
// stream's whole life, with no bound: the held stream kept +48 MB of heap, and a few such streams
// (or one endless one) exhausted the process every tenant shares. Native streams already kept at
// most 4 KiB of their output and scaled the count. Now a chat stream keeps its first
// KEPT_OUTPUT_CHARS characters of output and scales the count by the characters it saw.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, Agent as HttpAgent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { o200kCounter } from '../../src/usage/tokenizer/count-tokens.js';
import { gc } from '../helpers/held-heap.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { insertTenant, startStack, type Stack, type Tenant } from './fixture.js';

const MODEL = 'hostile-custom';
/** One delta: 256 KiB of prose (an event of about 256 KiB, under the 1 MiB event cap). */
const DELTA = 'the ledger keeps a sample of what the vendor wrote and counts it later. '.repeat(3641).slice(0, 256 * 1024);
const DELTAS = 192;
const TOTAL_MB = (DELTA.length * DELTAS) / 1024 / 1024;

interface Upstream {
  server: Server;
  baseUrl: string;
  release(): void;
}

/** Sends DELTAS content chunks, then holds the stream until release(); ends it without usage. */
function startUpstream(): Promise<Upstream> {
  const waiting: (() => void)[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null): string =>
        `data: ${JSON.stringify({ id: 'chatcmpl-h', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }, null));
      const frame = chunk({ content: DELTA }, null);
      for (let i = 0; i < DELTAS; i++) res.write(frame);
      res.write(chunk({ content: '[end-of-deltas]' }, null));
      waiting.push(() => res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, baseUrl: `http://127.0.0.1:${port}/v1`, release: () => waiting.splice(0).forEach((end) => end()) });
    }),
  );
}

describe('a hostile upstream streaming a huge chat answer', () => {
  let db: TestDb;
  let stack: Stack;
  let tenant: Tenant;
  let upstream: Upstream;
  const agent = new HttpAgent({ keepAlive: false });

  before(async () => {
    upstream = await startUpstream();
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('hostile', 'CustomProvider', $1, '[]'::jsonb)`,
      [upstream.baseUrl],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'm' from public.ai_providers where name = 'hostile'`, [MODEL]);
    tenant = await insertTenant(db, 'held-output');
    stack = await startStack(db, { keyring: undefined, env: {} });
  });
  after(async () => {
    agent.destroy();
    await stack?.close();
    await new Promise((resolve) => upstream?.server.close(resolve));
    await db?.dispose();
  });

  it(`a held stream that passed ${TOTAL_MB} MiB of text keeps a bounded sample, and is still estimated at its size`, async () => {
    gc();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let onDeltas: () => void = () => {};
    const deltasIn = new Promise<void>((resolve) => (onDeltas = resolve));
    const done = new Promise<number>((resolve, reject) => {
      const headers = { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' };
      const req = httpRequest(`${stack.origin}/v1/chat/completions`, { method: 'POST', agent, headers }, (res) => {
        let tail = '';
        res.setEncoding('latin1');
        res.on('data', (text: string) => {
          tail = (tail + text).slice(-256);
          if (tail.includes('[end-of-deltas]')) onDeltas();
        });
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'write' }] }));
    });
    await deltasIn;
    gc();
    gc();
    const heldMB = (process.memoryUsage().heapUsed - baseline) / 1024 / 1024;
    upstream.release();
    assert.equal(await done, 200);
    console.log(`heap held by one stream after ${TOTAL_MB} MiB of text: +${heldMB.toFixed(1)} MB`);
    // Kept whole, the text alone is +48 MB; the sample is at most a few MB.
    assert.ok(heldMB < 12, `the held stream keeps +${heldMB.toFixed(1)} MB for ${TOTAL_MB} MiB of output`);

    // The vendor reported no usage: the ledger estimates the whole output from what it kept.
    await stack.sb.service.usage?.flush();
    const rows = await db.query<{ usage_source: string; output_tokens: string }>(`select usage_source, output_tokens::text from public.ai_usage where model_name = $1`, [MODEL]);
    const [row] = rows.rows;
    assert.ok(row, 'the call has its ledger row');
    assert.equal(row.usage_source, 'estimated');
    const expected = (await o200kCounter())([DELTA]) * DELTAS;
    const ratio = Number(row.output_tokens) / expected;
    assert.ok(ratio > 0.9 && ratio < 1.1, `output estimated at ${row.output_tokens} tokens, about ${expected} expected`);
  });
});
