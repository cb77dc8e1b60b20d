#!/usr/bin/env node
// A vendor's stream decoder alone, CPU per stream:
//   node bench/decoder-micro.mjs <anthropic|cohere> [root]
// (after `npm run build`; root: a checkout whose dist/ to measure, default this one, so two builds
// compare side by side). Decodes a 20-delta stream in the vendor's format (start, a text block,
// end), each event in its own chunk as it arrives from the network, 50,000 times per run, 5 runs.
// Pin it (`taskset -c 1`) for steadier figures.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const vendor = process.argv[2];
const root = path.resolve(process.argv[3] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const words = ['Hello', ' world', ',', ' this', ' is', ' a', ' streamed', ' answer', ' from', ' the', ' model', '.', ' It', ' has', ' twenty', ' text', ' deltas', ' in', ' all', ' "end"'];

const streams = {
  anthropic: {
    module: 'dist/providers/anthropic/anthropic-stream-decoder.js',
    make: (m) => new m.AnthropicStreamDecoder(1 << 20, { provider: 'anthropic', secrets: [], created: 1, fallbackId: () => 'x', fallbackModel: 'm' }),
    events: [
      ['message_start', '{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}'],
      ['content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'],
      ['ping', '{"type": "ping"}'],
      ...words.map((w) => ['content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(w)}}}`]),
      ['content_block_stop', '{"type":"content_block_stop","index":0}'],
      ['message_delta', '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":20}}'],
      ['message_stop', '{"type":"message_stop"}'],
    ],
  },
  cohere: {
    module: 'dist/providers/cohere/cohere-stream-decoder.js',
    make: (m) => new m.CohereStreamDecoder(1 << 20, { provider: 'cohere', model: 'command-a', created: 1, randomId: () => 'x', secrets: [] }),
    events: [
      ['message-start', '{"id":"29f14a5a-11de-4cae-9800-25e4747408ea","type":"message-start","delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}}'],
      ['content-start', '{"type":"content-start","index":0,"delta":{"message":{"content":{"type":"text","text":""}}}}'],
      ...words.map((w) => ['content-delta', `{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":${JSON.stringify(w)}}}}}`]),
      ['content-end', '{"type":"content-end","index":0}'],
      ['message-end', '{"type":"message-end","delta":{"finish_reason":"COMPLETE","usage":{"billed_units":{"input_tokens":5,"output_tokens":20},"tokens":{"input_tokens":71,"output_tokens":20}}}}'],
      [undefined, '[DONE]'],
    ],
  },
};

const stream = streams[vendor];
if (!stream) throw new Error('usage: node bench/decoder-micro.mjs <anthropic|cohere> [root]');
const decoderModule = await import(path.join(root, stream.module));
const chunks = stream.events.map(([name, data]) => Buffer.from(`${name ? `event: ${name}\n` : ''}data: ${data}\n\n`));
const N = 50_000;
for (let run = 0; run < 5; run++) {
  const started = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const decoder = stream.make(decoderModule);
    const out = [];
    for (const chunk of chunks) decoder.chunk(chunk, out);
    decoder.end(out);
  }
  const used = process.cpuUsage(started);
  console.log(`${vendor} (${root}): ${((used.user + used.system) / N).toFixed(2)} µs per 20-delta stream`);
}
