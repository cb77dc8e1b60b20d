// The writer gives the very text JSON.stringify gives for encodeChatCompletion's object (the
// format's readable spec): on a full answer, on every field set to every kind of value, and on
// native fields that would move in the object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatResponse } from '../providers/spec/index.js';
import { encodeChatCompletion, encodeUsage } from './encode-chat-completion.js';
import { writeChatCompletion, writeUsage } from './write-chat-completion.js';

const base = (): ChatResponse => ({
  id: 'chatcmpl-1',
  model: 'vendor-model',
  created: 1_764_800_000,
  choices: [
    {
      index: 0,
      content: 'Say "hi"\n\u2028 \ud83d\ude00 \ud800 \u0007',
      toolCalls: [
        { id: 'call_1', name: 'f', arguments: '{"q":"x"}' },
        { id: 'call_2', name: 'g', arguments: '' },
      ],
      finishReason: 'tool_calls',
      refusal: 'no',
      reasoning: [{ text: 'because', origin: 'openai' }, { text: '' }, { text: 'so' }],
      logprobs: { content: [{ token: 'a', logprob: -0.5 }] },
    },
    { index: 1, content: null, toolCalls: [], finishReason: 'stop' },
  ],
  usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5, cachedInputTokens: 1, reasoningTokens: 1, buckets: undefined, raw: { x: 1 } },
  systemFingerprint: 'fp',
  native: { service_tier: 'default', extra: { nested: [1, null] }, gone: undefined },
});

/** Values of every kind a field may wrongly (or rightly) hold, JSON's impossible ones included. */
const kinds: unknown[] = [undefined, null, 'text', '', 'é"\\', 0, -0, 7, -1.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY, true, {}, { a: 1 }, [], [{}], () => 1];

/** Every path to a field of `value` (objects and arrays walked), as key lists. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
  return keys.flatMap((key) => [[...prefix, key], ...paths((value as Record<string | number, unknown>)[key], [...prefix, key])]);
}

function withValue(path: (string | number)[], value: unknown): ChatResponse {
  const response = base();
  let target = response as unknown as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  target[path[path.length - 1] as string | number] = value;
  return response;
}

/** What the spec gives: the text, or the error it throws. */
function spec(response: ChatResponse, model: string): string {
  try {
    return JSON.stringify(encodeChatCompletion(response, model));
  } catch (error) {
    return `threw ${(error as Error).name}`;
  }
}

function written(response: ChatResponse, model: string): string {
  try {
    return writeChatCompletion(response, model);
  } catch (error) {
    return `threw ${(error as Error).name}`;
  }
}

describe('writeChatCompletion', () => {
  it('writes what JSON.stringify writes for encodeChatCompletion', () => {
    const text = writeChatCompletion(base(), 'public "model"');
    assert.equal(text, JSON.stringify(encodeChatCompletion(base(), 'public "model"')));
    assert.equal((JSON.parse(text) as { model: string }).model, 'public "model"');
  });

  it('agrees with it when any field holds any kind of value', () => {
    let cases = 0;
    for (const path of paths(base())) {
      for (const value of kinds) {
        const response = withValue(path, value);
        assert.equal(written(response, 'm'), spec(response, 'm'), `${path.join('.')} = ${String(value)}`);
        cases += 1;
      }
    }
    assert.ok(cases > 500, `${cases} cases`);
  });

  it('agrees with it when a native field shares a name with the answer or an index', () => {
    for (const native of [{ model: 'vendor', service_tier: 'x' }, { usage: 1 }, { '1': 'a', b: 2, '0': 'c' }, { '01': 'not an index' }, {}]) {
      const response = { ...base(), native };
      assert.equal(writeChatCompletion(response, 'm'), JSON.stringify(encodeChatCompletion(response, 'm')), JSON.stringify(native));
    }
  });

  it('writes answers without choices, fingerprint or native fields', () => {
    const response: ChatResponse = { id: 'x', model: 'v', created: 1, choices: [], usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } };
    assert.equal(writeChatCompletion(response, 'm'), JSON.stringify(encodeChatCompletion(response, 'm')));
  });
});

describe('writeUsage', () => {
  it('writes what JSON.stringify writes for encodeUsage, odd counts included', () => {
    for (const field of ['inputTokens', 'outputTokens', 'totalTokens', 'cachedInputTokens', 'reasoningTokens']) {
      for (const value of kinds) {
        const usage = { inputTokens: 4, outputTokens: 3, totalTokens: 7, cachedInputTokens: 2, reasoningTokens: 1, [field]: value };
        assert.equal(writeUsage(usage as never), JSON.stringify(encodeUsage(usage as never)), `${field} = ${String(value)}`);
      }
    }
  });
});
