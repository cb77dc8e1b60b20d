// 200 concurrent slow streams (20 chunks 50 ms apart) through a real `switchboard serve`
// process all complete, side by side, and the gateway process's own resident memory (read from
// /proc) stays under a bound; a held stream keeps nothing of its request (a heap snapshot of the
// process). (held-streams.test.ts covers the in-process stack and the limit.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServeDatabase, type ServeDatabase } from '../helpers/serve-database.js';
import { processMemoryMB, skipWithoutProc } from '../helpers/proc-memory.js';
import { insertProjectKey, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { streamOnce } from '../helpers/stream-once.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';

const SERVE_STREAMS = 200;
const SERVE_CHUNKS = 20;
const SERVE_DELAY_MS = 50;
/** Bound on the serve process's RSS growth while it holds SERVE_STREAMS streams (measured +19 MB, 95 KB a stream, on a loaded 2-core machine). */
const SERVE_GROWTH_MB = 64;
const SERVE_KEY = 'sk-held-serve-0123456789abcdef';

describe('long-lived streams through a serve process', { skip: skipWithoutProc() }, () => {
  let database: ServeDatabase;
  let mock: OpenAIMock;
  let instance: ServeProcess;
  let apiKey: string;
  const agent = new HttpAgent({ keepAlive: false, maxSockets: Infinity });
  // The mock reads its pace per request: the snapshot test slows it down for its own streams.
  const mockOptions = { apiKeys: [SERVE_KEY], chunkDelayMs: SERVE_DELAY_MS };
  const snapshotDir = mkdtempSync(path.join(tmpdir(), 'sb-held-heap-'));

  before(async () => {
    mock = await startOpenAIMock(mockOptions);
    database = await createServeDatabase(async (db) => {
      await db.query(
        `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('held-openai', 'OpenAIProvider', $1, '["HELD_API_KEY"]')`,
        [mock.baseUrl],
      );
      await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'held-gpt', id, 'gpt-4o-mini' from public.ai_providers where name = 'held-openai'`);
      apiKey = (await insertProjectKey(db, 'held')).key;
    });
    instance = await startServeProcess({
      ...database.target,
      nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`],
      env: { HELD_API_KEY: SERVE_KEY, SWITCHBOARD_CONFIG_POLL_MS: '60000' },
      startTimeoutMs: 60_000,
    });
  });
  after(async () => {
    agent.destroy();
    await instance?.stop().catch(() => undefined);
    await mock?.close();
    await database?.dispose();
    rmSync(snapshotDir, { recursive: true, force: true });
  });

  it(`${SERVE_STREAMS} concurrent streams of ${SERVE_CHUNKS} chunks all complete, and the gateway's RSS stays bounded`, async () => {
    // "Echo:" and 19 words: 20 content chunks, SERVE_DELAY_MS apart.
    const words = Array.from({ length: SERVE_CHUNKS - 1 }, (_, index) => `w${index}`);
    const content = words.join(' ');
    for (let warm = 0; warm < 3; warm++) {
      assert.equal((await streamOnce(instance.url, apiKey, agent, performance.now(), 'held-gpt', content)).status, 200);
    }
    const baseline = processMemoryMB(instance.pid);
    assert.ok(baseline, 'the serve process is in /proc');
    let peak = baseline.rss;
    const sampler = setInterval(() => {
      const now = processMemoryMB(instance.pid);
      if (now) peak = Math.max(peak, now.rss);
    }, 25);
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: SERVE_STREAMS }, () => streamOnce(instance.url, apiKey, agent, started, 'held-gpt', content)),
    );
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    const last = processMemoryMB(instance.pid);
    if (last) peak = Math.max(peak, last.rss);

    const complete = (body: string): boolean =>
      body.includes('data: [DONE]') && body.includes(`" ${words.at(-1)}"`) && (body.match(/"delta":\{"content":/g) ?? []).length === SERVE_CHUNKS;
    const failed = results.filter((result) => result.status !== 200 || !complete(result.body));
    assert.equal(failed.length, 0, `${failed.length} streams failed, e.g. ${JSON.stringify(failed[0])?.slice(0, 600)}`);
    const grownMb = peak - baseline.rss;
    const ttfb = results.map((result) => result.ttfbMs).sort((a, b) => a - b);
    console.log(
      `serve process, ${SERVE_STREAMS} streams × ${SERVE_CHUNKS} chunks ${SERVE_DELAY_MS} ms apart: ${Math.round(elapsed)} ms, ` +
        `TTFB p50 ${Math.round(ttfb[SERVE_STREAMS / 2] ?? 0)} ms, p99 ${Math.round(ttfb[Math.floor(SERVE_STREAMS * 0.99)] ?? 0)} ms; ` +
        `RSS ${baseline.rss.toFixed(1)} → peak ${peak.toFixed(1)} MB (+${grownMb.toFixed(1)} MB, ${((grownMb * 1024) / SERVE_STREAMS).toFixed(0)} KB/stream)`,
    );
    assert.ok(grownMb < SERVE_GROWTH_MB, `the gateway's RSS grew ${grownMb.toFixed(1)} MB for ${SERVE_STREAMS} streams (bound ${SERVE_GROWTH_MB} MB)`);
    // Streams ran side by side: all 200 took far less than 200 streams one after another would.
    assert.ok(elapsed < (SERVE_STREAMS * SERVE_CHUNKS * SERVE_DELAY_MS) / 10, `${Math.round(elapsed)} ms for all streams`);
  });

  it('a held stream keeps nothing of its request without the ledger, and only its messages with it', async () => {
    // The ledger keeps a stream's messages to estimate its tokens if it is cut before the vendor's
    // usage arrives (docs/usage.md); without it, nothing of the request outlives the upstream call.
    mockOptions.chunkDelayMs = 300;
    try {
      const withLedger = await promptsInHeldHeap(instance, snapshotDir);
      assert.deepEqual(withLedger, { prompt: true, other: false }, 'with the ledger: the messages are kept, the rest of the request is not');
      // The same database (an embedded one takes one process at a time), the ledger off.
      await instance.stop();
      instance = await startServeProcess({
        ...database.target,
        nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${path.join(snapshotDir, 'bare')}`],
        env: { HELD_API_KEY: SERVE_KEY, SWITCHBOARD_CONFIG_POLL_MS: '60000', SWITCHBOARD_USAGE: '0' },
        startTimeoutMs: 60_000,
      });
      const withoutLedger = await promptsInHeldHeap(instance, path.join(snapshotDir, 'bare'));
      assert.deepEqual(withoutLedger, { prompt: false, other: false }, 'without the ledger: nothing of the request is kept');
    } finally {
      mockOptions.chunkDelayMs = SERVE_DELAY_MS;
    }
  });

  /**
   * Holds four streams of 20 chunks 300 ms apart (6 s), each with a long system prompt and a
   * request field (`user`) around markers of their own, snapshots the gateway's heap while all
   * four are held, and says whether any prompt marker and any other marker was in it.
   */
  async function promptsInHeldHeap(gateway: ServeProcess, dir: string): Promise<{ prompt: boolean; other: boolean }> {
    mkdirSync(dir, { recursive: true });
    const markers = Array.from({ length: 4 }, () => ({ prompt: `held-prompt-${randomUUID()}`, other: `held-user-${randomUUID()}` }));
    const content = Array.from({ length: SERVE_CHUNKS - 1 }, (_, index) => `w${index}`).join(' ');
    const before = mock.requests.length;
    const started = performance.now();
    const streams = markers.map((marker) =>
      streamOnce(gateway.url, apiKey, agent, started, 'held-gpt', content, `${marker.prompt} ${'context '.repeat(8_000)}`, { user: marker.other }),
    );
    let text: string;
    try {
      while (mock.requests.length < before + markers.length) await new Promise((resolve) => setTimeout(resolve, 20));
      // The first chunks are out: each stream is past its request and being held.
      await new Promise((resolve) => setTimeout(resolve, 700));
      process.kill(gateway.pid, 'SIGUSR2');
      text = await snapshotText(dir);
    } finally {
      for (const result of await Promise.all(streams)) {
        assert.equal(result.status, 200);
        assert.ok(result.body.includes('data: [DONE]'), 'the stream completed');
      }
    }
    assert.ok(performance.now() - started > 3_000, 'the streams were still held when the snapshot was taken');
    assert.ok(text.includes('"held-gpt"'), 'the snapshot is the gateway heap (it holds the model name)');
    return { prompt: markers.some((marker) => text.includes(marker.prompt)), other: markers.some((marker) => text.includes(marker.other)) };
  }
});

/** The text of the one heap snapshot the process writes to `dir` on SIGUSR2, once it is complete. */
async function snapshotText(dir: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const file = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot'));
    if (file === undefined) continue;
    const size = statSync(path.join(dir, file)).size;
    if (size > 0 && size === lastSize) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      // Complete once it parses (Node writes it in one go, but the poll may catch it mid-write).
      try {
        JSON.parse(text);
        return text;
      } catch {
        // still being written
      }
    }
    lastSize = size;
  }
  throw new Error(`no complete heap snapshot in ${dir} within 30 s`);
}
