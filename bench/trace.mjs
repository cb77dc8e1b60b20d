// Tracing in `npm run bench` (BENCH_TRACE): a throwaway local OTLP/HTTP sink the gateway exports
// its spans to (it counts them and answers 200 like a collector), and the off-vs-on comparison.
import { createServer } from 'node:http';

/** The gateway runs BENCH_TRACE asks for: `['off']` (default), `['on']` (1) or `['off', 'on']` (both). */
export function tracePhases(raw = '') {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === '0' || value === 'off') return ['off'];
  if (value === '1' || value === 'on') return ['on'];
  if (value === 'both') return ['off', 'on'];
  throw new Error('BENCH_TRACE takes 0, 1 or both');
}

/** The environment of a gateway exporting to `sink` (batches flushed every 200 ms). */
export function traceEnv(sink) {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'switchboard-bench', OTEL_BSP_SCHEDULE_DELAY: '200' };
}

/**
 * Starts the sink on 127.0.0.1: `POST /v1/traces` bodies are parsed and their spans counted by
 * kind. `stats()` says how many spans, server spans, client spans and posts arrived.
 */
export async function startOtlpSink() {
  const stats = { posts: 0, spans: 0, server: 0, client: 0, bad: 0 };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      stats.posts += 1;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const resource of body.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              stats.spans += 1;
              if (span.kind === 2) stats.server += 1;
              if (span.kind === 3) stats.client += 1;
            }
          }
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        stats.bad += 1;
        response.writeHead(400).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One line: the spans the sink got against the two (server + attempt) per request answered. */
export function traceLine(sink, answered) {
  if (!sink) return 'tracing: off';
  const { spans, server, client, posts, bad } = sink.stats();
  const expected = 2 * answered;
  const lost = expected - spans;
  return `tracing: on (OTLP/HTTP JSON to a local sink): ${spans.toLocaleString('en-US')} spans (${server.toLocaleString('en-US')} server, ${client.toLocaleString('en-US')} client) in ${posts} posts for ${answered.toLocaleString('en-US')} requests${lost > 0 ? `; ${lost.toLocaleString('en-US')} spans dropped (the exporter's queue was full)` : ''}${bad ? `; ${bad} bad posts` : ''}`;
}

const COMPARED = [
  ['chat', 'c=1'],
  ['chat', 'c=10'],
  ['chat', 'c=50'],
  ['stream', 'c=10'],
  ['stream', 'c=50'],
];

/** Markdown: req/s, p50 and gateway CPU µs per request, tracing off vs on. */
export function renderTraceComparison(offRows, onRows) {
  const find = (rows, mode, load) => rows.find((row) => row.mode === mode && row.load === load && row.target === 'gateway');
  const pct = (off, on) => (Number.isFinite(off) && Number.isFinite(on) && off !== 0 ? `${on >= off ? '+' : ''}${(((on - off) / off) * 100).toFixed(1)}%` : '–');
  const num = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
  const ms = (value) => (Number.isFinite(value) ? value.toFixed(2) : '–');
  const lines = [
    'Tracing off vs on (gateway; on = a server and an attempt span per request, exported over OTLP/HTTP):',
    '',
    '| load | req/s off | req/s on | Δ | p50 ms off | p50 ms on | CPU µs/req off | CPU µs/req on | Δ |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [mode, load] of COMPARED) {
    const off = find(offRows, mode, load);
    const on = find(onRows, mode, load);
    if (!off || !on) continue;
    lines.push(
      `| ${mode} ${load} | ${num(off.rps)} | ${num(on.rps)} | ${pct(off.rps, on.rps)} | ${ms(off.total.p50)} | ${ms(on.total.p50)} | ${num(off.cpuPerRequestUs)} | ${num(on.cpuPerRequestUs)} | ${pct(off.cpuPerRequestUs, on.cpuPerRequestUs)} |`,
    );
  }
  if (lines.length === 4) lines.push('| (none of the compared loads ran) | | | | | | | | |');
  return lines.join('\n');
}
