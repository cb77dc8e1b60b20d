import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../providers/spec/index.js';
import { MessageEventEncoder } from './messages-stream.js';
import { decodeSignature, encodeSignature } from './reasoning-signature.js';

function events(parts: StreamPart[], family: 'google' | 'openai' | undefined = 'google'): { event: string; data: Record<string, unknown> }[] {
  const encoder = new MessageEventEncoder('public-model', 'test-provider', family);
  const text = parts.map((part) => encoder.encode(part)).join('');
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return { event: (eventLine ?? '').slice(7), data: JSON.parse((dataLine ?? '').slice(6)) as Record<string, unknown> };
    });
}

const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15, cachedInputTokens: 4 };

describe('MessageEventEncoder', () => {
  it('opens one block per kind in order, pings once, and ends with message_delta and message_stop', () => {
    const out = events([
      { type: 'stream-start', id: 'chatcmpl-1', model: 'vendor-model', created: 1 },
      { type: 'reasoning-delta', index: 0, text: 'hmm' },
      { type: 'reasoning-delta', index: 0, signature: 'sig' },
      { type: 'reasoning-delta', index: 1, redactedData: 'opaque' },
      { type: 'text-delta', text: 'Hi' },
      { type: 'text-delta', text: ' there' },
      { type: 'finish', finishReason: 'stop', usage },
    ]);
    assert.deepEqual(
      out.map((event) => event.event),
      [
        'message_start',
        'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop',
        'content_block_start', 'content_block_stop',
        'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
        'message_delta', 'message_stop',
      ],
    );
    const start = out[0]?.data['message'] as Record<string, unknown>;
    assert.match(String(start['id']), /^msg_/);
    assert.equal(start['model'], 'public-model');
    assert.deepEqual(out[4]?.data['delta'], { type: 'signature_delta', signature: 'sb-google:sig' }, "another vendor's signature is tagged");
    assert.deepEqual(out[6]?.data, { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'opaque' } });
    assert.deepEqual(out.at(-2)?.data, {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 6, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 },
    });
  });

  it('gives each tool call its own block and routes interleaved argument deltas by call index', () => {
    const out = events([
      { type: 'stream-start', id: 'x', model: 'm', created: 1 },
      { type: 'tool-call-delta', toolCallIndex: 0, id: 'call_a', name: 'a', argumentsDelta: '' },
      { type: 'tool-call-delta', toolCallIndex: 1, id: 'call_b', name: 'b', argumentsDelta: '{"y"' },
      { type: 'tool-call-delta', toolCallIndex: 0, argumentsDelta: '{"x":1}' },
      { type: 'tool-call-delta', toolCallIndex: 1, argumentsDelta: ':2}' },
      { type: 'finish', finishReason: 'tool_calls', usage },
    ]);
    const starts = out.filter((event) => event.event === 'content_block_start').map((event) => event.data);
    assert.deepEqual(starts, [
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'call_a', name: 'a', input: {} } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_b', name: 'b', input: {} } },
    ]);
    const json = (index: number): string =>
      out
        .filter((event) => event.event === 'content_block_delta' && event.data['index'] === index)
        .map((event) => (event.data['delta'] as { partial_json: string }).partial_json)
        .join('');
    assert.equal(json(0), '{"x":1}');
    assert.equal(json(1), '{"y":2}');
    assert.equal((out.at(-2)?.data['delta'] as { stop_reason: string }).stop_reason, 'tool_use');
  });

  it('starts the message even when a provider sends no stream-start', () => {
    const out = events([{ type: 'finish', finishReason: 'length', usage }], undefined);
    assert.deepEqual(out.map((event) => event.event), ['message_start', 'message_delta', 'message_stop']);
    assert.equal((out[1]?.data['delta'] as { stop_reason: string }).stop_reason, 'max_tokens');
  });
});

describe('thinking signatures', () => {
  it('keeps Anthropic signatures as they are and tags other families, reversibly', () => {
    assert.equal(encodeSignature('EqQBCgIY+/=', 'anthropic'), 'EqQBCgIY+/=');
    assert.deepEqual(decodeSignature('EqQBCgIY+/='), { signature: 'EqQBCgIY+/=', origin: 'anthropic' });
    assert.deepEqual(decodeSignature(encodeSignature('CiIB:abc', 'google')), { signature: 'CiIB:abc', origin: 'google' });
  });
});
