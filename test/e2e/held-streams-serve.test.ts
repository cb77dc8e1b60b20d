// 200 concurrent slow streams (20 chunks 50 ms apart) through a real `switchboard serve`
// process all complete, side by side, and the gateway process's own resident memory (read from
// /proc) stays under a bound; a held stream keeps nothing of its request but, with the ledger, a
// sample of a long prompt (a heap snapshot of the process). (held-streams.test.ts covers the in-process stack and the limit.)
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
import { startOpenAIMock, type OpenAIMock, type OpenAIMockOptions } from '../mock-vendors/openai.js';
import { StreamGate } from '../mock-vendors/stream-gate.js';

const SERVE_STREAMS = 200;
const SERVE_CHUNKS = 20;
const SERVE_DELAY_MS = 50;
/** Bound on the serve process's RSS growth while it holds SERVE_STREAMS streams (measured +19 MB, 95 KB a stream, on a loaded 2-core machine). */
const SERVE_GROWTH_MB = 64;
const SERVE_KEY = 'sk-held-serve-0123456789abcdef';
/** The held streams of the heap test, and their system prompts' length (over what the ledger keeps whole). */
const HELD_COUNT = 4;
const PROMPT_CHARS = 128_000;
const PROMPT_FILLER = 'context ';

interface HeldHeap {
  /** Bytes of prompt text in the heap. */
  promptBytes: number;
  /** Another request field's marker is in the heap. */
  other: boolean;
  /** Buffers the size of an upstream request body (the prompt and a little JSON around it). */
  bodyBuffers: number;
}

describe('long-lived streams through a serve process', { skip: skipWithoutProc() }, () => {
  let database: ServeDatabase;
  let mock: OpenAIMock;
  let instance: ServeProcess;
  let apiKey: string;
  const agent = new HttpAgent({ keepAlive: false, maxSockets: Infinity });
  // The mock reads its pace per request: the snapshot test slows it down for its own streams.
  const mockOptions: OpenAIMockOptions & { chunkDelayMs: number } = { apiKeys: [SERVE_KEY], chunkDelayMs: SERVE_DELAY_MS };
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
    // The mock holds every stream until all of them are open upstream: they can only complete if
    // the gateway serves them side by side.
    const gate = new StreamGate(SERVE_STREAMS);
    mockOptions.streamGate = gate;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: SERVE_STREAMS }, () => streamOnce(instance.url, apiKey, agent, started, 'held-gpt', content)),
    ).finally(() => delete mockOptions.streamGate);
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
    // Streams ran side by side: all of them were open upstream at once (their time is only logged).
    assert.ok(gate.filled, `only ${gate.arrived} of ${SERVE_STREAMS} streams were open upstream at once`);
  });

  it('a held stream keeps nothing of its request without the ledger, and only a sample of a long prompt with it', async () => {
    // The ledger keeps what it needs to estimate a stream's input tokens if it is cut before the
    // vendor's usage arrives: a long prompt's sample (usage/input-sample.ts). The upstream request
    // body is let go once sent (providers/shared/request-body.ts). Without the ledger nothing of
    // the request outlives the upstream call.
    mockOptions.chunkDelayMs = 300;
    try {
      const withLedger = await heldHeap(instance, snapshotDir);
      assert.equal(withLedger.other, false, 'with the ledger: the rest of the request is not kept');
      assert.ok(withLedger.promptBytes > 0, 'with the ledger: a sample of the prompt is kept');
      assert.ok(withLedger.promptBytes < HELD_COUNT * 48 * 1024, `with the ledger: ${withLedger.promptBytes} bytes of prompt text kept for ${HELD_COUNT} streams of ${PROMPT_CHARS} characters`);
      assert.equal(withLedger.bodyBuffers, 0, 'with the ledger: no upstream request body is kept');
      // The same database (an embedded one takes one process at a time), the ledger off.
      await instance.stop();
      instance = await startServeProcess({
        ...database.target,
        nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${path.join(snapshotDir, 'bare')}`],
        env: { HELD_API_KEY: SERVE_KEY, SWITCHBOARD_CONFIG_POLL_MS: '60000', SWITCHBOARD_USAGE: '0' },
        startTimeoutMs: 60_000,
      });
      const withoutLedger = await heldHeap(instance, path.join(snapshotDir, 'bare'));
      assert.deepEqual(withoutLedger, { promptBytes: 0, other: false, bodyBuffers: 0 }, 'without the ledger: nothing of the request is kept');
    } finally {
      mockOptions.chunkDelayMs = SERVE_DELAY_MS;
    }
  });

  /**
   * Holds HELD_COUNT streams of 20 chunks 300 ms apart (6 s), each with a long system prompt and a
   * request field (`user`) around markers of their own, snapshots the gateway's heap while all
   * are held, and says how many bytes of prompt text it holds, whether any other marker is in it,
   * and how many buffers the size of an upstream request body.
   */
  async function heldHeap(gateway: ServeProcess, dir: string): Promise<HeldHeap> {
    mkdirSync(dir, { recursive: true });
    // Buffers of that size the gateway holds when idle (the dashboard's script, 128 KB, is one)
    // are not request bodies: counted first, and subtracted.
    process.kill(gateway.pid, 'SIGUSR2');
    const idle = summarizeHeap(await snapshotText(dir, true), PROMPT_FILLER.repeat(2), PROMPT_CHARS);
    const markers = Array.from({ length: HELD_COUNT }, () => ({ prompt: `held-prompt-${randomUUID()}`, other: `held-user-${randomUUID()}` }));
    const content = Array.from({ length: SERVE_CHUNKS - 1 }, (_, index) => `w${index}`).join(' ');
    const before = mock.requests.length;
    const started = performance.now();
    const streams = markers.map((marker) =>
      streamOnce(gateway.url, apiKey, agent, started, 'held-gpt', content, `${marker.prompt} ${PROMPT_FILLER.repeat(PROMPT_CHARS / PROMPT_FILLER.length)}`, { user: marker.other }),
    );
    let heap: HeapSummary;
    try {
      while (mock.requests.length < before + markers.length) await new Promise((resolve) => setTimeout(resolve, 20));
      // The first chunks are out: each stream is past its request and being held.
      await new Promise((resolve) => setTimeout(resolve, 700));
      process.kill(gateway.pid, 'SIGUSR2');
      heap = summarizeHeap(await snapshotText(dir), PROMPT_FILLER.repeat(2), PROMPT_CHARS);
    } finally {
      for (const result of await Promise.all(streams)) {
        assert.equal(result.status, 200);
        assert.ok(result.body.includes('data: [DONE]'), 'the stream completed');
      }
    }
    assert.ok(performance.now() - started > 3_000, 'the streams were still held when the snapshot was taken');
    assert.ok(heap.names.has('held-gpt'), 'the snapshot is the gateway heap (it holds the model name)');
    return {
      promptBytes: heap.textBytes,
      other: markers.some((marker) => [...heap.names].some((name) => name.includes(marker.other))),
      bodyBuffers: Math.max(0, heap.bodySizedBuffers - idle.bodySizedBuffers),
    };
  }
});

interface HeapSummary {
  /** Every string's name (V8 names a string node with its first 1,024 characters). */
  names: Set<string>;
  /** Self sizes of the strings whose name contains `text`. */
  textBytes: number;
  /** Array buffers' backing stores of `bodyChars` to `bodyChars` + 2 KB bytes (undici's llhttp memories are 128 KiB: outside). */
  bodySizedBuffers: number;
}

/** What the heap test reads off a snapshot. */
function summarizeHeap(text: string, marker: string, bodyChars: number): HeapSummary {
  const snapshot = JSON.parse(text) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const summary: HeapSummary = { names: new Set(), textBytes: 0, bodySizedBuffers: 0 };
  for (let index = 0; index < snapshot.nodes.length; index += fields.length) {
    const type = types[snapshot.nodes[index + typeAt] as number];
    const name = snapshot.strings[snapshot.nodes[index + nameAt] as number] as string;
    const size = snapshot.nodes[index + sizeAt] as number;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      summary.names.add(name);
      if (name.includes(marker)) summary.textBytes += size;
    } else if (type === 'native' && name === 'system / JSArrayBufferData' && size >= bodyChars && size <= bodyChars + 2048) {
      summary.bodySizedBuffers += 1;
    }
  }
  return summary;
}

/**
 * The text of the one heap snapshot the process writes to `dir` on SIGUSR2, once it is complete
 * (`remove`: the file is deleted after reading, so that the next snapshot is the only one again).
 */
async function snapshotText(dir: string, remove = false): Promise<string> {
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
        if (remove) rmSync(path.join(dir, file));
        return text;
      } catch {
        // still being written
      }
    }
    lastSize = size;
  }
  throw new Error(`no complete heap snapshot in ${dir} within 30 s`);
}
