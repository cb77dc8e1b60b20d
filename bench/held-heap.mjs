#!/usr/bin/env node
// Live heap per held stream, by constructor: a heap snapshot of the gateway idle (after 50 warm-up
// streams) and one with N streams held (20 chunks, 600 ms apart, started over 1 s), the second
// minus the first, divided by N. The floor (bench/floor.mjs) or the bare gateway (bench-serve).
// Snapshots are taken through `--heapsnapshot-signal`, so this measures what is live, not the
// garbage that peak RSS also holds.
//
//   node bench/held-heap.mjs floor|bare [N=2000] [rows=30]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runHeld } from './held.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [target = 'bare', streamsArg = '2000', rowsArg = '30'] = process.argv.slice(2);
const streams = Number(streamsArg);
if (!['floor', 'bare'].includes(target) || !(streams >= 100 && streams <= 10_000)) throw new Error('usage: held-heap.mjs floor|bare [N in 100..10000] [rows]');
const MODEL = 'gpt-4.1-mini';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function start(args, cpu, cwd) {
  const child = spawn('taskset', ['-c', String(cpu), process.execPath, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no port from ${args.join(' ')}: ${text.slice(-500)}`)), 20_000);
    const read = (data) => {
      text += data;
      const port = text.match(/"port":(\d+)/) ?? text.match(/127\.0\.0\.1:(\d+)/);
      if (port) {
        clearTimeout(timer);
        resolve({ child, port: Number(port[1]) });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
  });
}

/** Self size and count per (node type, constructor name) in a .heapsnapshot. */
function sizesByKind(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [width, typeAt, nameAt, sizeAt] = [fields.length, fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const kinds = new Map();
  let total = 0;
  for (let index = 0; index < snapshot.nodes.length; index += width) {
    const type = types[snapshot.nodes[index + typeAt]];
    const name = ['string', 'concatenated string', 'sliced string', 'number', 'code'].includes(type) ? '' : snapshot.strings[snapshot.nodes[index + nameAt]].slice(0, 60);
    const key = name ? `${type} ${name}` : type;
    const size = snapshot.nodes[index + sizeAt];
    const entry = kinds.get(key) ?? { size: 0, count: 0 };
    entry.size += size;
    entry.count += 1;
    kinds.set(key, entry);
    total += size;
  }
  return { kinds, total };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'held-heap-'));
const mock = await start(['bench/mock-upstream.mjs', '--port=0', '--exit-with-stdin', '--chunks=20', `--slow-model=${MODEL}`, '--slow-chunk-delay-ms=600'], 0, ROOT);
const upstream = `http://127.0.0.1:${mock.port}/v1`;
const flags = ['--no-memory-reducer', '--heapsnapshot-signal=SIGUSR2'];
const args =
  target === 'floor'
    ? [path.join(ROOT, 'bench/floor.mjs'), '--port=0', `--upstream=${upstream}`, '--key=sk-bench']
    : [path.join(ROOT, 'bin/switchboard.js'), 'bench-serve', '--port', '0', '--host', '127.0.0.1', '--upstream', upstream, '--key', 'sk-bench', '--quiet'];
// The gateway's working directory is where it writes its snapshots.
const gateway = await start([...flags, ...args], 1, dir);
try {
  const snapshot = async () => {
    const before = new Set(readdirSync(dir));
    process.kill(gateway.child.pid, 'SIGUSR2');
    for (let waited = 0; waited < 60_000; waited += 250) {
      await sleep(250);
      const file = readdirSync(dir).find((name) => !before.has(name) && name.endsWith('.heapsnapshot'));
      // The file appears before it is written: wait until its size has settled, non-zero.
      if (file) {
        const full = path.join(dir, file);
        for (let last = -1, size = statSync(full).size; size === 0 || size !== last; await sleep(500)) [last, size] = [size, statSync(full).size];
        return full;
      }
    }
    throw new Error('no heap snapshot within 60 s');
  };
  const body = JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'Hello there, how are you?' }] });
  const held = { origin: `http://127.0.0.1:${gateway.port}`, headers: { authorization: 'Bearer sk-bench' }, body, rampMs: 1000, limitMs: 60_000, timeoutMs: 30_000, expectChunks: 20 };
  await runHeld({ ...held, streams: 50 });
  const idle = sizesByKind(await snapshot());
  const running = runHeld({ ...held, streams });
  await sleep(4000);
  const busy = sizesByKind(await snapshot());
  const result = await running;
  const rows = [...busy.kinds].map(([key, { size, count }]) => {
    const base = idle.kinds.get(key) ?? { size: 0, count: 0 };
    return { key, bytes: (size - base.size) / streams, count: (count - base.count) / streams };
  });
  rows.sort((a, b) => b.bytes - a.bytes);
  process.stdout.write(`${target}: ${((busy.total - idle.total) / streams).toFixed(0)} B of live heap per held stream (${streams} held; ${result.ok} completed, ${result.errors} errors)\n`);
  for (const row of rows.slice(0, Number(rowsArg))) process.stdout.write(`${row.bytes.toFixed(0).padStart(7)} B ${row.count.toFixed(2).padStart(6)} × ${row.key}\n`);
} finally {
  gateway.child.kill();
  mock.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
