#!/usr/bin/env node
// The upstream body of a chat request with a long prompt, built two ways, CPU per request:
//   node bench/raw-splice-micro.mjs [kb=100] [ascii]
// (after `npm run build`; pin it with `taskset -c 1`). `stringify`: JSON.stringify of the body and
// its UTF-8 bytes (encodeBody without raw literals); `splice`: finding the client's long literals
// on the body's bytes (rawJsonOf) and splicing them into the upstream body (encodeBody with them).
// The prompt is log-like text with what JSON escapes (newlines, tabs, quotes) and non-ASCII
// (`ascii`: without it).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kb = Number(process.argv[2] ?? 100);
const { encodeBody } = await import(path.join(root, 'dist/providers/shared/request-body.js'));
const { rawJsonOf } = await import(path.join(root, 'dist/server/raw-literals.js'));

const ascii = process.argv[3] === 'ascii';
const line = `2026-12-05T12:00:00Z\tINFO\tgateway: "request" served${ascii ? '' : ' é 東京'}\n`;
const prompt = line.repeat(Math.ceil((kb * 1024) / Buffer.byteLength(line)));
const clientBytes = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: prompt }] }));
const parsed = JSON.parse(clientBytes.toString('utf8'));
const upstreamOf = () => ({ model: 'gpt-4o-mini-2024-07-18', messages: parsed.messages.map((m) => ({ role: m.role, content: m.content })), stream: true, stream_options: { include_usage: true } });
const headers = { authorization: 'Bearer k' };
const sink = [];
const ways = {
  stringify: () => encodeBody(headers, upstreamOf()),
  splice: () => encodeBody(headers, upstreamOf(), rawJsonOf(clientBytes, parsed)),
};
const n = Math.max(200, Math.round(200_000 / kb));
for (let run = 0; run < 5; run++) {
  const line = [];
  for (const [name, build] of Object.entries(ways)) {
    for (let i = 0; i < n / 10; i++) sink[i & 7] = build();
    const started = process.cpuUsage();
    for (let i = 0; i < n; i++) sink[i & 7] = build();
    const used = process.cpuUsage(started);
    line.push(`${name} ${((used.user + used.system) / n).toFixed(1)} µs`);
  }
  console.log(`${kb} KB ${ascii ? 'ASCII ' : ''}prompt, run ${run + 1}: ${line.join(', ')}`);
}
