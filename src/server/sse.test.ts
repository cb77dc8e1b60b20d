import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamPart } from '../providers/spec/index.js';
import { ChatChunkEncoder, errorFrame } from './sse.js';

function decode(frames: string): unknown[] {
  return frames
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      assert.ok(frame.startsWith('data: '), frame);
      return JSON.parse(frame.slice(6)) as unknown;
    });
}

const usage = { inputTokens: 5, outputTokens: 2, totalTokens: 7, cachedInputTokens: 3 };

describe('ChatChunkEncoder', () => {
  it('encodes a text stream with the public model name and a usage chunk', () => {
    const encoder = new ChatChunkEncoder('public-model', true);
    const parts: StreamPart[] = [
      { type: 'stream-start', id: 'chatcmpl-1', model: 'vendor-model', created: 100 },
      { type: 'text-delta', text: 'He said "hi"\n' },
      { type: 'finish', finishReason: 'stop', usage },
    ];
    const chunks = decode(parts.map((part) => encoder.encode(part)).join(''));
    // No system_fingerprint key: the vendor sent none (never null, which OpenAI's schema forbids).
    const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 100, model: 'public-model' };
    assert.deepEqual(chunks, [
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], usage: null },
      { ...base, choices: [{ index: 0, delta: { content: 'He said "hi"\n' }, logprobs: null, finish_reason: null }], usage: null },
      { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null },
      {
        ...base,
        choices: [],
        usage: {
          prompt_tokens: 5,
          completion_tokens: 2,
          total_tokens: 7,
          prompt_tokens_details: { cached_tokens: 3 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      },
    ]);
  });

  it("passes the vendor's system_fingerprint through as a string on every chunk", () => {
    const encoder = new ChatChunkEncoder('m', true);
    const frames =
      encoder.encode({ type: 'stream-start', id: 'x', model: 'v', created: 1, systemFingerprint: 'fp_abc' }) +
      encoder.encode({ type: 'text-delta', text: 'hi' }) +
      encoder.encode({ type: 'finish', finishReason: 'stop', usage });
    const chunks = decode(frames) as Record<string, unknown>[];
    assert.equal(chunks.length, 4);
    for (const chunk of chunks) assert.equal(chunk['system_fingerprint'], 'fp_abc');
  });

  it('leaves usage out when not asked for', () => {
    const encoder = new ChatChunkEncoder('m', false);
    const frames = encoder.encode({ type: 'stream-start', id: 'x', model: 'v', created: 1 }) + encoder.encode({ type: 'finish', finishReason: 'length', usage });
    const chunks = decode(frames) as Record<string, unknown>[];
    assert.equal(chunks.length, 2);
    for (const chunk of chunks) assert.equal('usage' in chunk, false);
  });

  it('encodes tool call deltas as OpenAI does', () => {
    const encoder = new ChatChunkEncoder('m', false);
    encoder.encode({ type: 'stream-start', id: 'x', model: 'v', created: 1 });
    const first = decode(encoder.encode({ type: 'tool-call-delta', toolCallIndex: 0, id: 'call_1', name: 'get', argumentsDelta: '' }))[0];
    const next = decode(encoder.encode({ type: 'tool-call-delta', toolCallIndex: 0, argumentsDelta: '{"q":' }))[0];
    assert.deepEqual((first as { choices: unknown[] }).choices[0], {
      index: 0,
      delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get', arguments: '' } }] },
      logprobs: null,
      finish_reason: null,
    });
    assert.deepEqual((next as { choices: unknown[] }).choices[0], {
      index: 0,
      delta: { tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] },
      logprobs: null,
      finish_reason: null,
    });
  });

  it('keeps the streamed text only when asked', () => {
    const keeping = new ChatChunkEncoder('m', false, true);
    keeping.encode({ type: 'text-delta', text: 'a' });
    keeping.encode({ type: 'text-delta', text: 'b' });
    assert.equal(keeping.text, 'ab');
    assert.equal(new ChatChunkEncoder('m', false).text, undefined);
  });

  it('writes error events in the shape the openai SDK raises', () => {
    const frame = errorFrame({ error: { message: 'boom', type: 'server_error', param: null, code: 'provider_error' } });
    assert.equal(frame, 'data: {"error":{"message":"boom","type":"server_error","param":null,"code":"provider_error"}}\n\n');
  });
});
