import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRate, DEFAULT_TOKENS_PER_SECOND, hiddenReasoningTokens, RATE_MIN_MS, RATE_MIN_TOKENS } from './hidden-reasoning.js';

describe('hidden reasoning of a stream without usage', () => {
  test('nothing visible: the time before the cut at the default rate', () => {
    assert.equal(hiddenReasoningTokens({ thinkMs: 2500, visibleTokens: 0, visibleMs: 0, waitedMs: 0, bound: 100_000 }), 2.5 * DEFAULT_TOKENS_PER_SECOND);
    assert.equal(hiddenReasoningTokens({ thinkMs: 0, visibleTokens: 0, visibleMs: 0, waitedMs: 0, bound: 100_000 }), 0);
  });

  test("enough visible output: the stream's own rate", () => {
    // 400 tokens in 2 s (the gateway waited on the vendor all along) = 200 tokens/s; 3 s of thinking.
    assert.equal(decodeRate({ visibleTokens: 400, visibleMs: 2000, waitedMs: 1900 }), 200);
    assert.equal(hiddenReasoningTokens({ thinkMs: 3000, visibleTokens: 400, visibleMs: 2000, waitedMs: 1900, bound: 100_000 }), 600);
    // A slow model measured as it is (the gateway kept up): 40 tokens/s.
    assert.equal(decodeRate({ visibleTokens: 80, visibleMs: 2000, waitedMs: 2000 }), 40);
  });

  test('too little to measure: the default rate', () => {
    assert.equal(decodeRate({ visibleTokens: RATE_MIN_TOKENS - 1, visibleMs: 10_000, waitedMs: 10_000 }), DEFAULT_TOKENS_PER_SECOND);
    assert.equal(decodeRate({ visibleTokens: 5000, visibleMs: RATE_MIN_MS - 1, waitedMs: RATE_MIN_MS - 1 }), DEFAULT_TOKENS_PER_SECOND);
  });

  test('a client reading slowly (the gateway hardly waited on the vendor) cannot lower the rate below the default', () => {
    // 100 tokens over 20 s of slow reading would be 5 tokens/s.
    assert.equal(decodeRate({ visibleTokens: 100, visibleMs: 20_000, waitedMs: 300 }), DEFAULT_TOKENS_PER_SECOND);
    // A fast vendor stays measured.
    assert.equal(decodeRate({ visibleTokens: 4000, visibleMs: 10_000, waitedMs: 300 }), 400);
  });

  test('within the output bound less the visible output', () => {
    assert.equal(hiddenReasoningTokens({ thinkMs: 60_000, visibleTokens: 0, visibleMs: 0, waitedMs: 0, bound: 1000 }), 1000);
    assert.equal(hiddenReasoningTokens({ thinkMs: 60_000, visibleTokens: 300, visibleMs: 3000, waitedMs: 3000, bound: 1000 }), 700);
    assert.equal(hiddenReasoningTokens({ thinkMs: 60_000, visibleTokens: 1200, visibleMs: 3000, waitedMs: 3000, bound: 1000 }), 0);
  });
});
