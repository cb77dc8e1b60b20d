// Each vendor's usage shape → disjoint buckets, with the worked examples of vendor-formats §9:
// every token lands in exactly one bucket and the buckets re-add to the vendor's totals.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertAnthropicUsage } from '../anthropic/convert-anthropic-usage.js';
import { mapCohereUsage } from '../cohere/map-cohere-usage.js';
import { convertGoogleUsage } from '../google/convert-google-usage.js';
import { convertOpenAIUsage } from '../openai/convert-openai-response.js';
import { MAX_REPORTED_TOKENS } from './usage-buckets.js';

describe('usage buckets per vendor', () => {
  test('OpenAI: cached tokens and cache writes are inside prompt_tokens, reasoning inside completion_tokens', () => {
    const raw = {
      prompt_tokens: 10_000,
      completion_tokens: 1_500,
      total_tokens: 11_500,
      prompt_tokens_details: { cached_tokens: 6_000, cache_write_tokens: 1_000, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 1_000, accepted_prediction_tokens: 0 },
    };
    const usage = convertOpenAIUsage(raw);
    assert.deepEqual(usage.buckets, { input: 3_000, cachedInput: 6_000, cacheWrite5m: 1_000, cacheWrite1h: 0, output: 500, reasoning: 1_000 });
    assert.deepEqual([usage.inputTokens, usage.outputTokens, usage.totalTokens], [10_000, 1_500, 11_500]);
    assert.deepEqual(usage.raw, raw, 'the raw object keeps fields the schema does not name');
    assert.equal(convertOpenAIUsage(undefined).buckets, undefined, 'no usage reported: no buckets');
  });

  test('Anthropic: input, cache reads and cache writes are disjoint; writes split 5m/1h', () => {
    const usage = convertAnthropicUsage({
      input_tokens: 200,
      cache_read_input_tokens: 50_000,
      cache_creation_input_tokens: 3_000,
      cache_creation: { ephemeral_5m_input_tokens: 1_000, ephemeral_1h_input_tokens: 2_000 },
      output_tokens: 800,
    });
    assert.deepEqual(usage.buckets, { input: 200, cachedInput: 50_000, cacheWrite5m: 1_000, cacheWrite1h: 2_000, output: 800, reasoning: 0 });
    assert.equal(usage.inputTokens, 53_200);
    assert.equal(usage.cacheCreationInputTokens, 3_000);
    const unsplit = convertAnthropicUsage({ input_tokens: 1, cache_creation_input_tokens: 30, output_tokens: 2 });
    assert.deepEqual([unsplit.buckets?.cacheWrite5m, unsplit.buckets?.cacheWrite1h], [30, 0], 'no cache_creation split: all 5-minute');
  });

  test('Gemini: thoughts are outside candidatesTokenCount, cached content inside promptTokenCount', () => {
    const usage = convertGoogleUsage({
      promptTokenCount: 12_000,
      cachedContentTokenCount: 8_000,
      candidatesTokenCount: 600,
      thoughtsTokenCount: 2_400,
      totalTokenCount: 15_000,
    });
    assert.deepEqual(usage.buckets, { input: 4_000, cachedInput: 8_000, cacheWrite5m: 0, cacheWrite1h: 0, output: 600, reasoning: 2_400 });
    assert.deepEqual([usage.inputTokens, usage.outputTokens, usage.totalTokens], [12_000, 3_000, 15_000]);
    assert.equal(convertGoogleUsage(undefined).buckets, undefined);
  });

  test('Cohere: billed_units are billed, tokens are what clients see', () => {
    const usage = mapCohereUsage({ billed_units: { input_tokens: 1_200, output_tokens: 300 }, tokens: { input_tokens: 1_450, output_tokens: 300 } });
    assert.deepEqual(usage.buckets, { input: 1_200, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 300, reasoning: 0 });
    assert.deepEqual([usage.inputTokens, usage.outputTokens], [1_450, 300]);
    assert.equal(mapCohereUsage(null).buckets, undefined);
  });

  test('hostile counts (negative, fractional, strings) never make a negative bucket', () => {
    const usage = convertOpenAIUsage({ prompt_tokens: 5, completion_tokens: -3, prompt_tokens_details: { cached_tokens: 9 } });
    assert.deepEqual(usage.buckets, { input: 0, cachedInput: 5, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 });
  });

  test('absurd counts are capped (no call prices at trillions, no sum overflows to Infinity); the total is never raw', () => {
    const huge = convertOpenAIUsage({ prompt_tokens: 9e18, completion_tokens: 1e308, total_tokens: 9e18 });
    assert.deepEqual([huge.buckets?.input, huge.buckets?.output], [MAX_REPORTED_TOKENS, MAX_REPORTED_TOKENS]);
    assert.equal(huge.totalTokens, 2 * MAX_REPORTED_TOKENS);
    for (const bucket of [convertAnthropicUsage({ input_tokens: 1e308, output_tokens: 1e308, cache_read_input_tokens: 1e308 }).buckets]) {
      assert.ok(Object.values(bucket ?? {}).every((count) => Number.isFinite(count) && count <= MAX_REPORTED_TOKENS));
    }
    // A total below the buckets (0, negative) no longer hides them.
    assert.equal(convertOpenAIUsage({ prompt_tokens: 5, completion_tokens: 3, total_tokens: -1 }).totalTokens, 8);
    assert.equal(convertOpenAIUsage({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 10 }).totalTokens, 10, 'a larger total (audio) is kept');
  });
});
