#!/usr/bin/env node
// `npm run bench:ab`: one feature off vs on, measured interleaved. Two gateways run at once, both
// pinned to CPU 1 (the load generator and the mock on CPU 0), idle in turn: for each load, rounds
// of A then B then B then A … (AB_ROUNDS, AB_SECONDS each), so drifts of the machine hit both
// alike. Prints the median gateway CPU per request and req/s of each side, and the median of the
// per-round differences. Sequential off-then-on runs on this 2-core machine disagreed by up to
// 2× (docs/benchmark.md); this is the instrument for the issues' "within X%" goals.
//
//   AB_COMPARE=route|ledger|governance|full|none|node   (full: ledger + budget + rate limit + route, vs bare;
//     none: bare vs bare; node: bare vs bare started with AB_NODE_OPTIONS)
//   AB_ROUNDS=6 AB_SECONDS=3 AB_LOADS=chat:10,chat:50,stream:10,chat@3000  BENCH_PIN_POSTGRES=1
// Ledger and governance need Postgres (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedgerDatabase, DEFAULT_ADMIN_URL } from './ledger.mjs';
import { runLoad, summarize } from './loadgen.mjs';
import { pinPostgres } from './pin-postgres.mjs';
import { profileShare } from './profile-share.mjs';
import { cpuMicros } from './procstat.mjs';
import { ROUTE_NAME, routedBody } from './route.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'sk-bench';
const log = (line) => process.stderr.write(`${line}\n`);
const compare = process.env.AB_COMPARE ?? 'route';
const rounds = Number(process.env.AB_ROUNDS ?? 6);
const seconds = Number(process.env.AB_SECONDS ?? 3);
// `mode:N` is a closed loop on N connections; `mode@R` an open loop at R requests/s, the same
// offered load on both sides (CPU per request then compares equal work, whatever the req/s ceiling).
const loads = (process.env.AB_LOADS ?? 'chat:10,chat:50,stream:10').split(',').map((item) => {
  const [mode, amount] = item.split(/[:@]/);
  const open = item.includes('@');
  if (!(mode in { chat: 1, stream: 1 }) || !(Number(amount) > 0)) throw new Error(`AB_LOADS: cannot read '${item}'`);
  return open ? { mode, rate: Number(amount), label: `${mode} @${amount}/s` } : { mode, connections: Number(amount), label: `${mode} c=${amount}` };
});
if (!['route', 'ledger', 'governance', 'full', 'none', 'node'].includes(compare)) throw new Error('AB_COMPARE takes route, ledger, governance, full, none or node');
if (!(rounds >= 2 && rounds <= 40 && seconds >= 1 && seconds <= 30)) throw new Error('AB_ROUNDS 2..40, AB_SECONDS 1..30');

const CHAT = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'In one sentence, what does an LLM gateway do?' },
  ],
  max_tokens: 64,
  temperature: 0.2,
};
const BODIES = { chat: JSON.stringify(CHAT), stream: JSON.stringify({ ...CHAT, stream: true, stream_options: { include_usage: true } }) };

const children = new Set();
function start(args, cpu, pattern, nodeOptions = []) {
  const child = spawn('taskset', ['-c', String(cpu), process.execPath, ...nodeOptions, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start\n${output.slice(-2000)}`)), 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: match[1] });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code})\n${output.slice(-2000)}`)));
  });
}

async function gateway(mockOrigin, features) {
  const adminUrl = process.env.DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const ledger = features.ledger ? await createLedgerDatabase(adminUrl) : undefined;
  const governance = features.governance ? await createLedgerDatabase(adminUrl) : undefined;
  const args = ['bin/switchboard.js', 'bench-serve', '--port', '0', '--host', '127.0.0.1', '--upstream', `${mockOrigin}/v1`, '--key', KEY, '--quiet'];
  if (ledger) args.push('--usage-database-url', ledger.url);
  if (governance) args.push('--governance-database-url', governance.url);
  if (features.route) args.push('--route', ROUTE_NAME);
  const { child, port } = await start(args, 1, /on http:\/\/127\.0\.0\.1:(\d+)/, features.b ? nodeOptionsB : []);
  const drop = async () => {
    await ledger?.drop();
    await governance?.drop();
  };
  return { child, origin: `http://127.0.0.1:${port}`, route: features.route === true, ledger, served: 0, drop };
}

const SIDES = {
  route: [{}, { route: true }],
  ledger: [{}, { ledger: true }],
  governance: [{}, { governance: true }],
  full: [{}, { ledger: true, governance: true, route: true }],
  // A control: two identical bare gateways (the instrument's own bias and noise).
  none: [{}, {}],
  // Bare gateways, B started with AB_NODE_OPTIONS (V8 flags such as --max-semi-space-size=32).
  node: [{}, {}],
};

// Node flags for side B in every comparison (e.g. --cpu-prof --cpu-prof-dir=/tmp/p to profile it);
// with AB_COMPARE=node they are the only difference.
const nodeOptionsB = (process.env.AB_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
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

async function measure(side, { mode, connections, rate, label }, durationMs) {
  const body = side.route ? routedBody(BODIES[mode]) : BODIES[mode];
  const before = cpuMicros(side.child.pid);
  const result = await runLoad({
    origin: side.origin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${KEY}` }, body, stream: mode === 'stream',
    connections, rate, durationMs, maxRequests: 200_000, timeoutMs: 10_000, expect: '"object":"chat.completion"',
  });
  const cpuUs = cpuMicros(side.child.pid) - before;
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} errors (${result.errorSamples[0]})`);
  side.served += result.good;
  return { cpuPerRequest: cpuUs / result.good, rps: (result.good * 1000) / result.elapsedMs, p50: summarize(result.total).p50 };
}

async function main() {
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  if (process.env.BENCH_PIN_POSTGRES === '1') process.once('exit', pinPostgres(0, log));
  const mock = await start(['bench/mock-upstream.mjs', '--port=0', '--exit-with-stdin', '--chunks=20'], 0, /"port":(\d+)/);
  const mockOrigin = `http://127.0.0.1:${mock.port}`;
  const sides = [];
  for (const [index, features] of SIDES[compare].entries()) sides.push(await gateway(mockOrigin, { ...features, b: index === 1 }));
  const lines = [
    `${compare} off (A) vs on (B), interleaved: ${rounds} rounds of ${seconds} s per side and load, ABBA order, both gateways on CPU 1.`,
    '',
    '| load | req/s A | req/s B | p50 ms A | p50 ms B | CPU µs/req A | CPU µs/req B | Δ µs (median of rounds) | Δ % |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  try {
    for (const load of loads) {
      for (const side of sides) await measure(side, { ...load, connections: 10, rate: undefined }, 2000);
      const runs = [[], []];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const index of order) runs[index].push(await measure(sides[index], load, seconds * 1000));
      }
      const [a, b] = runs.map((list) => ({
        cpu: median(list.map((run) => run.cpuPerRequest)),
        rps: median(list.map((run) => run.rps)),
        p50: median(list.map((run) => run.p50)),
      }));
      const delta = median(runs[0].map((run, index) => runs[1][index].cpuPerRequest - run.cpuPerRequest));
      const row = `| ${load.label} | ${Math.round(a.rps)} | ${Math.round(b.rps)} | ${a.p50.toFixed(2)} | ${b.p50.toFixed(2)} | ${a.cpu.toFixed(0)} | ${b.cpu.toFixed(0)} | ${delta >= 0 ? '+' : ''}${delta.toFixed(1)} | ${((delta * 100) / a.cpu).toFixed(1)}% |`;
      log(row);
      lines.push(row);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The ledger side must have recorded every request it served (flushed on SIGTERM).
    for (const side of sides) if (side.ledger) log(`ledger: ${await side.ledger.rows()} rows for ${side.served} requests served`);
    if (profileDirB) reportShare(profileDirB);
    for (const side of sides) await side.drop().catch((error) => log(`could not drop a bench database: ${error.message}`));
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
}, (loads.length * (rounds * 2 * (seconds + 1) + 10) + 120) * 1000);
watchdog.unref();
main().then(
  () => clearTimeout(watchdog),
  (error) => {
    log(`bench:ab failed: ${error.message}`);
    for (const child of children) child.kill('SIGKILL');
    process.exitCode = 2;
  },
);
