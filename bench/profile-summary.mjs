#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `BENCH_CPU_PROF=<dir> npm run bench`): self time by function
// and by source area (node internals, undici, zod, pglite, our src/ folders), and inclusive time of
// our own functions.
//
//   node bench/profile-summary.mjs <file.cpuprofile> [top=30] [skip-seconds=0] [requests]
// skip-seconds leaves out the start of the profile (start-up, database migrations); with the number
// of requests the gateway answered in the kept part, each line also shows µs per request.
import { readFileSync } from 'node:fs';

const [file, topArg, skipArg, requestsArg] = process.argv.slice(2);
const requests = Number(requestsArg ?? 0);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Leaves out the first skip-seconds of samples.
const skipUs = Number(skipArg ?? 0) * 1e6;
let elapsed = 0;
const keep = profile.samples.map((_, i) => (elapsed += profile.timeDeltas[i] ?? 0) >= skipUs);

// Self time per node from the samples and their time deltas (µs).
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  if (!keep[i]) continue;
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const sampled = [...self.values()].reduce((a, b) => a + b, 0);
// Percentages are of busy time: everything but the '(idle)' node (waiting in the event loop).
const idle = [...self].filter(([id]) => nodes.get(id).callFrame.functionName === '(idle)').reduce((sum, [, us]) => sum + us, 0);
const total = sampled - idle;

const area = (url) => {
  if (!url) return '(native, gc, program)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/');
  const m = /\/(src|dist)\/(.*)$/.exec(url);
  if (url.includes('/node_modules/')) return url.split('/node_modules/').pop().split('/').slice(0, url.includes('/@') ? 2 : 1).join('/');
  return m ? m[2].split('/').slice(0, 2).join('/') : url;
};
const label = (node) => {
  const f = node.callFrame;
  const where = f.url ? `${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};

const byFunction = new Map();
const byArea = new Map();
for (const [id, us] of self) {
  const node = nodes.get(id);
  if (node.callFrame.functionName === '(idle)') continue;
  byFunction.set(label(node), (byFunction.get(label(node)) ?? 0) + us);
  const key = area(node.callFrame.url);
  byArea.set(key, (byArea.get(key) ?? 0) + us);
}

// Inclusive time of functions from our dist/ (counted once per sample stack).
const inclusive = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  if (!keep[i]) continue;
  const seen = new Set();
  for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
    const node = nodes.get(id);
    if (!node.callFrame.url.includes('/dist/')) continue;
    const key = label(node);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
}

const pct = (us) => `${((us * 100) / total).toFixed(1).padStart(5)}%${requests > 0 ? ` ${(us / requests).toFixed(1).padStart(6)} µs/req` : ''}`;
const print = (title, map, n) => {
  process.stdout.write(`\n## ${title}\n`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) process.stdout.write(`${pct(us)}  ${key}\n`);
};
process.stdout.write(`${file}: ${(sampled / 1e6).toFixed(2)} s sampled, ${(total / 1e6).toFixed(2)} s busy (percentages are of busy time${requests > 0 ? `; ${(total / requests).toFixed(1)} µs per request over ${requests} requests` : ''})\n`);
print('self time by area', byArea, 25);
print('self time by function', byFunction, top);
print('inclusive time, our code (dist/)', inclusive, top);
