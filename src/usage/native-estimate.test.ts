import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deltaText, KEPT_CHARS, nativeEstimate, nativeInputTokens, NativeOutputSample } from './native-estimate.js';
import { estimateTextTokens } from './estimate-tokens.js';

const anthropicText = (text: string): string => JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });

describe('native stream estimates', () => {
  test('deltaText reads both APIs and nothing else', () => {
    assert.equal(deltaText(anthropicText('Hi "there"')), 'Hi "there"');
    assert.equal(deltaText('{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"q\\":"}}'), '{"q":');
    assert.equal(deltaText('{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}'), 'hmm');
    assert.equal(deltaText('{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2ln"}}'), '');
    assert.equal(deltaText('{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":" world","logprobs":[]}'), ' world');
    assert.equal(deltaText('not json'), '');
    assert.equal(deltaText('[1,2]'), '');
  });

  test('the output sample keeps at most KEPT_CHARS of data and scales past it', async () => {
    const sample = new NativeOutputSample();
    const event = anthropicText(' token');
    const events = Math.ceil((3 * KEPT_CHARS) / event.length);
    for (let index = 0; index < events; index++) sample.add(event);
    const kept = Math.ceil(KEPT_CHARS / event.length);
    const perEvent = await estimateTextTokens([' token']);
    // Every event is alike, so scaling the kept ones' count by the characters seen is exact (± rounding).
    const tokens = await sample.tokens();
    assert.ok(Math.abs(tokens - events * perEvent) <= Math.ceil(events / kept), `${tokens} vs ${events * perEvent}`);
  });

  test('an empty sample estimates 0 output tokens', async () => {
    assert.equal(await new NativeOutputSample().tokens(), 0);
  });

  test("the input: the vendor's report when it has one, else the body's texts", async () => {
    const body = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'Hello there, how are you today?' }] };
    const fromBody = await nativeInputTokens(body);
    assert.ok(fromBody >= 8 && fromBody <= 40, String(fromBody));
    const none = await nativeEstimate(body, () => ({ inputTokens: 0, outputTokens: 0, totalTokens: 0 }), undefined)();
    assert.deepEqual(none, { input: fromBody, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 });
    const buckets = { input: 3, cachedInput: 4, cacheWrite5m: 5, cacheWrite1h: 6, output: 1, reasoning: 0 };
    const reported = await nativeEstimate(body, () => ({ inputTokens: 18, outputTokens: 1, totalTokens: 19, buckets }), undefined)();
    assert.deepEqual(reported, buckets);
  });

  test('reported output and reasoning stay when the text seen is less', async () => {
    const sample = new NativeOutputSample();
    sample.add(anthropicText('Hi'));
    const buckets = { input: 3, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 40, reasoning: 7 };
    const estimate = await nativeEstimate({}, () => ({ inputTokens: 3, outputTokens: 47, totalTokens: 50, buckets }), sample)();
    assert.deepEqual(estimate, buckets);
  });
});
