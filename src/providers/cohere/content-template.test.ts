import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomTextLiterals } from '../../../test/helpers/random-text-literals.js';
import type { StreamPart } from '../spec/index.js';
import { CohereStreamDecoder } from './cohere-stream-decoder.js';
import { ContentTemplate } from './content-template.js';

type Event = [name: string, data: string];

const contentDelta = (literal: string, key = 'text'): Event => [
  'content-delta',
  `{"type":"content-delta","index":0,"delta":{"message":{"content":{"${key}":${literal}}}}}`,
];

/** What a full JSON.parse of each delta says the stream's parts are. */
function expectedParts(events: readonly Event[]): StreamPart[] {
  const parts: StreamPart[] = [];
  for (const [, data] of events) {
    const content = (JSON.parse(data) as { delta?: { message?: { content?: Record<string, unknown> } } } | null)?.delta?.message?.content ?? {};
    if (typeof content['thinking'] === 'string' && content['thinking'] !== '') parts.push({ type: 'reasoning-delta', index: 0, text: content['thinking'] });
    if (typeof content['text'] === 'string' && content['text'] !== '') parts.push({ type: 'text-delta', text: content['text'] });
  }
  return parts;
}

function decode(events: readonly Event[]): StreamPart[] {
  const decoder = new CohereStreamDecoder(1 << 20, { provider: 'cohere', model: 'command-a', created: 1, randomId: () => 'x', secrets: [] });
  const all: Event[] = [
    ['message-start', '{"id":"m1","type":"message-start","delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}}'],
    ['content-start', '{"type":"content-start","index":0,"delta":{"message":{"content":{"type":"text","text":""}}}}'],
    ...events,
    ['content-end', '{"type":"content-end","index":0}'],
    ['message-end', '{"type":"message-end","delta":{"finish_reason":"COMPLETE","usage":{"billed_units":{"input_tokens":3,"output_tokens":2},"tokens":{"input_tokens":9,"output_tokens":2}}}}'],
  ];
  const out: StreamPart[] = [];
  decoder.chunk(Buffer.from(all.map(([name, data]) => `event: ${name}\ndata: ${data}\n\n`).join('') + 'data: [DONE]\n\n'), out);
  decoder.end(out);
  assert.equal(out[0]?.type, 'stream-start');
  assert.equal(out.at(-1)?.type, 'finish');
  return out.filter((part) => part.type === 'text-delta' || part.type === 'reasoning-delta');
}

test('a content delta around another string literal reads as a full parse would, escapes included', () => {
  const events = randomTextLiterals(13, 400).map(({ literal, pick }) => contentDelta(literal, pick < 0.15 ? 'thinking' : 'text'));
  assert.deepEqual(decode(events), expectedParts(events));
});

test('text that changes the event structure is parsed in full, never read as text', () => {
  const events: Event[] = [
    contentDelta('"plain"'),
    // The middle closes the string and adds a key: a duplicate key wins in JSON.
    contentDelta('"a","text":"b"'),
    contentDelta('"x\\\\"'),
    contentDelta('"c","thinking":"t"'),
    contentDelta('"d"'),
    ['content-delta', 'null'],
    contentDelta('"e"'),
  ];
  const parts = decode(events);
  assert.deepEqual(parts, expectedParts(events));
  assert.deepEqual(
    parts.map((part) => (part.type === 'text-delta' ? part.text : part.type === 'reasoning-delta' ? `r:${part.text ?? ''}` : '')),
    ['plain', 'b', 'x\\', 'r:t', 'c', 'd', 'e'],
  );
});

test('only a content delta of exactly one text or thinking string makes a template, matched under the same event name', () => {
  const of = ([name, data]: Event): ContentTemplate | undefined => ContentTemplate.of(name, data, JSON.parse(data));
  const template = of(contentDelta('"hi"'));
  assert.ok(template);
  assert.equal(template.match('content-delta', contentDelta('"a\\nb"')[1]), 'a\nb');
  assert.equal(template.match('content-delta', contentDelta('"a\nb"')[1]), undefined, 'a raw control character is not a valid literal');
  assert.equal(template.match('message-end', contentDelta('"a"')[1]), undefined, 'another event name');
  assert.ok(of(contentDelta('"hm"', 'thinking')));
  assert.equal(of(['content-delta', '{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"hi","x":1}}}}']), undefined);
  assert.equal(of(['content-delta', '{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"hi"}},"x":1}}']), undefined);
  assert.equal(of(['content-delta', '{"type":"content-delta","index":0,"delta": {"message":{"content":{"text":"hi"}}}}']), undefined);
  assert.equal(of(['content-delta', '{"type":"content-delta","delta":{"message":{"content":{"text":"hi"}}}}']), undefined);
  assert.equal(of(['content-delta', 'null']), undefined);
});
