import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomTextLiterals } from '../../../test/helpers/random-text-literals.js';
import type { StreamPart } from '../spec/index.js';
import { AnthropicStreamDecoder } from './anthropic-stream-decoder.js';
import { DeltaTemplate } from './delta-template.js';

type Event = [name: string, data: string];

const delta = (index: number, type: string, key: string, literal: string): Event => [
  'content_block_delta',
  `{"type":"content_block_delta","index":${index},"delta":{"type":"${type}","${key}":${literal}}}`,
];
const textDelta = (literal: string, index = 1): Event => delta(index, 'text_delta', 'text', literal);
const thinkingDelta = (literal: string): Event => delta(0, 'thinking_delta', 'thinking', literal);

/** What a full JSON.parse of each delta says the stream's parts are (block 0 thinking, block 1 text). */
function expectedParts(events: readonly Event[]): StreamPart[] {
  const parts: StreamPart[] = [];
  for (const [, data] of events) {
    const record = JSON.parse(data) as { index: number; delta: Record<string, unknown> };
    const { delta: body } = record;
    if (body['type'] === 'text_delta' && typeof body['text'] === 'string' && body['text'] !== '') parts.push({ type: 'text-delta', text: body['text'] });
    if (body['type'] === 'thinking_delta' && record.index === 0 && typeof body['thinking'] === 'string' && body['thinking'] !== '') {
      parts.push({ type: 'reasoning-delta', index: 0, text: body['thinking'] });
    }
    if (typeof body['signature'] === 'string' && record.index === 0) parts.push({ type: 'reasoning-delta', index: 0, signature: body['signature'] });
  }
  return parts;
}

function decode(events: readonly Event[]): StreamPart[] {
  const decoder = new AnthropicStreamDecoder(1 << 20, { provider: 'anthropic', secrets: [], created: 1, fallbackId: () => 'x', fallbackModel: 'm' });
  const all: Event[] = [
    ['message_start', '{"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":3,"output_tokens":1}}}'],
    ['content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}'],
    ['content_block_start', '{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}'],
    ...events,
    ['message_delta', '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}'],
    ['message_stop', '{"type":"message_stop"}'],
  ];
  const out: StreamPart[] = [];
  decoder.chunk(Buffer.from(all.map(([name, data]) => `event: ${name}\ndata: ${data}\n\n`).join('')), out);
  decoder.end(out);
  assert.equal(out[0]?.type, 'stream-start');
  const finish = out.at(-1);
  assert.ok(finish?.type === 'finish');
  assert.equal(finish.finishReason, 'stop');
  return out.filter((part) => part.type === 'text-delta' || part.type === 'reasoning-delta');
}

test('a delta around another string literal reads as a full parse would, escapes included', () => {
  const events = randomTextLiterals(11, 400).map(({ literal, pick }) => (pick < 0.15 ? thinkingDelta(literal) : textDelta(literal)));
  assert.deepEqual(decode(events), expectedParts(events));
});

test('text that changes the event structure is parsed in full, never read as text', () => {
  const events: Event[] = [
    textDelta('"plain"'),
    // Same text around, but the middle closes the string and adds a key: a duplicate key wins in JSON.
    textDelta('"a","text":"b"'),
    textDelta('"x\\\\"'),
    textDelta('"c"'),
    textDelta('"d","type":"signature_delta","signature":"s"'),
    textDelta('"e"', 0),
    textDelta('"f"'),
    ['content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}'],
    textDelta('"g"'),
  ];
  const parts = decode(events);
  assert.deepEqual(parts, expectedParts(events));
  assert.deepEqual(
    parts.map((part) => (part.type === 'text-delta' ? part.text : part.type === 'reasoning-delta' ? `r:${part.signature ?? part.text ?? ''}` : '')),
    // 'd' turned its delta into a signature delta of the text block: no part, as a full parse says.
    ['plain', 'b', 'x\\', 'c', 'e', 'f', 'r:sig', 'g'],
  );
});

test('only a text or thinking delta with exactly its keys makes a template, matched under the same event name', () => {
  const of = ([name, data]: Event): DeltaTemplate | undefined => DeltaTemplate.of(name, data, JSON.parse(data) as Record<string, unknown>);
  const template = of(textDelta('"hi"'));
  assert.ok(template);
  assert.equal(template.match('content_block_delta', textDelta('"a\\nb"')[1]), 'a\nb');
  assert.equal(template.match('content_block_delta', textDelta('"a\nb"')[1]), undefined, 'a raw control character is not a valid literal');
  assert.equal(template.match('message_delta', textDelta('"a"')[1]), undefined, 'another event name');
  assert.equal(template.match('content_block_delta', textDelta('"a"', 2)[1]), undefined, 'another block');
  assert.ok(of(thinkingDelta('"hm"')));
  assert.equal(of(['content_block_delta', '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"hi","extra":1}}']), undefined);
  assert.equal(of(['content_block_delta', '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"hi"},"x":0}']), undefined);
  assert.equal(of(['content_block_delta', '{"type":"content_block_delta","index":1,"delta": {"type":"text_delta","text":"hi"}}']), undefined);
  assert.equal(of(['content_block_delta', '{"type":"content_block_delta","index":1,"delta":{"text":"hi","type":"text_delta"}}']), undefined);
  assert.equal(of(['content_block_delta', '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{"}}']), undefined);
  assert.equal(of(['message_delta', textDelta('"hi"')[1]]), undefined, 'sent under another event name');
});
