#!/usr/bin/env node
// `npm run bench`: the gateway's overhead over a local mock upstream, on 127.0.0.1 only.
//
// Builds if dist/ is stale, starts bench/mock-upstream.mjs and `switchboard bench-serve --quiet`
// (the gateway pinned to CPU 1, this load generator and the mock to CPU 0, when taskset exists),
// checks the answers, then drives the same loads directly against the mock and through the
// gateway: closed loop c=1/10/50 and open loop 200 req/s, non-streaming and streaming. Prints a
// markdown table and writes bench/results/<time>.json. Exit status 1 when the gateway answered
// wrongly or with errors, 2 when the bench itself could not run.
//
// Settings (env): BENCH_DURATION (s per run, default 5), BENCH_WARMUP (s per mode and target,
// default 2), BENCH_CONNECTIONS (1,10,50), BENCH_RATES (200), BENCH_MODES (chat,stream),
// BENCH_MAX_REQUESTS (per run, 200000), BENCH_TIMEOUT_MS (per request, 10000), BENCH_PIN (1),
// BENCH_BUILD=0 (use dist/ as it is), BENCH_PIN_POSTGRES=1 (local Postgres on CPU 0 too, see pin-postgres.mjs), BENCH_CPU_PROF=<dir> (runs the gateway under `node --cpu-prof`, profile written into <dir> on exit).
//
// Held streams (off by default): BENCH_HELD=1000,5000 adds, after the modes above, one run per N
// against direct and the gateway: N streams at once (one connection each, started evenly over
// BENCH_HELD_RAMP_MS, default 2000), each 20 content chunks BENCH_HELD_CHUNK_MS (500) apart; it
// reports errors, TTFB p50/p99, the most streams the mock had open at once, and the gateway's RSS
// per extra stream. `BENCH_HELD=1000 BENCH_MODES= npm run bench` runs only that.
// BENCH_HELD_PROMPT_KB=100 gives each held stream's user message a prompt of that many KB (the
// long contexts of agents and chat histories: what a held stream keeps of its request).
//
// Usage ledger: BENCH_LEDGER=1 runs the gateway with the ledger on, in a fresh Postgres database
// sb_bench_<time> created through DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
// and dropped after; the run fails unless the ledger holds one row per request the gateway answered.
// BENCH_LEDGER=both runs the gateway twice (off, then on) and prints an off-vs-on table.
//
// Routes: BENCH_ROUTE=1 sends the gateway's chat loads to a two-target route (bench-serve --route);
// BENCH_ROUTE=both runs the gateway twice (direct model, then the route) and prints the CPU per
// request of both (issue 11: the route may cost at most 20 µs more).
// Tracing: BENCH_TRACE=1 runs the gateway with OpenTelemetry tracing on, exporting to a throwaway
// local OTLP sink (bench/trace.mjs) that counts the spans; BENCH_TRACE=both runs it off, then on,
// and prints an off-vs-on table (with BENCH_LEDGER=1 both runs have the ledger on).
//
// Against the floor (issue 14): BENCH_TARGETS (default `switchboard,floor`; add `full`, or set
// BENCH_FULL=1) chooses the gateway runs: `switchboard` = bench-serve as the settings above say,
// `full` = bench-serve with the ledger, a budget and a rate limit, and the two-target route all on
// (needs Postgres), `floor` = bench/floor.mjs, the thinnest pass-through. Each runs alone on the
// gateway core through the same loads and held streams; a summary table gives the ratios to the floor.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { runHeld } from './held.mjs';
import { withLongPrompt } from './long-prompt.mjs';
import { pinPostgres } from './pin-postgres.mjs';
import { runLoad, summarize } from './loadgen.mjs';
import { cpuMicros, memoryMB } from './procstat.mjs';
import { createLedgerDatabase, DEFAULT_ADMIN_URL, governancePhases, ledgerPhases, renderLedgerComparison } from './ledger.mjs';
import { renderRouteComparison, ROUTE_NAME, routedBody, routePhases } from './route.mjs';
import { renderTraceComparison, startOtlpSink, traceEnv, traceLine, tracePhases } from './trace.mjs';
import { benchTargets, FLOOR_RUN, floorFigures, FULL_RUN, LABELS, orderRows, renderFloorSummary } from './floor-summary.mjs';
import { GATEWAY_NODE_FLAGS } from './v8-flags.mjs';
import { CHAT_REQUEST } from './chat-request.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'sk-bench';

// ------------------------------------------------------------------------------------ settings
const numberEnv = (name, fallback, min, max) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number in ${min}..${max}`);
  return value;
};
const listEnv = (name, fallback) => (process.env[name] ?? fallback).split(',').map((item) => item.trim()).filter(Boolean);

const settings = {
  durationMs: numberEnv('BENCH_DURATION', 5, 1, 60) * 1000,
  warmupMs: numberEnv('BENCH_WARMUP', 2, 0, 30) * 1000,
  connections: listEnv('BENCH_CONNECTIONS', '1,10,50').map(Number),
  rates: listEnv('BENCH_RATES', '200').map(Number),
  modes: listEnv('BENCH_MODES', 'chat,stream'),
  maxRequests: numberEnv('BENCH_MAX_REQUESTS', 200_000, 1, 5_000_000),
  timeoutMs: numberEnv('BENCH_TIMEOUT_MS', 10_000, 100, 60_000),
  readyTimeoutMs: numberEnv('BENCH_READY_TIMEOUT_MS', 90_000, 1000, 300_000),
  pin: process.env.BENCH_PIN !== '0',
  cpuProfDir: process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined,
  held: listEnv('BENCH_HELD', '').map(Number),
  heldChunkMs: numberEnv('BENCH_HELD_CHUNK_MS', 500, 1, 10_000),
  heldRampMs: numberEnv('BENCH_HELD_RAMP_MS', 2000, 0, 60_000),
  heldPromptKb: numberEnv('BENCH_HELD_PROMPT_KB', 0, 0, 10_000),
  ledger: ledgerPhases(process.env.BENCH_LEDGER),
  route: routePhases(process.env.BENCH_ROUTE),
  trace: tracePhases(process.env.BENCH_TRACE),
  // Governance: BENCH_GOVERNANCE=1 puts a budget and a rate limit on the bench key (leased from a
  // fresh Postgres database); both = off, then on, compared like the ledger.
  governance: governancePhases(process.env.BENCH_GOVERNANCE),
  adminUrl: process.env.DATABASE_URL || DEFAULT_ADMIN_URL,
  targets: benchTargets(process.env.BENCH_TARGETS, process.env.BENCH_FULL),
};
for (const n of settings.held) if (!Number.isInteger(n) || n < 1 || n > 20_000) throw new Error('BENCH_HELD takes integers in 1..20000');
/** The model the mock paces (a seeded OpenAI model bench-serve sends upstream under the same name). */
const HELD_MODEL = 'gpt-4.1-mini';
const HELD_CHUNKS = 20;
const heldLimitMs = () => settings.heldRampMs + (HELD_CHUNKS + 1) * settings.heldChunkMs + settings.timeoutMs;
for (const n of [...settings.connections, ...settings.rates]) {
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error('BENCH_CONNECTIONS and BENCH_RATES take integers in 1..1000');
}
for (const mode of settings.modes) if (mode !== 'chat' && mode !== 'stream') throw new Error(`unknown mode ${mode}`);
/** Which setting the gateway runs compare (at most one of BENCH_LEDGER, BENCH_TRACE, BENCH_ROUTE may be `both`). */
const varied = ['ledger', 'trace', 'route', 'governance'].filter((name) => settings[name].length > 1);
if (varied.length > 1) throw new Error('BENCH_LEDGER, BENCH_TRACE, BENCH_ROUTE, BENCH_GOVERNANCE: only one may be "both" (compare one at a time)');
const compared = varied[0] ?? 'ledger';
/** The Switchboard runs: one per value of the compared setting. */
const runs = settings.ledger.flatMap((ledger) => settings.trace.flatMap((trace) => settings.route.flatMap((route) => settings.governance.map((governance) => ({ target: 'gateway', ledger, trace, route, governance })))));
/** Every gateway process the bench starts, in order: the Switchboard runs, the full hot path, the floor. */
const allRuns = [...(settings.targets.switchboard ? runs : []), ...(settings.targets.full ? [FULL_RUN] : []), ...(settings.targets.floor ? [FLOOR_RUN] : [])];

const CHAT = CHAT_REQUEST;
const BODIES = {
  chat: JSON.stringify(CHAT),
  stream: JSON.stringify({ ...CHAT, stream: true, stream_options: { include_usage: true } }),
  embed: JSON.stringify({ model: 'text-embedding-3-small', input: 'The quick brown fox jumps over the lazy dog.' }),
  held: JSON.stringify({ ...CHAT, model: HELD_MODEL, stream: true, messages: withLongPrompt(CHAT.messages, settings.heldPromptKb) }),
};

// ------------------------------------------------------------------------------------ processes
const children = new Set();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => process.stderr.write(`${line}\n`);

function hasTaskset() {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}
const pinned = settings.pin && os.cpus().length >= 2 && hasTaskset();
if (pinned) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

/** Spawns `node …args` (pinned to `cpu` when pinning) and resolves once `pattern` shows on stdout. */
function start(name, args, cpu, pattern, timeoutMs, env = {}) {
  const command = pinned ? 'taskset' : process.execPath;
  const argv = pinned ? ['-c', String(cpu), process.execPath, ...args] : args;
  const child = spawn(command, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error) => {
      clearTimeout(timer);
      reject(new Error(`${error.message}\n${output.slice(-2000)}`));
    };
    const onData = (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ child, match });
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    child.once('exit', (code, signal) => {
      children.delete(child);
      fail(new Error(`${name} exited (${signal ?? code})`));
    });
  });
}

async function stopAll() {
  const exits = [...children].map(
    (child) =>
      new Promise((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  );
  await Promise.all(exits);
}

/** Builds dist/ when any src/ file is newer than the CLI entry point. */
function buildIfNeeded() {
  if (process.env.BENCH_BUILD === '0') return;
  const entry = path.join(ROOT, 'dist/cli/main.js');
  let built = 0;
  try {
    built = statSync(entry).mtimeMs;
  } catch {
    built = 0;
  }
  const newest = (dir) => {
    let latest = 0;
    for (const entryName of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entryName.name);
      latest = Math.max(latest, entryName.isDirectory() ? newest(full) : statSync(full).mtimeMs);
    }
    return latest;
  };
  if (built > newest(path.join(ROOT, 'src'))) return;
  log('building (npm run build) ...');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error('npm run build failed');
}

// ------------------------------------------------------------------------------------ checks
async function post(origin, pathName, body, headers) {
  const response = await request(`${origin}${pathName}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

/** Checks one target's answers; returns { content, problems[] } (content: the chat answer text). */
async function checkTarget(target, reference) {
  const problems = [];
  const headers = target.headers;
  const bodies = target.bodies ?? BODIES;
  const chat = await post(target.origin, '/v1/chat/completions', bodies.chat, headers);
  let content;
  try {
    const json = JSON.parse(chat.text);
    content = json.choices?.[0]?.message?.content;
    if (chat.status !== 200) problems.push(`chat: HTTP ${chat.status}`);
    if (json.object !== 'chat.completion') problems.push('chat: object is not chat.completion');
    if (typeof content !== 'string' || content === '') problems.push('chat: no content');
    if (reference && content !== reference) problems.push('chat: content differs from the upstream answer');
    if (!(json.usage?.total_tokens > 0)) problems.push('chat: no usage');
    if (json.choices?.[0]?.finish_reason !== 'stop') problems.push('chat: finish_reason is not stop');
  } catch {
    problems.push(`chat: not JSON (HTTP ${chat.status}): ${chat.text.slice(0, 200)}`);
  }

  const stream = await post(target.origin, '/v1/chat/completions', bodies.stream, headers);
  const events = stream.text.split('\n\n').filter(Boolean);
  if (stream.status !== 200) problems.push(`stream: HTTP ${stream.status}`);
  if (events.at(-1) !== 'data: [DONE]') problems.push('stream: does not end with data: [DONE]');
  let text = '';
  let finish = false;
  let usage = false;
  for (const event of events.slice(0, -1)) {
    if (!event.startsWith('data: ')) {
      problems.push(`stream: not a data event: ${event.slice(0, 80)}`);
      break;
    }
    try {
      const chunk = JSON.parse(event.slice(6));
      if (chunk.object !== 'chat.completion.chunk') problems.push('stream: chunk object is not chat.completion.chunk');
      text += chunk.choices?.[0]?.delta?.content ?? '';
      if (chunk.choices?.[0]?.finish_reason) finish = true;
      if (chunk.usage?.total_tokens > 0 && chunk.choices?.length === 0) usage = true;
    } catch {
      problems.push(`stream: chunk is not JSON: ${event.slice(0, 80)}`);
      break;
    }
  }
  if (text !== content) problems.push('stream: streamed text differs from the non-streamed answer');
  if (!finish) problems.push('stream: no finish_reason');
  if (!usage) problems.push('stream: no usage chunk (stream_options.include_usage)');

  const embed = await post(target.origin, '/v1/embeddings', BODIES.embed, headers);
  try {
    const json = JSON.parse(embed.text);
    if (embed.status !== 200) problems.push(`embeddings: HTTP ${embed.status}`);
    if (json.data?.[0]?.embedding?.length !== 1536) problems.push('embeddings: vector is not 1536 numbers');
  } catch {
    problems.push(`embeddings: not JSON (HTTP ${embed.status})`);
  }
  return { content, problems, chatBytes: Buffer.byteLength(chat.text), streamEvents: events.length };
}

// ------------------------------------------------------------------------------------ report
const fmt = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const fmtInt = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
const signed = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)}` : '–');

function renderTable(rows) {
  const lines = [
    '| mode | load | target | req/s | p50 ms | p99 ms | +p50 | +p99 | TTFB p50 | TTFB p99 | +TTFB p50 | +TTFB p99 | gw CPU µs/req | gw CPU | peak RSS MB | errors |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const direct = rows.find((other) => other.mode === row.mode && other.load === row.load && other.target === 'direct');
    const gw = row.target !== 'direct';
    const added = (key, field) => (gw && direct ? signed(row[key][field] - direct[key][field]) : '–');
    lines.push(
      [
        '',
        row.mode,
        row.load,
        LABELS[row.target] ?? row.target,
        fmtInt(row.rps),
        fmt(row.total.p50),
        fmt(row.total.p99),
        added('total', 'p50'),
        added('total', 'p99'),
        row.mode === 'stream' ? fmt(row.ttfb.p50) : '–',
        row.mode === 'stream' ? fmt(row.ttfb.p99) : '–',
        row.mode === 'stream' ? added('ttfb', 'p50') : '–',
        row.mode === 'stream' ? added('ttfb', 'p99') : '–',
        gw ? fmtInt(row.cpuPerRequestUs) : '–',
        gw ? `${fmtInt(row.cpuShare * 100)}%` : '–',
        gw ? fmtInt(row.hwmMB) : '–',
        String(row.errors),
        '',
      ]
        .join(' | ')
        .trim(),
    );
  }
  return lines.join('\n');
}

/** The goals of issue 4 item 9, checked against this run (informative; they do not set the exit status). */
function goals(rows, peakMB) {
  const find = (mode, load, target = 'gateway') => rows.find((row) => row.mode === mode && row.load === load && row.target === target);
  const delta = (mode, load, key, field) => {
    const gw = find(mode, load);
    const direct = find(mode, load, 'direct');
    return gw && direct ? gw[key][field] - direct[key][field] : Number.NaN;
  };
  const chatClosed = rows.filter((row) => row.mode === 'chat' && row.target === 'gateway' && row.load.startsWith('c='));
  const saturated = chatClosed.at(-1);
  const list = [
    ['non-streaming req/s (best closed loop)', Math.max(...chatClosed.map((row) => row.rps)), '≥ 5,400', (v) => v >= 5400, fmtInt],
    [`CPU per request (chat ${saturated?.load ?? '?'})`, saturated?.cpuPerRequestUs ?? Number.NaN, '≤ 180 µs', (v) => v <= 180, fmtInt],
    ['added p50, chat c=1', delta('chat', 'c=1', 'total', 'p50'), '≤ 0.2 ms', (v) => v <= 0.2, signed],
    ['added p99, chat 200/s', delta('chat', '200/s', 'total', 'p99'), '≤ 1 ms', (v) => v <= 1, signed],
    ['added stream TTFB p50, c=1', delta('stream', 'c=1', 'ttfb', 'p50'), '≤ 0.5 ms', (v) => v <= 0.5, signed],
    ['peak RSS (VmHWM)', peakMB, '≤ 120 MB', (v) => v <= 120, (v) => `${fmtInt(v)} MB`],
  ];
  return list.map(([name, value, goal, ok, show]) => ({ name, value, goal, met: Number.isFinite(value) ? ok(value) : null, shown: show(value) }));
}

// ------------------------------------------------------------------------------------ held streams
async function mockStats(mockOrigin, reset) {
  const response = await request(`${mockOrigin}/stats${reset ? '?reset=1' : ''}`);
  return JSON.parse(await response.body.text());
}

/** One held-streams run of `streams` against `target`, with the gateway's memory and CPU around it. */
async function heldRun(target, streams, mockOrigin, gatewayPid) {
  await mockStats(mockOrigin, true);
  const before = memoryMB(gatewayPid);
  const cpuBefore = cpuMicros(gatewayPid);
  let peak = before?.rss ?? Number.NaN;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryMB(gatewayPid)?.rss ?? Number.NaN);
  }, 100);
  const result = await runHeld({
    origin: target.origin,
    headers: target.headers,
    body: BODIES.held,
    streams,
    rampMs: settings.heldRampMs,
    limitMs: heldLimitMs(),
    timeoutMs: settings.timeoutMs,
    expectChunks: HELD_CHUNKS,
  });
  clearInterval(sampler);
  const cpuUs = (cpuMicros(gatewayPid) ?? Number.NaN) - (cpuBefore ?? Number.NaN);
  const { peakOpenStreams } = await mockStats(mockOrigin, false);
  const gateway = target.name !== 'direct';
  return {
    mode: 'held',
    load: `N=${streams}`,
    target: target.name,
    ...result,
    upstreamPeak: peakOpenStreams,
    rssBeforeMB: gateway ? (before?.rss ?? Number.NaN) : Number.NaN,
    rssPeakMB: gateway ? peak : Number.NaN,
    kbPerStream: gateway ? ((peak - (before?.rss ?? Number.NaN)) * 1024) / streams : Number.NaN,
    cpuPerStreamUs: gateway && result.ok > 0 ? cpuUs / result.ok : Number.NaN,
  };
}

function renderHeld(rows) {
  const ideal = HELD_CHUNKS * settings.heldChunkMs;
  const lines = [
    `Held streams: N at once, ${HELD_CHUNKS} chunks ${settings.heldChunkMs} ms apart (ideal stream ${ideal} ms), started over ${settings.heldRampMs} ms${settings.heldPromptKb ? `, each with a ${settings.heldPromptKb} KB prompt` : ''}; RSS and CPU are the gateway's.`,
    '',
    '| N | target | ok | errors | upstream at once | TTFB p50 ms | TTFB p99 ms | stream p50 ms | stream max ms | RSS before MB | RSS peak MB | KB/stream | gw CPU µs/stream |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.load.slice(2)} | ${LABELS[row.target] ?? row.target} | ${row.ok} | ${row.errors} | ${row.upstreamPeak} | ${fmt(row.ttfb.p50)} | ${fmt(row.ttfb.p99)} | ${fmtInt(row.latency.p50)} | ${fmtInt(row.latency.max)} | ${fmtInt(row.rssBeforeMB)} | ${fmtInt(row.rssPeakMB)} | ${fmtInt(row.kbPerStream)} | ${fmtInt(row.cpuPerStreamUs)} |`,
    );
  }
  for (const row of rows) if (row.errors > 0) lines.push('', `${row.target} N=${row.load.slice(2)} errors: ${JSON.stringify(row.errorDetail)}; first: ${row.firstError}`);
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------ phases
const directTarget = (mockOrigin) => ({ name: 'direct', origin: mockOrigin, headers: { authorization: `Bearer ${KEY}` } });

/** Stops one child (SIGTERM, SIGKILL after `graceMs`) and waits for its exit. */
function stopChild(child, graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The command line of one gateway run: bench/floor.mjs, or bench-serve with the run's settings (both with npm start's node flags). */
function gatewayArgs(target, route, mockOrigin, database, governanceDb) {
  if (target === 'floor') return [...GATEWAY_NODE_FLAGS, 'bench/floor.mjs', '--port=0', `--upstream=${mockOrigin}/v1`, `--key=${KEY}`];
  return [
    ...GATEWAY_NODE_FLAGS,
    ...(settings.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfDir}`] : []),
    'bin/switchboard.js',
    'bench-serve', '--port', '0', '--host', '127.0.0.1', '--upstream', `${mockOrigin}/v1`, '--key', KEY, '--quiet',
    ...(database ? ['--usage-database-url', database.url] : []),
    ...(route === 'on' ? ['--route', ROUTE_NAME] : []),
    ...(governanceDb ? ['--governance-database-url', governanceDb.url] : []),
  ];
}

/**
 * One gateway run (`target`: gateway, full or floor) with the ledger `off` or `on` (a fresh
 * Postgres database, checked and dropped after): starts the gateway, checks its answers, runs the
 * loads (each right after the same load against the mock directly, so every run has the same shape;
 * the direct rows are reported for the first run only) and the held streams (in the first run and in the full
 * and floor runs), stops it. Returns its rows and failures.
 */
async function gatewayPhase({ target: name, ledger, trace, route, governance }, mockOrigin, first, reference) {
  const failures = [];
  const database = ledger === 'on' ? await createLedgerDatabase(settings.adminUrl) : undefined;
  const sink = trace === 'on' ? await startOtlpSink() : undefined;
  const governanceDb = governance === 'on' ? await createLedgerDatabase(settings.adminUrl) : undefined;
  try {
    const gatewayStarted = performance.now();
    const gateway = await start(
      `${LABELS[name]} (ledger ${ledger})`,
      gatewayArgs(name, route, mockOrigin, database, governanceDb),
      1,
      /on http:\/\/127\.0\.0\.1:(\d+)/,
      settings.readyTimeoutMs,
      sink ? traceEnv(sink) : {},
    );
    const gatewayPid = gateway.child.pid;
    const startupMs = performance.now() - gatewayStarted;
    const idle = memoryMB(gatewayPid);
    log(`${LABELS[name]}: ledger ${ledger}, tracing ${trace}, route ${route}, governance ${governance}: http://127.0.0.1:${gateway.match[1]} (pid ${gatewayPid}) up in ${Math.round(startupMs)} ms, RSS ${fmtInt(idle?.rss)} MB${database ? `, ledger database ${database.name}` : ''}`);
    const gatewayTarget = {
      name,
      origin: `http://127.0.0.1:${gateway.match[1]}`,
      headers: { authorization: `Bearer ${KEY}` },
      ...(route === 'on' ? { bodies: Object.fromEntries(Object.entries(BODIES).map(([mode, body]) => [mode, routedBody(body)])) } : {}),
    };
    if (route === 'on') log(`route on: the gateway's chat loads name the two-target route ${ROUTE_NAME}`);
    // Every run drives the mock directly before each gateway load, as the first run does: a run
    // without those gaps measured up to 2x the gateway CPU per request (2026-12-02), so runs of
    // different shapes are not comparable. Only the first run's direct rows are reported.
    const targets = [directTarget(mockOrigin), gatewayTarget];

    const through = await checkTarget(gatewayTarget, reference);
    let answered = 3; // the chat, stream and embeddings checks
    log(`checks: ${LABELS[name]} ${through.problems.length ? through.problems.join('; ') : 'ok'} (${through.chatBytes} B, ${through.streamEvents} SSE events)`);
    if (through.problems.length > 0) {
      await stopChild(gateway.child);
      return { wrong: true, failures: through.problems.map((p) => `${LABELS[name]} ${p}`) };
    }

    const loads = [...settings.connections.map((c) => ({ load: `c=${c}`, connections: c })), ...settings.rates.map((r) => ({ load: `${r}/s`, rate: r }))];
    const rows = [];
    const base = { path: '/v1/chat/completions', expect: JSON.stringify(reference), maxRequests: settings.maxRequests, timeoutMs: settings.timeoutMs };
    for (const mode of settings.modes) {
      const bodyFor = (target) => (target.bodies ?? BODIES)[mode];
      const stream = mode === 'stream';
      if (settings.warmupMs > 0) {
        for (const target of targets) {
          const warm = await runLoad({ ...base, origin: target.origin, headers: target.headers, body: bodyFor(target), stream, connections: 10, durationMs: settings.warmupMs });
          if (target === gatewayTarget) answered += warm.good + warm.errors;
        }
      }
      for (const { load, connections, rate } of loads) {
        for (const target of targets) {
          await sleep(300);
          const cpuBefore = cpuMicros(gatewayPid);
          const result = await runLoad({ ...base, origin: target.origin, headers: target.headers, body: bodyFor(target), stream, connections, rate, durationMs: settings.durationMs });
          const cpuUs = (cpuMicros(gatewayPid) ?? Number.NaN) - (cpuBefore ?? Number.NaN);
          const memory = memoryMB(gatewayPid);
          if (target === gatewayTarget) answered += result.good + result.errors;
          const row = {
            mode,
            load,
            target: target.name,
            ledger,
            requests: result.good,
            rps: (result.good * 1000) / result.elapsedMs,
            errors: result.errors,
            errorSamples: result.errorSamples,
            total: summarize(result.total),
            ttfb: summarize(result.ttfb),
            schedLagP99Ms: result.schedLagMs.length ? summarize(Float64Array.from(result.schedLagMs)).p99 : undefined,
            cpuPerRequestUs: result.good > 0 ? cpuUs / result.good : Number.NaN,
            cpuShare: cpuUs / 1000 / result.elapsedMs,
            rssMB: memory?.rss ?? Number.NaN,
            hwmMB: memory?.hwm ?? Number.NaN,
          };
          if (first || target === gatewayTarget) rows.push(row);
          const ttfbText = stream ? ` ttfb p50 ${fmt(row.ttfb.p50)}` : '';
          const cpuText = target === gatewayTarget ? ` | gw ${fmtInt(row.cpuPerRequestUs)} µs/req, ${fmtInt(row.cpuShare * 100)}% CPU, RSS ${fmtInt(row.rssMB)} MB` : '';
          const runText = target === gatewayTarget && name !== 'floor' ? ` (ledger ${ledger})` : '';
          log(`${mode} ${load} ${target.name}${runText}: ${fmtInt(row.rps)} req/s p50 ${fmt(row.total.p50)} p99 ${fmt(row.total.p99)}${ttfbText} err ${row.errors}${cpuText}`);
          for (const sample of result.errorSamples) log(`  error: ${sample}`);
          if (result.errors > 0) failures.push(`${target.name} ${mode} ${load}${runText}: ${result.errors} errors (${result.errorSamples[0]})`);
        }
      }
    }
    // VmHWM after the loads, before the held streams: the "peak RSS under load" of the floor summary.
    const loadMemory = memoryMB(gatewayPid);
    const heldRows = [];
    for (const streams of first || name !== 'gateway' ? settings.held : []) {
      for (const target of targets) {
        await sleep(500);
        heldRows.push(await heldRun(target, streams, mockOrigin, gatewayPid));
        const row = heldRows.at(-1);
        if (target === gatewayTarget) answered += row.ok + row.errors;
        log(`held N=${streams} ${target.name}: ok ${row.ok}, errors ${row.errors}${row.firstError ? ` (${row.firstError})` : ''}, upstream at once ${row.upstreamPeak}, TTFB p50 ${fmt(row.ttfb.p50)} p99 ${fmt(row.ttfb.p99)} ms, RSS ${fmtInt(row.rssBeforeMB)} → ${fmtInt(row.rssPeakMB)} MB`);
        if (row.errors > 0) failures.push(`${target.name} held N=${streams}: ${row.errors} errors (${row.firstError})`);
      }
    }
    const finalMemory = memoryMB(gatewayPid);
    // SIGTERM: the gateway flushes the ledger before it exits.
    await stopChild(gateway.child);
    let ledgerLine = name === 'floor' ? `${LABELS.floor}: bench/floor.mjs (no ledger, limits, route or logging)` : `${LABELS[name]}: ledger: off`;
    if (database) {
      const recorded = await database.rows();
      ledgerLine = `${LABELS[name]}: ledger: on (Postgres): ${fmtInt(recorded)} ledger rows for ${fmtInt(answered)} requests the gateway answered${recorded === answered ? '' : ' (MISMATCH)'}`;
      if (recorded !== answered) failures.push(`ledger holds ${recorded} rows for ${answered} requests the gateway answered`);
    }
    if (governanceDb) ledgerLine += '; governance: on (a budget and a rate limit on the bench key, leased from Postgres)';
    if (route === 'on') ledgerLine += `; route: on (${ROUTE_NAME})`;
    log(ledgerLine);
    const tracingLine = traceLine(sink, answered);
    if (name !== 'floor') log(tracingLine);
    return { target: name, ledger, trace, governance, rows, heldRows, startupMs, idle, loadMemory, finalMemory, ledgerLine, tracingLine, failures };
  } finally {
    await database?.drop().catch((error) => log(`could not drop ${database.name}: ${error.message}`));
    await sink?.close();
    await governanceDb?.drop().catch((error) => log(`could not drop ${governanceDb.name}: ${error.message}`));
  }
}

/** The off-vs-on table of the one setting BENCH_LEDGER/TRACE/ROUTE/GOVERNANCE=both compares. */
function comparison(offRows, onRows) {
  if (compared === 'route') return renderRouteComparison(offRows, onRows);
  if (compared === 'trace') return renderTraceComparison(offRows, onRows);
  if (compared === 'governance') return renderLedgerComparison(offRows, onRows, 'Governance off vs on (a budget and a rate limit on the bench key; goal: within 15% on req/s and CPU per request):');
  return renderLedgerComparison(offRows, onRows);
}

// ------------------------------------------------------------------------------------ main
async function main() {
  const startedAt = new Date();
  const watchdogMs =
    60_000 +
    settings.readyTimeoutMs +
    settings.modes.length * 2 * (settings.connections.length + settings.rates.length) * (settings.durationMs + 2000) * 1.5 +
    settings.held.length * 2 * (heldLimitMs() + 5000);
  const watchdogAllMs = watchdogMs * allRuns.length;
  setTimeout(() => {
    log(`bench watchdog: still running after ${Math.round(watchdogAllMs / 1000)} s, stopping`);
    void stopAll().finally(() => process.exit(2));
  }, watchdogAllMs).unref();

  buildIfNeeded();
  log(`pinning: ${pinned ? 'load generator + mock on CPU 0, gateway on CPU 1 (taskset)' : 'off'}`);
  if (pinned && process.env.BENCH_PIN_POSTGRES === '1') process.once('exit', pinPostgres(0, log));

  const mock = await start(
    'mock upstream',
    ['bench/mock-upstream.mjs', '--port=0', '--exit-with-stdin', `--chunks=${HELD_CHUNKS}`, `--slow-model=${HELD_MODEL}`, `--slow-chunk-delay-ms=${settings.heldChunkMs}`],
    0,
    /"port":(\d+)/,
    10_000,
  );
  const mockOrigin = `http://127.0.0.1:${mock.match[1]}`;
  const direct = await checkTarget(directTarget(mockOrigin));
  const failures = direct.problems.map((p) => `direct ${p}`);
  log(`checks: direct ${direct.problems.length ? direct.problems.join('; ') : 'ok'} (${direct.chatBytes} B)`);
  if (failures.length > 0 || typeof direct.content !== 'string') {
    await stopAll();
    log('wrong answers, not measuring');
    return { exitCode: 1 };
  }
  const phases = [];
  for (const run of allRuns) {
    const phase = await gatewayPhase(run, mockOrigin, phases.length === 0, direct.content);
    phase.route = run.route;
    phases.push(phase);
    failures.push(...phase.failures);
    if (phase.wrong) break;
  }
  await stopAll();
  if (phases.some((phase) => phase.wrong)) {
    log('wrong answers, not measuring');
    return { exitCode: 1 };
  }
  // The Switchboard runs compared with each other (BENCH_LEDGER=both …) and the other targets.
  const comparedPhases = phases.filter((phase) => phase.target === 'gateway');
  const shown = [...comparedPhases.slice(0, 1), ...phases.filter((phase) => phase.target !== 'gateway')];
  const rows = orderRows(shown.flatMap((phase) => phase.rows));
  const heldRows = orderRows(shown.flatMap((phase) => phase.heldRows));
  const gatewayRows = comparedPhases[0]?.rows ?? [];
  const ledgerLines = phases.flatMap((phase) => [phase.ledgerLine, ...(settings.trace.includes('on') && phase.target === 'gateway' ? [phase.tracingLine] : [])]);
  const traced = compared === 'trace';
  const comparedName = { ledger: 'ledger', trace: 'tracing', route: 'route', governance: 'governance' }[compared];
  const peakOf = (phase) => phase.finalMemory?.hwm ?? Math.max(...phase.rows.map((row) => row.hwmMB));
  const peakMB = comparedPhases[0] ? peakOf(comparedPhases[0]) : Number.NaN;
  const goalList = gatewayRows.length ? goals(gatewayRows, peakMB) : [];
  const loadPeaks = Object.fromEntries(shown.map((phase) => [phase.target, phase.loadMemory?.hwm ?? Number.NaN]));
  const figures = settings.targets.floor && shown.length > 1 ? floorFigures(rows, heldRows, loadPeaks) : [];
  const table = renderTable(rows);
  const lines = [
    `# Switchboard gateway bench ${startedAt.toISOString()}`,
    '',
    `${settings.durationMs / 1000} s per run after ${settings.warmupMs / 1000} s warm-up per mode (c=10); mock with 20 tokens per answer; ${pinned ? 'each gateway pinned to CPU 1 in turn, load generator + mock on CPU 0' : 'no CPU pinning'}; Node ${process.version}, ${os.cpus().length} CPUs (load average ${os.loadavg()[0].toFixed(1)}).`,
    'Latency ms = full response time seen by the client (streaming: to the last byte); TTFB = first body byte; + = target minus direct.',
    ...shown.map((phase) => `${LABELS[phase.target]}: started in ${fmtInt(phase.startupMs)} ms, idle RSS ${fmtInt(phase.idle?.rss)} MB, peak RSS (VmHWM) ${fmtInt(peakOf(phase))} MB${phase.heldRows.length ? ` (${fmtInt(phase.loadMemory?.hwm)} MB before the held streams)` : ''}.`),
    ...(comparedPhases.length > 1 ? [`Table and goals: the first Switchboard run (${comparedName} off); the ${comparedName}-on run is compared below.`] : []),
    ...ledgerLines,
    ...(figures.length ? ['', renderFloorSummary(figures, settings.targets)] : []),
    ...(rows.length === 0
      ? []
      : [
          '',
          table,
        ]),
    ...(goalList.length === 0
      ? []
      : [
          '',
          '| goal (issue 4 item 9, switchboard bare) | measured | target | |',
          '| --- | ---: | ---: | --- |',
          ...goalList.map((goal) => `| ${goal.name} | ${goal.shown} | ${goal.goal} | ${goal.met === null ? '?' : goal.met ? 'met' : 'missed'} |`),
        ]),
    ...(heldRows.length ? ['', renderHeld(heldRows)] : []),
    ...(comparedPhases.length > 1 ? ['', comparison(comparedPhases[0].rows, comparedPhases[1].rows)] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const outDir = path.join(ROOT, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const serializable = rows.map((row) => ({ ...row }));
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt, node: process.version, nodeFlags: GATEWAY_NODE_FLAGS, cpus: os.cpus().length, pinned, settings, startupMs: comparedPhases[0]?.startupMs, idleRssMB: comparedPhases[0]?.idle?.rss, peakRssMB: peakMB, loadPeakRssMB: loadPeaks, rows: serializable, ledgerOnRows: compared === 'ledger' ? comparedPhases[1]?.rows ?? [] : [], routeOnRows: compared === 'route' ? comparedPhases[1]?.rows ?? [] : [], traceOnRows: traced ? comparedPhases[1]?.rows ?? [] : [], ledger: ledgerLines, held: heldRows, goals: goalList, floorSummary: figures, failures }, null, 2)}\n`,
  );
  log(`results: ${path.relative(ROOT, file)}`);
  if (failures.length > 0) {
    log(`FAILED: ${failures.join('; ')}`);
    return { exitCode: 1 };
  }
  return { exitCode: 0 };
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

main().then(
  ({ exitCode }) => {
    process.exitCode = exitCode;
  },
  async (error) => {
    log(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll();
    process.exitCode = 2;
  },
);
