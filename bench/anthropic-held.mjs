#!/usr/bin/env node
// Held Anthropic streams at the provider level: `node --expose-gc bench/anthropic-held.mjs [N] [root] [native]`
// (after `npm run build`; root: a checkout whose dist/ to measure, default this one, so that two
// builds compare side by side). N (default 3000) concurrent `AnthropicProvider.stream()` calls,
// started over 2 s, against bench/anthropic-held-mock.mjs (20 deltas 500 ms apart, in its own
// process), each read to its end. Prints streams ok, peak RSS, RSS and live heap (after a full
// GC in mid-stream) per stream, and CPU per stream. No gateway and no client sockets: what the
// vendor's stream path itself holds and costs. Pinned like `npm run bench` when taskset exists
// (this process on CPU 1, the mock on CPU 0).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv[2] ?? 3000);
const root = path.resolve(process.argv[3] ?? path.join(here, '..'));
/** `native`: the Messages API pass-through (`provider.native('anthropic-messages', …)`) instead of chat. */
const native = process.argv[4] === 'native';
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const pin = spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]).status === 0;

const mock = spawn(pin ? 'taskset' : process.execPath, [...(pin ? ['-c', '0', process.execPath] : []), path.join(here, 'anthropic-held-mock.mjs'), '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  mock.stdout.on('data', (data) => { const found = /ready (\d+)/.exec(String(data)); if (found) resolve(Number(found[1])); });
  mock.on('exit', () => reject(new Error('the mock exited')));
});

const { AnthropicProviderClass } = await import(path.join(root, 'dist/providers/anthropic/anthropic-provider.js'));
const { defaultProviderDeps } = await import(path.join(root, 'dist/providers/shared/provider-deps.js'));
const deps = defaultProviderDeps();
const provider = AnthropicProviderClass.create(
  { name: 'anthropic', baseUrl: `http://127.0.0.1:${port}/v1`, authHeaderName: 'x-api-key', authHeaderPrefix: '', config: {}, requestTemplate: null },
  deps,
);
const request = { model: 'claude-bench', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] };
const options = () => ({ signal: new AbortController().signal, credential: { apiKey: 'bench' } });

let ok = 0;
let failed = 0;
const nativeBody = { model: 'claude-bench', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] };

/** The text deltas of one stream: chat parts, or (`native`) the Messages API's events passed through. */
async function deltasOf() {
  let deltas = 0;
  if (native) {
    const answer = await provider.native('anthropic-messages', nativeBody, { ...options(), stream: true });
    for await (const event of answer.events) if (event.event === 'content_block_delta') deltas += 1;
    return deltas;
  }
  for await (const part of provider.stream(request, options())) {
    if (part.type === 'error') throw part.error;
    if (part.type === 'text-delta') deltas += 1;
  }
  return deltas;
}

async function one() {
  try {
    const deltas = await deltasOf();
    if (deltas === 20) ok += 1;
    else failed += 1;
  } catch (error) {
    if ((failed += 1) <= 3) process.stderr.write(`stream failed: ${String(error)}\n`);
  }
}

await one(); // warm-up (and the check that the mock answers)
ok = 0;
globalThis.gc();
const rssBefore = process.memoryUsage().rss;
const heapBefore = process.memoryUsage().heapUsed;
const cpuBefore = process.cpuUsage();
let peak = rssBefore;
let live = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
// 6 s in, every stream has started and none has ended (each lasts 10 s).
const liveTimer = setTimeout(() => {
  globalThis.gc();
  live = process.memoryUsage().heapUsed - heapBefore;
}, 6000);
const streams = [];
for (let index = 0; index < N; index += 1) {
  streams.push(one());
  if (index % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 2000 / (N / 50)));
}
await Promise.all(streams);
clearInterval(sampler);
clearTimeout(liveTimer);
const cpu = process.cpuUsage(cpuBefore);
await deps.dispatcher.close();
mock.stdin.end();
const kb = (bytes) => (bytes / N / 1024).toFixed(1);
process.stdout.write(
  `anthropic held ${native ? 'native Messages' : 'chat'} streams (${root}): ${ok}/${N} ok, ${failed} failed; peak RSS ${(peak / 2 ** 20).toFixed(0)} MB, ` +
    `${kb(peak - rssBefore)} KB RSS and ${kb(live)} KB live heap per stream, ${Math.round((cpu.user + cpu.system) / N)} CPU µs per stream\n`,
);
if (failed > 0 || ok !== N) process.exitCode = 1;
