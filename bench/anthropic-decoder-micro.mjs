#!/usr/bin/env node
// The Anthropic stream decoder alone, CPU per stream: `node bench/anthropic-decoder-micro.mjs [root]`
// (after `npm run build`; root: a checkout whose dist/ to measure, default this one, so two builds
// compare side by side). Decodes a 20-delta Messages stream (message_start, a text block, ping,
// message_delta, message_stop), each event in its own chunk as it arrives from the network, 50,000
// times per run, 5 runs. Pin it (`taskset -c 1`) for steadier figures.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const { AnthropicStreamDecoder } = await import(path.join(root, 'dist/providers/anthropic/anthropic-stream-decoder.js'));
const words = ['Hello', ' world', ',', ' this', ' is', ' a', ' streamed', ' answer', ' from', ' Claude', '.', ' It', ' has', ' twenty', ' text', ' deltas', ' in', ' all', ' and', ' ends'];
const events = [
  ['message_start', '{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}'],
  ['content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'],
  ['ping', '{"type": "ping"}'],
  ...words.map((w) => ['content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(w)}}}`]),
  ['content_block_stop', '{"type":"content_block_stop","index":0}'],
  ['message_delta', '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":20}}'],
  ['message_stop', '{"type":"message_stop"}'],
];
const chunks = events.map(([n, d]) => Buffer.from(`event: ${n}\ndata: ${d}\n\n`));
const N = 50000;
for (let run = 0; run < 5; run++) {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const dec = new AnthropicStreamDecoder(1 << 20, { provider: 'anthropic', secrets: [], created: 1, fallbackId: () => 'x', fallbackModel: 'm' });
    const out = [];
    for (const c of chunks) dec.chunk(c, out);
    dec.end(out);
  }
  const u = process.cpuUsage(t);
  console.log(root, ((u.user + u.system) / N).toFixed(2), 'µs per 20-delta stream');
}
