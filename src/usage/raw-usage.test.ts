import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { storableRawUsage } from './raw-usage.js';

const openai = {
  prompt_tokens: 19,
  completion_tokens: 10,
  total_tokens: 29,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};
const anthropic = { input_tokens: 5, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0 }, service_tier: 'standard', server_tool_use: null };
const gemini = { promptTokenCount: 8, candidatesTokenCount: 3, totalTokenCount: 11, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }] };

describe('storableRawUsage', () => {
  test("the vendors' usual objects are kept as they are (the same object, not a copy)", () => {
    for (const usage of [openai, anthropic, gemini, {}]) assert.equal(storableRawUsage(usage), usage);
  });

  test('not an object: null', () => {
    for (const raw of [undefined, null, 3, 'x', [1, 2]]) assert.equal(storableRawUsage(raw), null);
  });

  test('free text, long keys, non-finite numbers and functions are left out; the rest is kept', () => {
    const key = `sk-proj-${'a1'.repeat(40)}`;
    const raw = {
      ...openai,
      note: `billed to ${key}`,
      pad: 'x'.repeat(100_000),
      [`AIza${'b'.repeat(35)}`]: 1,
      big: Number.POSITIVE_INFINITY,
      fn: () => 1,
      nested: { ok: 1, text: 'two words' },
    };
    const kept = storableRawUsage(raw);
    assert.deepEqual(kept, { ...openai, nested: { ok: 1 } });
    assert.ok(!JSON.stringify(kept).includes(key));
  });

  test('depth: objects down to level 4 are kept, deeper ones left out', () => {
    const raw = { a: { b: { c: { d: 1, e: { f: 1 } } } }, text: 'not a word!' };
    assert.deepEqual(storableRawUsage(raw), { a: { b: { c: { d: 1 } } } });
  });

  test('at most 256 values are kept, whatever the shape', () => {
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`k${index}`, index]));
    const kept = storableRawUsage(wide) as Record<string, unknown>;
    assert.ok(Object.keys(kept).length <= 256 && Object.keys(kept).length >= 250, String(Object.keys(kept).length));
    const long = storableRawUsage({ list: Array.from({ length: 10_000 }, () => 1) }) as { list: unknown[] };
    assert.ok(long.list.length < 256);
  });
});
