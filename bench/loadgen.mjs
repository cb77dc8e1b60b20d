// Bounded HTTP load on one origin with undici: closed loop (N connections, each sending its next
// request when the previous answer is complete) or open loop (R requests/s on a fixed schedule
// over a pool, whatever the answers do). Every run stops by itself: a duration, a request cap and
// a per-request timeout.
import { Pool } from 'undici';

const DONE_TAIL = 'data: [DONE]\n\n';

/**
 * @typedef {object} LoadSpec
 * @property {string} origin          e.g. http://127.0.0.1:18080
 * @property {string} path
 * @property {Record<string, string>} headers
 * @property {string} body            the JSON request body
 * @property {boolean} stream         SSE answer: records TTFB and requires `data: [DONE]` at the end
 * @property {string} expect          a string every good non-streaming answer contains
 * @property {number} durationMs
 * @property {number} maxRequests
 * @property {number} timeoutMs
 * @property {number} [connections]   closed loop with this many connections
 * @property {number} [rate]          open loop at this many requests/s
 * @property {number} [poolSize]      open loop: connection pool size (default 100)
 */

/** Runs one load; resolves with raw timings (ms) and counts. */
export async function runLoad(spec) {
  const open = spec.rate !== undefined;
  const pool = new Pool(spec.origin, {
    connections: open ? (spec.poolSize ?? 100) : spec.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: spec.timeoutMs,
    bodyTimeout: spec.timeoutMs,
  });
  const cap = spec.maxRequests;
  const total = new Float64Array(cap);
  const ttfb = new Float64Array(spec.stream ? cap : 0);
  const result = { sent: 0, good: 0, errors: 0, errorSamples: [], schedLagMs: [], elapsedMs: 0 };
  const headers = { 'content-type': 'application/json', ...spec.headers };
  const options = { path: spec.path, method: 'POST', headers, body: spec.body };

  const fail = (message) => {
    result.errors += 1;
    if (result.errorSamples.length < 5) result.errorSamples.push(message);
  };

  /** One request; records its timings when the answer is good. */
  const one = async (started) => {
    try {
      const response = await pool.request(options);
      if (spec.stream) {
        let first = 0;
        let previous = '';
        let last = '';
        for await (const chunk of response.body) {
          if (first === 0) first = performance.now();
          previous = last;
          last = chunk.toString('latin1');
        }
        const end = performance.now();
        const tail = last.length >= DONE_TAIL.length ? last : previous + last;
        if (response.statusCode !== 200) return fail(`HTTP ${response.statusCode}`);
        if (!tail.endsWith(DONE_TAIL)) return fail(`stream did not end with [DONE]: …${JSON.stringify(tail.slice(-80))}`);
        const index = result.good++;
        total[index] = end - started;
        ttfb[index] = first - started;
      } else {
        const text = await response.body.text();
        const end = performance.now();
        if (response.statusCode !== 200) return fail(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
        if (!text.includes(spec.expect)) return fail(`unexpected answer: ${text.slice(0, 200)}`);
        total[result.good++] = end - started;
      }
    } catch (error) {
      fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  };

  const started = performance.now();
  const deadline = started + spec.durationMs;
  if (open) {
    await openLoop(spec, deadline, one, result);
  } else {
    const worker = async () => {
      while (result.sent < cap && performance.now() < deadline) {
        result.sent += 1;
        await one(performance.now());
      }
    };
    await Promise.all(Array.from({ length: spec.connections }, worker));
  }
  result.elapsedMs = performance.now() - started;
  await pool.close().catch(() => pool.destroy());
  return { ...result, total: total.slice(0, result.good), ttfb: ttfb.slice(0, spec.stream ? result.good : 0) };
}

/** Fires requests at `start + i / rate`; resolves when the schedule is over and every answer is in. */
function openLoop(spec, deadline, one, result) {
  const interval = 1000 / spec.rate;
  const start = performance.now();
  let inFlight = 0;
  let scheduled = 0;
  let finished = false;
  return new Promise((resolve) => {
    const settle = () => {
      inFlight -= 1;
      if (finished && inFlight === 0) resolve();
    };
    const tick = () => {
      const now = performance.now();
      while (start + scheduled * interval <= now && result.sent < spec.maxRequests) {
        result.schedLagMs.push(now - (start + scheduled * interval));
        scheduled += 1;
        result.sent += 1;
        inFlight += 1;
        one(performance.now()).then(settle, settle);
      }
      const next = start + scheduled * interval;
      if (next >= deadline || result.sent >= spec.maxRequests) {
        finished = true;
        if (inFlight === 0) resolve();
        return;
      }
      setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
}

/** Nearest-rank percentile of sorted timings (q in 0..1); NaN when empty. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** p50/p90/p99/max of a Float64Array of timings. */
export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
  };
}
