#!/usr/bin/env node
// Micro-benchmark of the JSON work of one non-streaming chat call on the OpenAI-compatible path
// (the bench's request and the mock's answer), from the built dist/:
// - the upstream request: convertToOpenAIRequest + JSON.stringify;
// - the upstream answer: JSON.parse, then readOpenAIChatResponse + convertOpenAIResponse;
// - the client's answer: JSON.stringify(encodeChatCompletion(...)) (the readable spec) against
//   writeChatCompletion (what the gateway sends), each with the Buffer.byteLength sendBody takes.
// A few seconds. Run: npm run build, then taskset -c 1 node bench/chat-json-micro.mjs
import { convertToOpenAIRequest } from '../dist/providers/openai/convert-to-openai-request.js';
import { convertOpenAIResponse } from '../dist/providers/openai/convert-openai-response.js';
import { readOpenAIChatResponse } from '../dist/providers/openai/read-chat-response.js';
import { encodeChatCompletion } from '../dist/server/encode-chat-completion.js';
import { writeChatCompletion } from '../dist/server/write-chat-completion.js';

const request = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: [{ type: 'text', text: 'In one sentence, what does an LLM gateway do?' }] },
  ],
  maxTokens: 64,
  temperature: 0.2,
};
const upstream = JSON.stringify({
  id: 'chatcmpl-benchmx3k1a',
  object: 'chat.completion',
  created: 1764800000,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'An LLM gateway sits between applications and model vendors, routing, securing and metering every call.', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 25, completion_tokens: 20, total_tokens: 45 },
  system_fingerprint: 'fp_bench',
});
const defaults = { model: 'gpt-4o-mini', created: 1, randomId: () => 'r' };
const answer = convertOpenAIResponse(readOpenAIChatResponse(JSON.parse(upstream)), defaults);
if (writeChatCompletion(answer, 'gpt-4o-mini') !== JSON.stringify(encodeChatCompletion(answer, 'gpt-4o-mini'))) {
  throw new Error('the writer and the spec disagree');
}

let sink = 0;
function measure(name, run) {
  const calls = 200_000;
  let best = Infinity;
  for (let round = 0; round < 7; round += 1) {
    const start = process.hrtime.bigint();
    for (let call = 0; call < calls; call += 1) sink += run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / calls);
  }
  console.log(`${name.padEnd(52)} ${best.toFixed(0).padStart(5)} ns per call (best of 7)`);
}

measure('upstream request: convert + JSON.stringify', () => JSON.stringify(convertToOpenAIRequest(request, { stream: false, maxTokensField: 'max_completion_tokens' })).length);
measure('upstream answer: JSON.parse + read + convert', () => convertOpenAIResponse(readOpenAIChatResponse(JSON.parse(upstream)), defaults).choices.length);
measure('answer: JSON.stringify(encodeChatCompletion) + bytes', () => Buffer.byteLength(JSON.stringify(encodeChatCompletion(answer, 'gpt-4o-mini'))));
measure('answer: writeChatCompletion + bytes', () => Buffer.byteLength(writeChatCompletion(answer, 'gpt-4o-mini')));
if (sink === 0) throw new Error('nothing measured');
