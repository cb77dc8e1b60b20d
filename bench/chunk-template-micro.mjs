#!/usr/bin/env node
// Micro-benchmark behind the OpenAI stream decoder's chunk template (src/providers/openai/chunk-template.ts),
// after `npm run build`: per chunk of the bench mock's shape, JSON.parse of the chunk, the template's
// match, and the same match written with startsWith/endsWith (what it used first). A few seconds.
// Run: taskset -c 1 node bench/chunk-template-micro.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { ChunkTemplate } = await import(path.join(ROOT, 'dist/providers/openai/chunk-template.js'));

const chunk = (text) =>
  `{"id":"chatcmpl-abc123def456","object":"chat.completion.chunk","created":1764800000,"model":"gpt-4o-mini","system_fingerprint":"fp_bench","choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}],"usage":null}`;
const first = chunk(' hello');
const template = ChunkTemplate.of(first, JSON.parse(first));
// Decoded from bytes and sliced out of the event, as the SSE decoder hands them over.
const decoder = new TextDecoder();
const chunks = Array.from({ length: 1000 }, (_, index) => {
  const event = decoder.decode(Buffer.from(`data: ${chunk(` w${index % 50}`)}\n\n`));
  return event.slice(6, event.length - 2);
});
const { prefix, suffix } = template;
// OpenAI's chunks also carry a random `obfuscation` padding after the choices.
const padded = (text, index) => `${chunk(text).slice(0, -1)},"obfuscation":${JSON.stringify('k'.repeat(index % 9))}}`;
const paddedTemplate = ChunkTemplate.of(padded(' hello', 3), JSON.parse(padded(' hello', 3)));
const paddedChunks = Array.from({ length: 1000 }, (_, index) => {
  const event = decoder.decode(Buffer.from(`data: ${padded(` w${index % 50}`, index)}\n\n`));
  return event.slice(6, event.length - 2);
});

const ways = {
  'JSON.parse': (data) => JSON.parse(data).choices[0].delta.content,
  'template.match': (data) => template.match(data),
  'padded JSON.parse': (data) => JSON.parse(data).choices[0].delta.content,
  'padded template.match': (data) => paddedTemplate.match(data),
  'startsWith/endsWith': (data) => (data.startsWith(prefix) && data.endsWith(suffix) ? data.slice(prefix.length, data.length - suffix.length) : undefined),
};
for (let round = 0; round < 3; round += 1) {
  const line = [];
  for (const [name, read] of Object.entries(ways)) {
    let found = 0;
    const started = performance.now();
    const input = name.includes('padded') ? paddedChunks : chunks;
    for (let repeat = 0; repeat < 500; repeat += 1) for (const data of input) if (read(data) !== undefined) found += 1;
    if (found !== 500 * chunks.length) throw new Error(`${name} missed chunks`);
    line.push(`${name} ${(((performance.now() - started) * 1000) / (500 * chunks.length)).toFixed(3)} µs`);
  }
  console.log(line.join(', '));
}
