#!/usr/bin/env node
// `npm run bench:ab`: one feature off (A) vs on (B), measured side by side. Two gateways, both
// pinned to CPU 1 (the load generator and the mock on CPU 0), get the same load at the same time
// in every round (AB_ROUNDS of AB_SECONDS), so the machine's drift (on this VM the same build's CPU
// per request moved by 2× within minutes) hits both alike. AB_TOGETHER=0 loads them in turn
// instead, A B B A … (the instrument before 2026-12-03).
//
// A pair of identical gateway processes is not identical: here the one started second ran 3-8%
// faster for its whole life (AB_COMPARE=none, 2026-12-03). So the pair is started AB_PAIRS times,
// A first, then B first, …, and the table gives the medians over every round of every pair: the
// sides' req/s, p50 and CPU per request, and the median of the per-round differences B − A.
// Sequential off-then-on runs on this 2-core machine disagreed by up to 2× (docs/benchmark-history.md);
// this is the instrument for the issues' "within X%" goals.
//
//   AB_COMPARE=route|ledger|governance|full|none|ledger-both|governance-both|full-both|node|floor|floor-full   (full: ledger + budget + rate limit + route, vs bare;
//     none: bare vs bare; ledger-both, governance-both, full-both: that feature on both sides (with AB_ROOT_A, two builds' features); node: bare vs bare started with AB_NODE_OPTIONS; floor: bench/floor.mjs (A) vs bare (B);
//     floor-full: bench/floor.mjs vs the full hot path. With floor, B's CPU per request over A's is issue 14's ratio)
//   AB_PAIRS=4 AB_ROUNDS=6 AB_SECONDS=2 AB_IDLE_MS=0 AB_LOADS=chat:10,chat:50,stream:10,chat@3000 AB_TOGETHER=1 AB_PROMPT_KB=0
//   BENCH_PIN_POSTGRES=1 AB_VERBOSE=1 AB_ROOT_A=<another checkout, built: its build is side A>
// Ledger and governance need Postgres (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedgerDatabase, DEFAULT_ADMIN_URL } from './ledger.mjs';
import { runLoad, summarize } from './loadgen.mjs';
import { pinPostgres } from './pin-postgres.mjs';
import { profileShare } from './profile-share.mjs';
import { cpuSplitMicros } from './procstat.mjs';
import { ROUTE_NAME, routedBody } from './route.mjs';
import { GATEWAY_NODE_FLAGS } from './v8-flags.mjs';
import { withLongPrompt } from './long-prompt.mjs';
import { runHeld } from './held.mjs';
import { CHAT_REQUEST } from './chat-request.mjs';
import { startPinned } from './start-pinned.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'sk-bench';
const log = (line) => process.stderr.write(`${line}\n`);
const compare = process.env.AB_COMPARE ?? 'route';
const pairs = Number(process.env.AB_PAIRS ?? 4);
const rounds = Number(process.env.AB_ROUNDS ?? 6);
const seconds = Number(process.env.AB_SECONDS ?? 2);
// AB_IDLE_MS: both gateways sit idle this long after starting, before the warm-up. V8's memory
// reducer shrinks an idle heap about 8 s after its last full GC, and a gateway loaded after that
// ran slower for its whole life (docs/benchmark-history.md): 10000 measures that state on both sides.
const idleMs = Number(process.env.AB_IDLE_MS ?? 0);
// `mode:N` is a closed loop on N connections; `mode@R` an open loop at R requests/s, the same
// offered load on both sides (CPU per request then compares equal work, whatever the req/s ceiling).
// `held:N`: N slow streams per side at once (20 chunks AB_HELD_CHUNK_MS apart, started over 1 s),
// each on its own connection, as in `npm run bench`'s held mode: CPU per stream, one event per read.
const loads = (process.env.AB_LOADS ?? 'chat:10,chat:50,stream:10').split(',').map((item) => {
  const [mode, amount] = item.split(/[:@]/);
  const open = item.includes('@');
  if (!(mode in { chat: 1, stream: 1, held: 1 }) || !(Number(amount) > 0) || (mode === 'held' && (open || Number(amount) > 5000))) throw new Error(`AB_LOADS: cannot read '${item}'`);
  if (mode === 'held') return { mode, streams: Number(amount), label: `held N=${amount}` };
  return open ? { mode, rate: Number(amount), label: `${mode} @${amount}/s` } : { mode, connections: Number(amount), label: `${mode} c=${amount}` };
});
const HELD_MODEL = 'gpt-4.1-mini';
const HELD_CHUNKS = 20;
const heldChunkMs = Number(process.env.AB_HELD_CHUNK_MS ?? 200);
if (!(heldChunkMs >= 10 && heldChunkMs <= 2000)) throw new Error('AB_HELD_CHUNK_MS takes 10..2000');
if (!['route', 'ledger', 'governance', 'full', 'none', 'ledger-both', 'governance-both', 'full-both', 'node', 'floor', 'floor-full'].includes(compare)) {
  throw new Error('AB_COMPARE takes route, ledger, governance, full, none, ledger-both, governance-both, full-both, node, floor or floor-full');
}
if (!(pairs >= 1 && pairs <= 10 && rounds >= 2 && rounds <= 40 && seconds >= 1 && seconds <= 30)) throw new Error('AB_PAIRS 1..10, AB_ROUNDS 2..40, AB_SECONDS 1..30');

// AB_PROMPT_KB=100: the user's prompt lengthened to about that many KB (long contexts).
const promptKb = Number(process.env.AB_PROMPT_KB ?? 0);
if (!(Number.isInteger(promptKb) && promptKb >= 0 && promptKb <= 10_000)) throw new Error('AB_PROMPT_KB takes an integer in 0..10000');
const PROMPTED = { ...CHAT_REQUEST, messages: withLongPrompt(CHAT_REQUEST.messages, promptKb) };
const BODIES = {
  chat: JSON.stringify(PROMPTED),
  stream: JSON.stringify({ ...PROMPTED, stream: true, stream_options: { include_usage: true } }),
  held: JSON.stringify({ ...PROMPTED, model: HELD_MODEL, stream: true, stream_options: { include_usage: true } }),
};

const children = new Set();
/** Bench databases not dropped yet. */
const pending = new Set();
function start(args, cpu, pattern, nodeOptions = [], cwd = ROOT) {
  return startPinned(args, { cpu, pattern, nodeOptions, cwd, children });
}

async function gateway(mockOrigin, features) {
  if (features.floor) {
    const floorArgs = ['bench/floor.mjs', '--port=0', `--upstream=${mockOrigin}/v1`, `--key=${KEY}`];
    const { child, port } = await start(floorArgs, 1, /floor listening on http:\/\/127\.0\.0\.1:(\d+)/, [...GATEWAY_NODE_FLAGS, ...(features.b ? nodeOptionsB : nodeOptionsA)], features.b ? ROOT : rootA);
    return { name: features.b ? 'B' : 'A', child, origin: `http://127.0.0.1:${port}`, route: false, ledger: undefined, served: 0, drop: async () => {} };
  }
  const adminUrl = process.env.DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const ledger = features.ledger ? await createLedgerDatabase(adminUrl) : undefined;
  if (ledger) pending.add(ledger);
  const governance = features.governance ? await createLedgerDatabase(adminUrl) : undefined;
  if (governance) pending.add(governance);
  const args = ['bin/switchboard.js', 'bench-serve', '--port', '0', '--host', '127.0.0.1', '--upstream', `${mockOrigin}/v1`, '--key', KEY, '--quiet'];
  if (ledger) args.push('--usage-database-url', ledger.url);
  if (governance) args.push('--governance-database-url', governance.url);
  if (features.route) args.push('--route', ROUTE_NAME);
  const { child, port } = await start(args, 1, /on http:\/\/127\.0\.0\.1:(\d+)/, [...GATEWAY_NODE_FLAGS, ...(features.b ? nodeOptionsB : nodeOptionsA)], features.b ? ROOT : rootA);
  const drop = async () => {
    for (const database of [ledger, governance]) {
      if (database === undefined) continue;
      await database.drop();
      pending.delete(database);
    }
  };
  return { name: features.b ? 'B' : 'A', child, origin: `http://127.0.0.1:${port}`, route: features.route === true, ledger, served: 0, drop };
}

const SIDES = {
  route: [{}, { route: true }],
  ledger: [{}, { ledger: true }],
  governance: [{}, { governance: true }],
  full: [{}, { ledger: true, governance: true, route: true }],
  // A control: two identical bare gateways (the instrument's own bias and noise).
  none: [{}, {}],
  // The ledger on both sides: with AB_ROOT_A, one build's ledger path against another's.
  'ledger-both': [{ ledger: true }, { ledger: true }],
  'governance-both': [{ governance: true }, { governance: true }],
  'full-both': [
    { ledger: true, governance: true, route: true },
    { ledger: true, governance: true, route: true },
  ],
  // Bare gateways, B started with AB_NODE_OPTIONS (V8 flags such as --max-semi-space-size=32).
  node: [{}, {}],
  // Issue 14's ratios, drift-free: bench/floor.mjs (A) against the bare gateway or the full hot path (B).
  floor: [{ floor: true }, {}],
  'floor-full': [{ floor: true }, { ledger: true, governance: true, route: true }],
};

// AB_TOGETHER (default 1): both sides loaded at once in every round; they share CPU 1 at the same
// moments, and each side's req/s is what its share of the core serves.
const together = process.env.AB_TOGETHER !== '0';
// AB_VERBOSE=1: one line per round and side (req/s, CPU, latency percentiles), to see the drift.
const verbose = process.env.AB_VERBOSE === '1';
// Node flags for side B in every comparison (e.g. --cpu-prof --cpu-prof-dir=/tmp/p to profile it);
// with AB_COMPARE=node they are the only difference.
const nodeOptionsB = (process.env.AB_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
// AB_ROOT_A: side A runs the build of another checkout (e.g. `git worktree add /tmp/before HEAD~1`,
// then `npm run build` there): with AB_COMPARE=none, that commit against this one.
const rootA = process.env.AB_ROOT_A ? path.resolve(process.env.AB_ROOT_A) : ROOT;
// Node flags for side A (AB_NODE_OPTIONS_A), e.g. to profile both sides alike and diff the profiles.
const nodeOptionsA = (process.env.AB_NODE_OPTIONS_A ?? '').split(' ').filter(Boolean);
// AB_PROFILE_B=1: B runs under the CPU profiler, and the run ends with the share of B's busy time
// spent in the compared feature's own code (see profile-share.mjs), a measure in place that does not
// depend on the two sides' req/s. The profiler slows B, so its req/s and Δ are not comparable then.
const profileDirB = process.env.AB_PROFILE_B === '1' ? mkdtempSync(path.join(os.tmpdir(), 'ab-prof-')) : undefined;
if (profileDirB) nodeOptionsB.push('--cpu-prof', `--cpu-prof-dir=${profileDirB}`);
const FEATURE_CODE = {
  ledger: /\/dist\/(usage\/|db\/sql\/(usage|array-literal)\.js)/,
  governance: /\/dist\/governance\//,
  route: /\/dist\/routing\//,
  full: /\/dist\/(usage|governance|routing)\/|\/dist\/db\/sql\/(usage|array-literal)\.js/,
};

const median = (values) => summarize(Float64Array.from(values)).p50;

async function measure(side, load, durationMs) {
  if (load.mode === 'held') return measureHeld(side, load);
  const { mode, connections, rate, label } = load;
  const body = side.route ? routedBody(BODIES[mode]) : BODIES[mode];
  const before = cpuSplitMicros(side.child.pid);
  const result = await runLoad({
    origin: side.origin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${KEY}` }, body, stream: mode === 'stream',
    connections, rate, durationMs, maxRequests: 200_000, timeoutMs: 10_000, expect: '"object":"chat.completion"',
  });
  const after = cpuSplitMicros(side.child.pid);
  const systemUs = after.system - before.system;
  const cpuUs = after.user + systemUs - before.user;
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} errors (${result.errorSamples[0]})`);
  side.served += result.good;
  if (verbose) {
    const q = summarize(result.total);
    log(`${new Date().toISOString().slice(11, 19)} ${side.name} ${label}: ${Math.round((result.good * 1000) / result.elapsedMs)} req/s, ${(cpuUs / result.good).toFixed(0)} CPU µs/req (${(systemUs / result.good).toFixed(0)} in the kernel), latency ms p50 ${q.p50.toFixed(2)} p90 ${q.p90.toFixed(2)} p99 ${q.p99.toFixed(2)} max ${q.max.toFixed(1)}`);
  }
  return { cpuPerRequest: cpuUs / result.good, rps: (result.good * 1000) / result.elapsedMs, p50: summarize(result.total).p50 };
}

/** One round of held streams on one side: every stream must complete; CPU per stream. */
async function measureHeld(side, { streams, label }) {
  const body = side.route ? routedBody(BODIES.held) : BODIES.held;
  const before = cpuSplitMicros(side.child.pid);
  const result = await runHeld({
    origin: side.origin, headers: { authorization: `Bearer ${KEY}` }, body, streams, rampMs: 1000,
    limitMs: 1000 + HELD_CHUNKS * heldChunkMs * 3 + 10_000, timeoutMs: 10_000, expectChunks: HELD_CHUNKS,
  });
  const after = cpuSplitMicros(side.child.pid);
  const cpuUs = after.user + after.system - before.user - before.system;
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} errors (${result.firstError})`);
  side.served += result.ok;
  if (verbose) log(`${new Date().toISOString().slice(11, 19)} ${side.name} ${label}: ${(cpuUs / result.ok).toFixed(0)} CPU µs/stream, TTFB ms p50 ${result.ttfb.p50.toFixed(1)} p99 ${result.ttfb.p99.toFixed(1)}`);
  return { cpuPerRequest: cpuUs / result.ok, rps: result.ok, p50: result.ttfb.p50 };
}

/** Starts both gateways, B first when `bFirst` (the one started second ran faster: see the top). */
async function startPair(mockOrigin, bFirst) {
  const sides = [];
  for (const index of bFirst ? [1, 0] : [0, 1]) sides[index] = await gateway(mockOrigin, { ...SIDES[compare][index], b: index === 1 });
  return sides;
}

/** Stops both gateways (SIGTERM flushes the ledger), checks the ledger's rows, drops the databases. */
async function stopPair(sides) {
  await Promise.all(
    sides.map((side) => {
      children.delete(side.child);
      if (side.child.exitCode !== null) return undefined;
      const exited = new Promise((resolve) => side.child.once('exit', resolve));
      side.child.kill('SIGTERM');
      return exited;
    }),
  );
  for (const side of sides) {
    if (side.ledger) {
      // The ledger side must have recorded every request it served.
      const rows = await side.ledger.rows();
      log(`ledger: ${rows} rows for ${side.served} requests served`);
      if (rows !== side.served) process.exitCode = 1;
    }
    await side.drop().catch((error) => log(`could not drop a bench database: ${error.message}`));
  }
}

/** Each side's rounds of one load under one pair of processes. */
async function measureLoad(sides, load) {
  // Warm-up, not recorded: the load itself on both sides at once, long enough for the JIT's top
  // tier (a shorter one left the first recorded round of the side warmed first slower).
  await Promise.all(sides.map((side) => measure(side, load, 5000)));
  const runs = [[], []];
  for (let round = 0; round < rounds; round++) {
    if (together) {
      const pair = await Promise.all(sides.map((side) => measure(side, load, seconds * 1000)));
      pair.forEach((run, index) => runs[index].push(run));
      continue;
    }
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const index of order) runs[index].push(await measure(sides[index], load, seconds * 1000));
  }
  return runs;
}

function tableRow(load, runs) {
  const [a, b] = runs.map((list) => ({
    cpu: median(list.map((run) => run.cpuPerRequest)),
    rps: median(list.map((run) => run.rps)),
    p50: median(list.map((run) => run.p50)),
  }));
  // Each round's A and B ran at the same moment (or back to back), so their differences are far
  // steadier than the sides' medians.
  const delta = median(runs[0].map((run, index) => runs[1][index].cpuPerRequest - run.cpuPerRequest));
  const ratio = median(runs[0].map((run, index) => runs[1][index].cpuPerRequest / run.cpuPerRequest));
  const rpsDelta = median(runs[0].map((run, index) => (runs[1][index].rps / run.rps - 1) * 100));
  // Latency, B − A per round: with AB_TOGETHER=0 each side is loaded alone, back to back (issue 14's latency goal).
  const p50Delta = median(runs[0].map((run, index) => runs[1][index].p50 - run.p50));
  // The start-order bias (see the top) splits the rounds into two clusters, one per start order, and
  // the median of all rounds can land anywhere between them. The mean of each pair's median weighs
  // both orders alike (with an even AB_PAIRS): the figure to quote.
  const pairMedians = [];
  for (let from = 0; from < runs[0].length; from += rounds) {
    pairMedians.push(median(runs[0].slice(from, from + rounds).map((run, index) => runs[1][from + index].cpuPerRequest - run.cpuPerRequest)));
  }
  const pairMean = pairMedians.reduce((sum, value) => sum + value, 0) / pairMedians.length;
  const signed = (value, digits) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
  return `| ${load.label} | ${Math.round(a.rps)} | ${Math.round(b.rps)} | ${signed(rpsDelta, 1)}% | ${a.p50.toFixed(3)} | ${b.p50.toFixed(3)} | ${a.cpu.toFixed(0)} | ${b.cpu.toFixed(0)} | ${signed(delta, 1)} | ${((delta * 100) / a.cpu).toFixed(1)}% | ${signed(pairMean, 1)} (${((pairMean * 100) / a.cpu).toFixed(1)}%) | ${ratio.toFixed(2)}× | ${signed(p50Delta, 3)} |`;
}

async function main() {
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  if (process.env.BENCH_PIN_POSTGRES === '1') process.once('exit', pinPostgres(0, log));
  const mock = await start(['bench/mock-upstream.mjs', '--port=0', '--exit-with-stdin', `--chunks=${HELD_CHUNKS}`, `--slow-model=${HELD_MODEL}`, `--slow-chunk-delay-ms=${heldChunkMs}`], 0, /"port":(\d+)/);
  const mockOrigin = `http://127.0.0.1:${mock.port}`;
  const how = together ? 'both loaded at once' : 'in turn, ABBA order';
  const lines = [
    `${compare.startsWith('floor') ? `floor (A) vs Switchboard ${compare === 'floor' ? 'bare' : 'full hot path'} (B)` : compare.endsWith('-both') ? `${compare.replace('-both', '')} on both sides (A vs B)` : `${compare} off (A) vs on (B)`}${rootA === ROOT ? '' : ` (A runs the build in ${rootA})`}: ${pairs} pair(s) of gateway processes (started A first, then B first, …), ${rounds} rounds of ${seconds} s per load and pair, ${how}, both gateways on CPU 1.`,
    '',
    '| load | req/s A | req/s B | Δ req/s (median of rounds) | p50 ms A | p50 ms B | CPU µs/req A | CPU µs/req B | Δ µs (median of rounds) | Δ % | Δ µs (mean of the pairs\' medians) | CPU B ÷ A (median of rounds) | Δ p50 ms (median of rounds) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const runsByLoad = loads.map(() => [[], []]);
  try {
    await measurePairs(mockOrigin, runsByLoad);
  } finally {
    mock.child.kill('SIGTERM');
    children.delete(mock.child);
  }
  if (profileDirB) reportShare(profileDirB);
  for (const [index, load] of loads.entries()) lines.push(tableRow(load, runsByLoad[index]));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Every pair in turn (A started first, then B first, …): each load's rounds, per side. */
async function measurePairs(mockOrigin, runsByLoad) {
  for (let pair = 0; pair < pairs; pair++) {
    const sides = await startPair(mockOrigin, pair % 2 === 1);
    // Both sides idle before the load, as a gateway does between its start and its first traffic.
    if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
    try {
      for (const [index, load] of loads.entries()) {
        const runs = await measureLoad(sides, load);
        runs.forEach((list, side) => runsByLoad[index][side].push(...list));
        log(`pair ${pair + 1}/${pairs}: ${tableRow(load, runs)}`);
      }
    } finally {
      await stopPair(sides);
    }
  }
}

/** The feature's share of B's busy time, from B's profile (its database child writes one too: skipped). */
function reportShare(dir) {
  const gatewayProfile = readdirSync(dir)
    .map((name) => path.join(dir, name))
    .find((file) => readFileSync(file, 'utf8').includes('/dist/server/'));
  if (!gatewayProfile) {
    log(`profile of B: none written (${dir})`);
    return;
  }
  // With none or node there is no feature code: the GC share is then the bare gateway's, for reference.
  const pattern = FEATURE_CODE[compare];
  const share = profileShare(gatewayProfile, pattern ?? /(?!)/);
  const feature = pattern ? `${compare} code ${(share.shareOfBusy * 100).toFixed(1)}% of busy time (its own frames and the built-ins they call); ` : '';
  log(`profile of B (${gatewayProfile}): ${feature}GC ${(share.gcShareOfBusy * 100).toFixed(1)}% of busy time (not attributed)`);
}

const watchdog = setTimeout(() => {
  log('bench:ab watchdog: stopping');
  for (const child of children) child.kill('SIGKILL');
  process.exit(2);
}, (pairs * (loads.length * (rounds * 2 * (seconds + 1) + 10) + 60) + 120) * 1000);
watchdog.unref();
// Stopped by a signal: the children go too, the bench databases are dropped, and exiting runs the
// 'exit' handlers (Postgres's pin).
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    log(`bench:ab: ${signal}, stopping`);
    const dropped = Promise.all([...pending].map((database) => database.drop().catch((error) => log(`could not drop a bench database: ${error.message}`))));
    void Promise.race([dropped, new Promise((resolve) => setTimeout(resolve, 5000))]).finally(() => process.exit(code));
  });
}
main().then(
  () => clearTimeout(watchdog),
  (error) => {
    log(`bench:ab failed: ${error.message}`);
    for (const child of children) child.kill('SIGKILL');
    process.exitCode = 2;
  },
);
