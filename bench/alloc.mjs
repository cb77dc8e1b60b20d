#!/usr/bin/env node
// Where a request's bytes go: JS heap allocated per request (garbage included), the scavenges
// that collect it (how many bytes survive each, what each costs) and the functions that allocate
// most, for the floor, the bare gateway and the full hot path (usage ledger, a budget and a rate
// limit on the key, a two-target route), each alone on CPU 1 in turn, the mock and the load on CPU 0.
// Bytes per request hardly move with the machine's drift, unlike CPU per request, so a cut in
// allocation shows here even when bench:ab cannot separate it from noise.
//
//   node bench/alloc.mjs [targets=floor,bare,full; also ledger, governance, route: one feature each] [load=chat:50] [seconds=4] [top=25]
//   ALLOC_ROOT=<another checkout, built>: its gateway instead of this one (floor stays this one's)
// The gateway runs with bench/alloc-hook.mjs: V8's sampling heap profiler (1 KB interval, keeping
// collected objects) and a GC profiler, on over the measured load only. Full needs Postgres
// (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedgerDatabase, DEFAULT_ADMIN_URL } from './ledger.mjs';
import { runLoad } from './loadgen.mjs';
import { ROUTE_NAME, routedBody } from './route.mjs';
import { CHAT_REQUEST } from './chat-request.mjs';
import { startPinned } from './start-pinned.mjs';
import { GATEWAY_NODE_FLAGS } from './v8-flags.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GATEWAY_ROOT = path.resolve(process.env.ALLOC_ROOT ?? ROOT);
const KEY = 'sk-bench';
const [targetsArg = 'floor,bare,full', loadArg = 'chat:50', secondsArg = '4', topArg = '25'] = process.argv.slice(2);
const targets = targetsArg.split(',');
const [mode, connectionsText] = loadArg.split(':');
const connections = Number(connectionsText);
const seconds = Number(secondsArg);
const top = Number(topArg);
// What each target turns on: full is all three, the others one feature each over the bare gateway.
const FEATURES = {
  bare: {},
  ledger: { ledger: true },
  governance: { governance: true },
  route: { route: true },
  full: { ledger: true, governance: true, route: true },
};
if (!targets.every((target) => target === 'floor' || target in FEATURES)) throw new Error(`targets: floor, ${Object.keys(FEATURES).join(', ')}`);
if (!['chat', 'stream'].includes(mode) || !(connections >= 1 && connections <= 500)) throw new Error('load: chat:N or stream:N');
if (!(seconds >= 1 && seconds <= 30) || !(top >= 0 && top <= 200)) throw new Error('seconds 1..30, top 0..200');

const BODY = JSON.stringify(mode === 'chat' ? CHAT_REQUEST : { ...CHAT_REQUEST, stream: true, stream_options: { include_usage: true } });
const hookDir = mkdtempSync(path.join(os.tmpdir(), 'sb-alloc-'));
const children = new Set();

function start(args, cpu, pattern, nodeOptions, cwd) {
  return startPinned(args, { cpu, pattern, nodeOptions, cwd, env: { ...process.env, ALLOC_HOOK_OUT: hookDir }, children });
}

async function startTarget(target, upstream) {
  const hook = ['--import', path.join(ROOT, 'bench/alloc-hook.mjs')];
  if (target === 'floor') {
    const args = ['bench/floor.mjs', '--port=0', `--upstream=${upstream}`, `--key=${KEY}`];
    const { child, port } = await start(args, 1, /floor listening on http:\/\/127\.0\.0\.1:(\d+)/, [...GATEWAY_NODE_FLAGS, ...hook], ROOT);
    return { child, port, databases: [] };
  }
  const args = ['bin/switchboard.js', 'bench-serve', '--port', '0', '--host', '127.0.0.1', '--upstream', upstream, '--key', KEY, '--quiet'];
  const databases = [];
  const features = FEATURES[target];
  const adminUrl = process.env.DATABASE_URL ?? DEFAULT_ADMIN_URL;
  for (const [feature, flag] of [['ledger', '--usage-database-url'], ['governance', '--governance-database-url']]) {
    if (!features[feature]) continue;
    const database = await createLedgerDatabase(adminUrl);
    databases.push(database);
    args.push(flag, database.url);
  }
  if (features.route) args.push('--route', ROUTE_NAME);
  const { child, port } = await start(args, 1, /on http:\/\/127\.0\.0\.1:(\d+)/, [...GATEWAY_NODE_FLAGS, ...hook], GATEWAY_ROOT);
  return { child, port, databases };
}

async function waitForFile(file) {
  for (let i = 0; i < 200; i++) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`no allocation profile in ${file}`);
}

const label = (frame) => `${frame.functionName || '(anonymous)'} ${(frame.url || '').split('/').slice(-2).join('/')}${frame.url ? `:${frame.lineNumber + 1}` : ''}`.trim();
const own = (frame) => /\/dist\/|\/bench\/floor\.mjs/.test(frame.url);

/** Bytes by allocating function, and by the nearest own (dist/ or floor) function up the stack. */
function allocationSites(profile) {
  const self = new Map();
  const ours = new Map();
  let total = 0;
  const walk = (node, nearestOwn) => {
    const frame = node.callFrame;
    const owner = own(frame) ? label(frame) : nearestOwn;
    if (node.selfSize > 0) {
      total += node.selfSize;
      self.set(label(frame), (self.get(label(frame)) ?? 0) + node.selfSize);
      const key = owner ?? '(no own function on the stack)';
      ours.set(key, (ours.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children ?? []) walk(child, owner);
  };
  walk(profile.head, undefined);
  return { total, self, ours };
}

/** Scavenges and full GCs: count, summed cost, bytes surviving a scavenge (kept in or promoted out of the young generation). */
function gcFigures(gcs) {
  const space = (stats, name) => stats.heapSpaceStatistics.find((item) => item.spaceName === name)?.spaceUsedSize ?? 0;
  const figures = { scavenges: 0, scavengeUs: 0, survived: 0, other: 0, otherUs: 0 };
  for (const gc of gcs.statistics) {
    if (gc.gcType === 'Scavenge') {
      figures.scavenges += 1;
      figures.scavengeUs += gc.cost;
      const promoted = Math.max(0, space(gc.afterGC, 'old_space') - space(gc.beforeGC, 'old_space'));
      figures.survived += space(gc.afterGC, 'new_space') + promoted;
    } else {
      figures.other += 1;
      figures.otherUs += gc.cost;
    }
  }
  return figures;
}

async function measure(target, upstream) {
  const gateway = await startTarget(target, upstream);
  try {
    const body = FEATURES[target]?.route ? routedBody(BODY) : BODY;
    const spec = {
      origin: `http://127.0.0.1:${gateway.port}`, path: '/v1/chat/completions', headers: { authorization: `Bearer ${KEY}` }, body,
      stream: mode === 'stream', connections, maxRequests: 500_000, timeoutMs: 10_000, expect: '"object":"chat.completion"',
    };
    await runLoad({ ...spec, durationMs: 3000 });
    // Window 1: the GCs alone; window 2: the allocations (the sampler slows GCs down).
    const windows = [];
    for (let i = 0; i < 2; i++) {
      process.kill(gateway.child.pid, 'SIGUSR2');
      const result = await runLoad({ ...spec, durationMs: seconds * 1000 });
      if (result.errors > 0) throw new Error(`${target}: ${result.errors} errors (${result.errorSamples[0]})`);
      windows.push(result.good);
    }
    process.kill(gateway.child.pid, 'SIGUSR2');
    const hook = await waitForFile(path.join(hookDir, `${gateway.child.pid}.json`));
    if (hook.error) throw new Error(`${target}: ${hook.error}`);
    return { target, gcRequests: windows[0], requests: windows[1], ...allocationSites(hook.profile), gc: gcFigures(hook.gcs) };
  } finally {
    gateway.child.kill('SIGTERM');
    children.delete(gateway.child);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const database of gateway.databases) await database.drop();
  }
}

function render(results) {
  const kb = (bytes) => (bytes / 1024).toFixed(1);
  const lines = [
    `Allocation per ${mode} request, c=${connections}, each target alone on CPU 1; GCs over ${seconds} s (V8's GC profiler, its cost as V8 reports it), then allocations over ${seconds} s more (sampling heap profiler, 1 KB interval, collected objects kept):`,
    '',
    '| target | KB allocated per request | scavenges per 1,000 requests | KB surviving a scavenge | scavenge µs per request | full GCs (ms) | requests (GC window, allocation window) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { target, gcRequests, requests, total, gc } of results) {
    lines.push(`| ${target} | ${kb(total / requests)} | ${((gc.scavenges * 1000) / gcRequests).toFixed(2)} | ${gc.scavenges ? kb(gc.survived / gc.scavenges) : '–'} | ${(gc.scavengeUs / gcRequests).toFixed(2)} | ${gc.other} (${(gc.otherUs / 1000).toFixed(1)}) | ${gcRequests}, ${requests} |`);
  }
  for (const { target, requests, self, ours } of results) {
    if (top === 0) break;
    for (const [title, map] of [['allocating function', self], ['nearest own function on the stack', ours]]) {
      lines.push('', `${target}: bytes per request by ${title}`, '', '| bytes | function |', '| ---: | --- |');
      for (const [name, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`| ${Math.round(bytes / requests)} | ${name} |`);
    }
  }
  return lines.join('\n');
}

async function main() {
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  const mock = await start(['bench/mock-upstream.mjs', '--port=0', '--exit-with-stdin'], 0, /"port":(\d+)/, [], ROOT);
  try {
    const results = [];
    for (const target of targets) results.push(await measure(target, `http://127.0.0.1:${mock.port}/v1`));
    process.stdout.write(`${render(results)}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(hookDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  for (const child of children) child.kill('SIGTERM');
  process.exitCode = 1;
});
