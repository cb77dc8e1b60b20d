// A hostile upstream (found by an attack review; fixed): a CustomProvider row's server streams a
// chat answer without end, every event under the 1 MiB event cap. Served to a `/v1/responses`
// client (translated), the stream's text is kept for the final `response.completed`, which holds
// the whole output: with no bound the gateway's memory grew with the stream (48 MiB of text held
// kept +48 MB, an endless stream exhausted the process every tenant shares). Now such a stream is
// cut like a whole answer over SWITCHBOARD_UPSTREAM_MAX_RESPONSE_BYTES: an `error` event
// (`provider_error`), `response.failed`, and the upstream request aborted.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, Agent as HttpAgent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { insertTenant, startStack, type Stack, type Tenant } from './fixture.js';

const MODEL = 'hostile-responses';
const DELTA = 'the final event of a response holds its whole output, so the stream keeps it. '.repeat(3400).slice(0, 256 * 1024);
/** 48 MiB of text: past the default cap of 32 MiB. */
const DELTAS = 192;

interface Upstream {
  server: Server;
  baseUrl: string;
  /** Resolves with whether the gateway hung up before the upstream had written everything. */
  outcome: Promise<'cut' | 'held'>;
  release(): void;
}

function startUpstream(): Promise<Upstream> {
  let settle: (value: 'cut' | 'held') => void = () => {};
  const outcome = new Promise<'cut' | 'held'>((resolve) => (settle = resolve));
  const waiting: (() => void)[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null): string =>
        `data: ${JSON.stringify({ id: 'chatcmpl-h', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }, null));
      const frame = chunk({ content: DELTA }, null);
      for (let i = 0; i < DELTAS && !res.destroyed; i++) {
        if (!res.write(frame)) await new Promise((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
      }
      if (res.destroyed) return settle('cut');
      res.write(chunk({ content: '[end-of-deltas]' }, null));
      settle('held');
      waiting.push(() => res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, baseUrl: `http://127.0.0.1:${port}/v1`, outcome, release: () => waiting.splice(0).forEach((end) => end()) });
    }),
  );
}

describe('a hostile upstream streaming without end to a /v1/responses client', () => {
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
    tenant = await insertTenant(db, 'held-responses');
    stack = await startStack(db, { keyring: undefined, env: {} });
  });
  after(async () => {
    upstream?.release();
    agent.destroy();
    await stack?.close();
    await new Promise((resolve) => upstream?.server.close(resolve));
    await db?.dispose();
  });

  it('is cut past 32 MiB of output with an error event and response.failed, and the upstream request is aborted', async () => {
    // Event names in order, and the text of the short events (deltas and the final response are long).
    const events: string[] = [];
    const short: string[] = [];
    let pending = '';
    const ended = new Promise<number>((resolve, reject) => {
      const headers = { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' };
      const req = httpRequest(`${stack.origin}/v1/responses`, { method: 'POST', agent, headers }, (res) => {
        res.setEncoding('latin1');
        res.on('data', (text: string) => {
          pending += text;
          let end = pending.indexOf('\n\n');
          for (; end !== -1; end = pending.indexOf('\n\n')) {
            const frame = pending.slice(0, end);
            pending = pending.slice(end + 2);
            events.push(/^event: (.*)/.exec(frame)?.[1] ?? '');
            if (frame.length < 4096) short.push(frame);
          }
        });
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: MODEL, stream: true, input: 'write' }));
    });
    // Before the fix the upstream wrote everything and the gateway held it all; release it then.
    const outcome = await upstream.outcome;
    upstream.release();
    assert.equal(await ended, 200);
    assert.equal(outcome, 'cut', 'the gateway kept reading (and holding) the whole 48 MiB answer');
    assert.deepEqual(events.slice(-2), ['error', 'response.failed']);
    assert.ok(!events.includes('response.completed'));
    const error = short.find((frame) => frame.startsWith('event: error\n')) ?? '';
    assert.match(error, /"code":"provider_error"/);
    assert.match(error, /Provider 'hostile' sent an answer larger than 33554432 bytes/);
  });
});
