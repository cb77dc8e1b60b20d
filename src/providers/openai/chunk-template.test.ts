import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomTextLiterals } from '../../../test/helpers/random-text-literals.js';
import type { StreamPart } from '../spec/index.js';
import { ChunkTemplate } from './chunk-template.js';
import { OpenAIStreamDecoder } from './openai-stream-decoder.js';

const head = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764800000,"model":"gpt-4o-mini","service_tier":"default","choices":[';
const frame = (choice: string, tail = ''): string => `${head}${choice}]${tail}}`;
const textFrame = (literal: string, key = 'content', tail = ''): string => frame(`{"index":0,"delta":{"${key}":${literal}},"logprobs":null,"finish_reason":null}`, tail);

/** What a full JSON.parse of each frame says the stream's text and reasoning parts are. */
function expectedParts(frames: readonly string[]): StreamPart[] {
  const parts: StreamPart[] = [];
  for (const data of frames) {
    const choice = (JSON.parse(data) as { choices: { delta?: Record<string, unknown>; logprobs?: Record<string, unknown> | null }[] }).choices[0];
    const delta = choice?.delta ?? {};
    const logprobs = choice?.logprobs ? { logprobs: choice.logprobs } : {};
    const reasoning = delta['reasoning_content'] ?? delta['reasoning'];
    if (typeof reasoning === 'string' && reasoning !== '') parts.push({ type: 'reasoning-delta', index: 0, text: reasoning });
    if (typeof delta['content'] === 'string' && delta['content'] !== '') parts.push({ type: 'text-delta', text: delta['content'], ...logprobs });
  }
  return parts;
}

function decode(frames: readonly string[]): StreamPart[] {
  const decoder = new OpenAIStreamDecoder(1 << 20, { provider: 'p', secrets: [], now: 0 }, { model: 'm', created: 1, randomId: () => 'x' });
  const out: StreamPart[] = [];
  const first = frame('{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}');
  const last = frame('{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}');
  const body = [first, ...frames, last].map((data) => `data: ${data}\n\n`).join('') + 'data: [DONE]\n\n';
  decoder.chunk(Buffer.from(body), out);
  decoder.end(out);
  assert.equal(out[0]?.type, 'stream-start');
  const finish = out.at(-1);
  assert.ok(finish?.type === 'finish');
  assert.equal(finish.finishReason, 'stop');
  assert.deepEqual(finish.native, { service_tier: 'default' });
  return out.filter((part) => part.type === 'text-delta' || part.type === 'reasoning-delta');
}

test('a chunk around another string literal reads as a full parse would, escapes included', () => {
  const frames = randomTextLiterals(7, 400).map(({ literal, pick }) => textFrame(literal, pick < 0.1 ? 'reasoning_content' : 'content'));
  assert.deepEqual(decode(frames), expectedParts(frames));
  // OpenAI pads every chunk with a random `obfuscation` string after the choices.
  const padded = frames.map((data, index) => {
    const padding = index % 7 === 3 ? '"a\\"b\\u0041"' : JSON.stringify('x'.repeat(index % 13));
    return `${data.slice(0, -1)},"obfuscation":${padding}}`;
  });
  assert.deepEqual(decode(padded), expectedParts(padded));
});

test('text that changes the chunk structure is parsed in full, never read as text', () => {
  const frames = [
    textFrame('"plain"'),
    // Same text around, but the middle closes the string and adds keys: a duplicate key wins in JSON.
    textFrame('"a","content":"b"'),
    textFrame('"x\\\\"'),
    textFrame('"c"'),
    frame('{"index":0,"delta":{"content":"d"},"logprobs":{"content":[]},"finish_reason":null}'),
    textFrame('"e","tool_calls":[]'),
    textFrame('"f"'),
  ];
  const parts = decode(frames);
  assert.deepEqual(parts, expectedParts(frames));
  assert.deepEqual(
    parts.map((part) => (part.type === 'text-delta' ? part.text : '')),
    ['plain', 'b', 'x\\', 'c', 'd', 'e', 'f'],
  );
});

test('only a one-choice chunk with one string delta, no finish, usage or logprobs, makes a template', () => {
  const parse = (data: string): ChunkTemplate | undefined => ChunkTemplate.of(data, JSON.parse(data) as never);
  assert.ok(parse(textFrame('"hi"')));
  assert.equal(parse(frame('{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":"stop"}')), undefined);
  assert.equal(parse(frame('{"index":0,"delta":{"role":"assistant","content":"hi"},"logprobs":null,"finish_reason":null}')), undefined);
  assert.equal(parse(frame('{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}', ',"usage":{"prompt_tokens":1}')), undefined);
  assert.equal(parse(frame('{"index":0,"delta": {"content":"hi"},"logprobs":null,"finish_reason":null}')), undefined);
  assert.equal(parse(frame('{"index":1,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}')), undefined);
  const padded = parse(textFrame('"hi"', 'content', ',"obfuscation":"kq3"'));
  assert.equal(padded?.match(textFrame('"a b"', 'content', ',"obfuscation":"x"')), 'a b');
  assert.equal(padded?.match(textFrame('"a b"', 'content', ',"obfuscation":"x","usage":{}')), undefined);
  assert.equal(padded?.match(textFrame('"a b"', 'content', ',"obfuscation":"x\\q"')), undefined, 'an invalid escape in the padding');
  assert.equal(padded?.match(textFrame('"a b"')), undefined, 'no padding where the template has one');
  const template = parse(textFrame('"hi"'));
  assert.equal(template?.match(textFrame('"a\\nb"')), 'a\nb');
  assert.equal(template?.match(textFrame('"a\nb"')), undefined, 'a raw control character is not a valid literal');
  assert.equal(template?.match(frame('{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":"stop"}')), undefined);
});
