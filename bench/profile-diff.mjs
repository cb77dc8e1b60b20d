#!/usr/bin/env node
// Compares two V8 .cpuprofiles of the same gateway under the same load (e.g. the two sides of
// `npm run bench:ab`, profiled with AB_NODE_OPTIONS_A / AB_NODE_OPTIONS): each function's self
// time in µs per request on either side and the difference, largest first. A feature whose cost is
// "spread over the request path" shows here as the functions that grew.
//
//   node bench/profile-diff.mjs <a.cpuprofile> <b.cpuprofile> <cpu µs/req A> <cpu µs/req B> [top=40]
// Busy time (everything but idle) of each profile is scaled to the CPU per request bench:ab
// measured on that side, so the columns add up to those figures.
import { readFileSync } from 'node:fs';

const [fileA, fileB, usA, usB, topArg] = process.argv.slice(2);
if (!fileA || !fileB || !usA || !usB) {
  process.stderr.write('usage: node bench/profile-diff.mjs <a.cpuprofile> <b.cpuprofile> <cpu µs/req A> <cpu µs/req B> [top]\n');
  process.exit(2);
}

/** Self time per function label as a share of busy time. */
function shares(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = nodes.get(profile.samples[i]);
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') continue;
    const delta = profile.timeDeltas[i] ?? 0;
    const where = frame.url ? `${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
    const label = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    self.set(label, (self.get(label) ?? 0) + delta);
    busy += delta;
  }
  for (const [label, us] of self) self.set(label, us / busy);
  return self;
}

const a = shares(fileA);
const b = shares(fileB);
const rows = [...new Set([...a.keys(), ...b.keys()])].map((label) => {
  const inA = (a.get(label) ?? 0) * Number(usA);
  const inB = (b.get(label) ?? 0) * Number(usB);
  return { label, inA, inB, delta: inB - inA };
});
rows.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
const top = Number(topArg ?? 40);
process.stdout.write('| function | µs/req A | µs/req B | Δ µs |\n| --- | ---: | ---: | ---: |\n');
for (const row of rows.slice(0, top)) {
  process.stdout.write(`| ${row.label} | ${row.inA.toFixed(2)} | ${row.inB.toFixed(2)} | ${row.delta >= 0 ? '+' : ''}${row.delta.toFixed(2)} |\n`);
}
const grew = rows.filter((row) => row.delta > 0).reduce((sum, row) => sum + row.delta, 0);
const shrank = rows.filter((row) => row.delta < 0).reduce((sum, row) => sum + row.delta, 0);
process.stdout.write(`\ngrew +${grew.toFixed(1)} µs, shrank ${shrank.toFixed(1)} µs over ${rows.length} functions\n`);
