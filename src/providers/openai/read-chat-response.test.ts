// The structural reader accepts exactly what the zod schema (the format's readable spec) accepts,
// and the answer it returns converts to the same normalized response.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertOpenAIResponse } from './convert-openai-response.js';
import { openAIChatResponseSchema, openAIUsageSchema } from './openai-api.js';
import { isOpenAIUsage, readOpenAIChatResponse } from './read-chat-response.js';

const defaults = { model: 'm', created: 1, randomId: () => 'r' };

const base = () => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_764_800_000,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'hi',
        refusal: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        reasoning_content: 'because',
      },
      logprobs: { content: [] },
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 1, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 1 } },
  system_fingerprint: 'fp',
  service_tier: 'default',
});

/** Values of every kind a field may wrongly (or rightly) hold (and two JSON cannot: NaN, Infinity). */
const kinds: unknown[] = [undefined, null, 'text', '', 0, 7, -1.5, Number.NaN, Number.POSITIVE_INFINITY, true, {}, { name: 'g' }, [], [{}]];

const show = (value: unknown): string => (typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? 'undefined'));

/** Every path to a field of `value` (objects and arrays walked), as key lists. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const out: (string | number)[][] = [];
  for (const [key, inner] of Object.entries(value)) {
    const at = [...prefix, Array.isArray(value) ? Number(key) : key];
    out.push(at, ...paths(inner, at));
  }
  return out;
}

function withValue(root: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (replacement === undefined) delete target[last];
  else target[last] = replacement;
  return copy;
}

test('every field of an answer set to every kind of value: the reader and the schema agree, and convert alike', () => {
  let accepted = 0;
  let refused = 0;
  const answer = base();
  for (const path of [...paths(answer), ['extra'], ['choices', 0, 'message', 'extra'], ['usage', 'extra']]) {
    for (const kind of kinds) {
      const candidate = withValue(answer, path, kind);
      const parsed = openAIChatResponseSchema.safeParse(candidate);
      const read = readOpenAIChatResponse(candidate);
      assert.equal(read !== undefined, parsed.success, `${path.join('.')} = ${show(kind)}: schema ${parsed.success ? 'accepts' : 'refuses'}`);
      if (!parsed.success || read === undefined) {
        refused += 1;
        continue;
      }
      accepted += 1;
      assert.deepEqual(convertOpenAIResponse(read, defaults), convertOpenAIResponse(parsed.data, defaults), `${path.join('.')} = ${show(kind)}`);
    }
  }
  // Both outcomes are exercised.
  assert.ok(accepted > 50 && refused > 50, `${accepted} accepted, ${refused} refused`);
});

test('answers that are not objects, or lack choices, are refused', () => {
  for (const value of [null, undefined, 'x', 1, [], [base()], { ...base(), choices: undefined }, { ...base(), choices: {} }]) {
    assert.equal(readOpenAIChatResponse(value), undefined);
    assert.equal(openAIChatResponseSchema.safeParse(value).success, false);
  }
});

test('a usage object agrees with its schema field by field', () => {
  const usage = base().usage;
  for (const path of paths(usage)) {
    for (const kind of kinds) {
      const candidate = withValue(usage, path, kind);
      assert.equal(isOpenAIUsage(candidate), openAIUsageSchema.safeParse(candidate).success, `${path.join('.')} = ${show(kind)}`);
    }
  }
});
