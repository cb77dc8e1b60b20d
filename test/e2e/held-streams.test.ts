// Long-lived streams: many slow streams at once through the real stack all run side by side (no
// pool cap queues one behind another), memory stays bounded, and the per-origin connection limit
// answers a clear 503 at once instead of a silent wait. (held-streams-serve.test.ts: the same
// through a real `serve` process, its memory read from /proc.)
import assert from 'node:assert/strict';
import { Agent as HttpAgent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { streamOnce } from '../helpers/stream-once.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, startStack, upstreamKey, type Stack, type Tenant } from '../security/fixture.js';

const STREAMS = 300;
/**
 * "Echo: a b c d" is 5 content chunks; with the role, finish and [DONE] frames, 8 frames DELAY_MS
 * apart. Long enough that all STREAMS requests reach the gateway before the first stream ends,
 * even on a loaded machine (on a shared 2-core machine at load average 18, opening the 300
 * streams took up to 9 s of wall time).
 */
const DELAY_MS = 1500;
const STREAM_MS = 8 * DELAY_MS;
const key = upstreamKey('held');

describe('long-lived streams', () => {
  let db: TestDb;
  let mock: OpenAIMock;
  let stack: Stack;
  let limited: Stack;
  let tenant: Tenant;
  const agent = new HttpAgent({ keepAlive: false, maxSockets: Infinity });

  before(async () => {
    mock = await startOpenAIMock({ apiKeys: [key], chunkDelayMs: DELAY_MS });
    db = await createTestDb();
    tenant = (await seedTenants(db, mock.baseUrl, ['held'])).tenants['held'] as Tenant;
    stack = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: key } });
    limited = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: key }, upstream: { maxConnections: 4 } });
  });
  after(async () => {
    agent.destroy();
    await stack?.close();
    await limited?.close();
    await mock?.close();
    await db?.dispose();
  });

  it(`${STREAMS} concurrent slow streams all complete side by side, in bounded memory`, async () => {
    // Warm up (first call loads the snapshot paths, opens the pool).
    assert.equal((await streamOnce(stack.origin, tenant.apiKey, agent, performance.now(), MODEL)).status, 200);
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const before = mock.requests.length;
    const arrivals: number[] = [];
    const started = performance.now();
    const counter = setInterval(() => {
      while (before + arrivals.length < mock.requests.length) arrivals.push(performance.now() - started);
    }, 20);
    const arrivedBeforeFirstEnd = (end: number): number => arrivals.filter((at) => at <= end).length;
    const results = await Promise.all(Array.from({ length: STREAMS }, () => streamOnce(stack.origin, tenant.apiKey, agent, started, MODEL)));
    clearInterval(counter);
    const elapsed = performance.now() - started;
    clearInterval(sampler);

    const failed = results.filter((result) => result.status !== 200 || !result.body.includes('data: [DONE]') || !result.body.includes('" d"'));
    assert.equal(failed.length, 0, `${failed.length} streams failed, e.g. ${JSON.stringify(failed[0])}`);
    // None waited for another: every stream reached the upstream before the first one ended (a pool
    // capped below STREAMS held the rest back until streams ended), and once the last one reached
    // it, all were done within about one stream's time (wall times, so with margin for a loaded machine).
    const firstEnd = Math.min(...results.map((result) => result.totalMs));
    assert.equal(arrivedBeforeFirstEnd(firstEnd), STREAMS, `upstream requests before the first stream ended`);
    const lastArrival = arrivals.at(-1) ?? 0;
    assert.ok(elapsed - lastArrival < STREAM_MS * 1.5, `streams ended ${Math.round(elapsed - lastArrival)} ms after the last began (one lasts ${STREAM_MS} ms)`);
    const grownMb = (peak - baseline) / 1024 / 1024;
    const ttfb = results.map((result) => result.ttfbMs).sort((a, b) => a - b);
    console.log(`${STREAMS} streams: ${Math.round(elapsed)} ms (last began upstream at ${Math.round(lastArrival)} ms), TTFB p50 ${Math.round(ttfb[STREAMS / 2] ?? 0)} ms, max ${Math.round(ttfb.at(-1) ?? 0)} ms, RSS +${grownMb.toFixed(1)} MB`);
    assert.ok(grownMb < 150, `RSS grew ${grownMb.toFixed(1)} MB for ${STREAMS} streams`);
  });

  it('a stream over the per-origin connection limit is refused at once with a clear 503', async () => {
    const started = performance.now();
    const before = mock.requests.length;
    const holders = Array.from({ length: 4 }, () => streamOnce(limited.origin, tenant.apiKey, agent, started, MODEL));
    // Let the four streams take their connections.
    while (mock.requests.length < before + 4) await new Promise((resolve) => setTimeout(resolve, 20));
    const refusedAt = performance.now();
    const refused = await streamOnce(limited.origin, tenant.apiKey, agent, refusedAt, MODEL);
    assert.equal(refused.status, 503);
    assert.match(refused.body, /"code":"provider_unavailable"/);
    assert.match(refused.body, /Provider 'sec-openai' is busy: 4 requests to http:\/\/127\.0\.0\.1:\d+ are in flight, the limit \(SWITCHBOARD_UPSTREAM_MAX_CONNECTIONS\)/);
    assert.ok(refused.totalMs < STREAM_MS / 2, `refused after ${Math.round(refused.totalMs)} ms`);
    for (const result of await Promise.all(holders)) assert.equal(result.status, 200);
    // Once they are done, the next call gets a connection again.
    const again = await fetch(`${limited.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'again' }] }),
    });
    assert.equal(again.status, 200);
    assert.match(await again.text(), /Echo: again/);
  });
});
