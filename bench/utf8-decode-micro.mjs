#!/usr/bin/env node
// Micro-benchmark behind the SSE decoder's UTF-8 step (src/providers/shared/sse-decoder.ts): one
// stream chunk of the bench mock's shape (an event of about 240 bytes) decoded by Node's
// TextDecoder in streaming mode (what the decoder used), by StringDecoder (what it uses) and, for
// scale, by Buffer#toString, which cannot keep a character cut between chunks. A few seconds.
// Run: taskset -c 1 node bench/utf8-decode-micro.mjs
import { StringDecoder } from 'node:string_decoder';

const event = (text) =>
  `data: {"id":"chatcmpl-abc123def456","object":"chat.completion.chunk","created":1764800000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null}],"obfuscation":"k3Jx9"}\n\n`;
const chunks = Array.from({ length: 1000 }, (_, index) => Buffer.from(event(` w${index % 50}`)));
const passes = 2000;

function measure(name, makeDecode) {
  let best = Infinity;
  for (let run = 0; run < 7; run += 1) {
    const decode = makeDecode();
    let characters = 0;
    const start = process.hrtime.bigint();
    for (let pass = 0; pass < passes; pass += 1) for (const chunk of chunks) characters += decode(chunk).length;
    const ns = Number(process.hrtime.bigint() - start) / (passes * chunks.length);
    if (characters === 0) throw new Error('nothing decoded');
    best = Math.min(best, ns);
  }
  console.log(`${name.padEnd(30)} ${best.toFixed(0).padStart(4)} ns per chunk (best of 7)`);
}

measure('TextDecoder, stream: true', () => {
  const decoder = new TextDecoder();
  return (chunk) => decoder.decode(chunk, { stream: true });
});
measure('StringDecoder', () => {
  const decoder = new StringDecoder('utf8');
  return (chunk) => decoder.write(chunk);
});
measure('Buffer#toString (no carry)', () => (chunk) => chunk.toString('utf8'));
