// The library's lifecycle (found by a review of the library): close() waited for calls still running
// (a held stream: up to undici's 300 s body timeout), a call in flight at close() lost its ledger row
// silently, and a call after close() failed as a retryable provider_unavailable. Now close() cancels
// the calls still running (each writes its row), waits at most 2 s, and refuses later calls.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SwitchboardError } from '../../src/errors.js';
import { createSwitchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { user } from './library-harness.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (r) => unhandled.push(r));
process.on('uncaughtException', (r) => unhandled.push(r));

/** A controllable OpenAI-like upstream: chat waits `gate` before answering; streams send one chunk then wait. */
async function startUpstream() {
  const requests: { url: string; aborted: boolean }[] = [];
  let releaseAll: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const rec = { url: req.url ?? '', aborted: false };
      requests.push(rec);
      res.on('close', () => { if (!res.writableFinished) rec.aborted = true; });
      const parsed = JSON.parse(body || '{}');
      const text = parsed.messages?.at(-1)?.content ?? '';
      const wait = new Promise<void>((r) => releaseAll.push(r));
      if (parsed.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] })}\n\n`);
        void wait.then(() => {
          res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })}\n\n`);
          res.end('data: [DONE]\n\n');
        });
      } else {
        void wait.then(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: `Echo: ${typeof text === 'string' ? text : 'x'}` }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }));
        });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    release() { const all = releaseAll; releaseAll = []; all.forEach((r) => r()); },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what} did not settle within ${ms} ms`)), ms).unref())]);

describe('the library lifecycle', () => {
  let db: TestDb;
  let up: Awaited<ReturnType<typeof startUpstream>>;
  before(async () => {
    [db, up] = await Promise.all([createTestDb(), startUpstream()]);
    await db.exec(`
INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
VALUES ('rv-openai', 'RV', 'OpenAIProvider', '${up.baseUrl}', '["RV_API_KEY"]'::jsonb);
INSERT INTO ai_models (name, display_name, provider_id, model_id, is_active)
VALUES ('rv-gpt', 'RV', (SELECT id FROM ai_providers WHERE name = 'rv-openai'), 'gpt-4o-mini', true);`);
  });
  after(async () => {
    await db.dispose();
    await up.close();
  });
  const open = () => createSwitchboard({ db, env: { RV_API_KEY: 'k' }, pollMs: 0, listen: false, governance: false });
  const rows = async () => (await db.query<{ n: number }>('select count(*)::int as n from public.ai_usage')).rows[0]!.n;

  test('close() while a stream is held open upstream settles promptly', async () => {
    const sb = await open();
    const it = sb.stream({ model: 'rv-gpt', messages: [user('hold')] })[Symbol.asyncIterator]();
    await it.next(); // stream-start
    await it.next(); // text-delta
    const pendingNext = it.next();
    pendingNext.catch(() => {});
    const t = performance.now();
    const closed = within(sb.close(), 3000, 'close()');
    try {
      await closed;
      console.log('close() with a held stream took', Math.round(performance.now() - t), 'ms');
    } finally {
      up.release();
      await pendingNext.catch(() => {});
    }
  });

  test('a chat in flight when close() is called gets its ledger row', async () => {
    const sb = await open();
    const before = await rows();
    const chat = sb.chat({ model: 'rv-gpt', messages: [user('inflight')] }).then(() => 'ok', (e: unknown) => e);
    while (up.requests.length === 0 || !up.requests.at(-1)!.url.includes('chat')) await new Promise((r) => setTimeout(r, 5));
    const closing = sb.close();
    await new Promise((r) => setTimeout(r, 50));
    up.release();
    const answer = await chat.catch((e: unknown) => e);
    await closing;
    const after = await rows();
    assert.equal(after - before, 1, `rows recorded for the in-flight call (answer: ${JSON.stringify(answer instanceof Error ? answer.message : 'ok')})`);
  });

  test('chat after close() fails with a SwitchboardError, not a hang or a raw undici error', async () => {
    const sb = await open();
    await sb.close();
    const error = await within(sb.chat({ model: 'rv-gpt', messages: [user('late')] }), 3000, 'chat after close').then(
      () => 'resolved',
      (e: unknown) => e,
    );
    assert.ok(SwitchboardError.isInstance(error), `got ${String(error)} (${(error as Error)?.constructor?.name})`);
    console.log('chat after close:', (error as SwitchboardError).code, (error as Error).message);
    // Not a provider outage that a retry loop should keep retrying: the instance is closed.
    assert.notEqual(error.code, 'provider_unavailable', error.message);
    assert.equal(error.isRetryable, false, error.message);
  });

  test('abort before the call rejects without contacting upstream', async () => {
    const sb = await open();
    const n = up.requests.length;
    const ac = new AbortController();
    ac.abort();
    const error = await sb.chat({ model: 'rv-gpt', messages: [user('x')] }, { signal: ac.signal }).catch((e: unknown) => e);
    assert.equal(error, ac.signal.reason, 'rejects with the signal reason (documented in http.ts)');
    assert.equal(up.requests.length, n, 'no upstream request');
    const s = await (async () => { try { for await (const _ of sb.stream({ model: 'rv-gpt', messages: [user('x')] }, { signal: ac.signal })) { /* */ } return 'ok'; } catch (e) { return e; } })();
    assert.equal(s, ac.signal.reason);
    const em = await sb.embed({ model: 'rv-gpt', input: ['x'] }, { signal: ac.signal }).catch((e: unknown) => e);
    assert.equal(em, ac.signal.reason);
    assert.equal(up.requests.length, n, 'no upstream request (stream/embed)');
    await new Promise((r) => setTimeout(r, 50));
    await sb.close();
  });

  test('abort during a stream cancels upstream and records one row', async () => {
    const sb = await open();
    const before = await rows();
    const ac = new AbortController();
    const seen: string[] = [];
    const result = await (async () => {
      try {
        for await (const p of sb.stream({ model: 'rv-gpt', messages: [user('abort me')] }, { signal: ac.signal })) {
          seen.push(p.type);
          if (p.type === 'text-delta') ac.abort();
        }
        return 'ended';
      } catch (e) { return e; }
    })();
    console.log('abort during stream ->', seen, (result as SwitchboardError)?.code ?? result);
    const rec = up.requests.at(-1)!;
    for (let i = 0; i < 100 && !rec.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(rec.aborted, 'upstream aborted');
    await sb.close();
    const r = await db.query<{ status: number; error_code: string; incomplete: boolean }>('select status, error_code, incomplete from public.ai_usage order by id desc limit 1');
    console.log('row', r.rows[0]);
    assert.equal((await rows()) - before, 1);
    up.release();
  });

  test('breaking out of for-await records exactly one row (499/incomplete) after close()', async () => {
    const sb = await open();
    const before = await rows();
    for await (const p of sb.stream({ model: 'rv-gpt', messages: [user('break me')] })) if (p.type === 'text-delta') break;
    const rec = up.requests.at(-1)!;
    for (let i = 0; i < 100 && !rec.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(rec.aborted, 'upstream aborted');
    await sb.close();
    const r = await db.query('select status, error_code, incomplete, output_tokens, usage_source from public.ai_usage order by id desc limit 1');
    console.log('break row', r.rows[0]);
    assert.equal((await rows()) - before, 1);
    up.release();
  });

  test('next() after return() on a stream iterator is done, no rejection', async () => {
    const sb = await open();
    const it = sb.stream({ model: 'rv-gpt', messages: [user('r')] })[Symbol.asyncIterator]();
    await it.next();
    await it.return!(undefined);
    const n = await it.next();
    assert.equal(n.done, true);
    up.release();
    await sb.close();
  });

  test('abort after the call ended is harmless; reload()/models() after close() settle', async () => {
    const sb = await open();
    const ac = new AbortController();
    const chat = sb.chat({ model: 'rv-gpt', messages: [user('done')] }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 30));
    up.release();
    await chat;
    const it = sb.stream({ model: 'rv-gpt', messages: [user('done')] }, { signal: ac.signal });
    const p = (async () => { const parts = []; for await (const part of it) parts.push(part.type); return parts; })();
    await new Promise((r) => setTimeout(r, 30));
    up.release();
    console.log('stream parts', await p);
    ac.abort();
    await sb.close();
    console.log('models after close', sb.models().length);
    const reload = await within(sb.reload(), 3000, 'reload after close').then(() => 'ok', (e: unknown) => `${(e as SwitchboardError).code}: ${(e as Error).message}`);
    console.log('reload after close:', reload);
    const s = await (async () => { try { for await (const _ of sb.stream({ model: 'rv-gpt', messages: [user('late')] })) { /* */ } return 'ok'; } catch (e) { return `${(e as SwitchboardError).code}`; } })();
    console.log('stream after close:', s);
  });

  test('no unhandled rejections', async () => {
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(unhandled.map(String), []);
  });
});
