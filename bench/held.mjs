// Held streams for `npm run bench` (BENCH_HELD=N1,N2): N streaming requests, each on its own
// connection, started evenly over a ramp, then held until every one has ended: what real LLM
// traffic looks like (many long, slow streams at once). The mock paces the streams of one model
// (--slow-model), so a stream lasts chunks × chunk delay. Bounded: whatever is still open at
// limitMs is cut and counted `unfinished`. Same figures as ../shared/bench's held mode.
import { Pool } from 'undici';
import { summarize } from './loadgen.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Non-empty content deltas in an SSE body (every event parsed); -1 when an event is not JSON. */
function contentChunks(text) {
  let count = 0;
  for (const event of text.replace(/\r/g, '').split('\n\n')) {
    if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
    try {
      const content = JSON.parse(event.slice(6)).choices?.[0]?.delta?.content;
      if (typeof content === 'string' && content.length > 0) count += 1;
    } catch {
      return -1;
    }
  }
  return count;
}

/**
 * @param {object} o
 * @param {string} o.origin
 * @param {Record<string, string>} o.headers
 * @param {string} o.body          a `stream: true` request for the slow model
 * @param {number} o.streams       how many streams (= connections)
 * @param {number} o.rampMs        the streams start evenly over this time
 * @param {number} o.limitMs       hard limit of the whole run
 * @param {number} o.timeoutMs     per stream: until the head, and the longest silence in the body
 * @param {number} o.expectChunks  content deltas a complete stream carries
 * @returns {Promise<{ ok: number, errors: number, errorDetail: Record<string, number>, firstError: string | null, ttfb: object, latency: object }>}
 */
export async function runHeld(o) {
  const body = Buffer.from(o.body);
  const pool = new Pool(o.origin, {
    connections: o.streams,
    pipelining: 1,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    connect: { timeout: o.timeoutMs },
  });
  const options = {
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...o.headers },
    body,
  };
  const ttfb = [];
  const latency = [];
  const errorDetail = {};
  let firstError = null;
  let ok = 0;
  let cut = false;
  const fail = (kind, detail, start) => {
    errorDetail[kind] = (errorDetail[kind] ?? 0) + 1;
    firstError ??= `${detail ?? kind} after ${Math.round(performance.now() - start)} ms`;
  };

  const one = (start) =>
    new Promise((resolve) => {
      let status = 0;
      let first = 0;
      let text = '';
      let over = false;
      const finish = (kind, detail) => {
        if (over) return;
        over = true;
        if (kind) fail(kind, detail, start);
        resolve();
      };
      pool.dispatch(options, {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData(_controller, chunk) {
          if (first === 0) first = performance.now();
          text += chunk.latin1Slice(0, chunk.length);
        },
        onResponseEnd() {
          if (status !== 200) return finish(`http_${status}`, `HTTP ${status}: ${text.slice(0, 200)}`);
          if (!text.endsWith('data: [DONE]\n\n')) return finish('no_DONE');
          const content = contentChunks(text);
          if (content < 0) return finish('bad_event');
          if (content !== o.expectChunks) return finish(`content_chunks_${content}`);
          ok += 1;
          ttfb.push(first - start);
          latency.push(performance.now() - start);
          finish(null);
        },
        onResponseError(_controller, error) {
          const kind = cut ? 'unfinished' : (error?.code ?? error?.name ?? 'error');
          finish(kind, `${kind} (${error?.message ?? ''})`);
        },
      });
    });

  const started = performance.now();
  const interval = o.rampMs / o.streams;
  const all = [];
  for (let index = 0; index < o.streams; ) {
    const now = performance.now();
    for (; index < o.streams && started + index * interval <= now; index++) all.push(one(now));
    if (index < o.streams) await sleep(Math.max(0, Math.min(5, started + index * interval - performance.now())));
  }
  const limit = sleep(Math.max(0, started + o.limitMs - performance.now()));
  await Promise.race([Promise.all(all), limit]);
  cut = true;
  await pool.destroy().catch(() => {});
  await Promise.race([Promise.all(all), sleep(2000)]);
  const errors = Object.values(errorDetail).reduce((sum, count) => sum + count, 0);
  return {
    ok,
    errors: errors + Math.max(0, o.streams - ok - errors),
    errorDetail,
    firstError,
    ttfb: summarize(Float64Array.from(ttfb)),
    latency: summarize(Float64Array.from(latency)),
  };
}
