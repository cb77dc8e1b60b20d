// Found by an attack review: the sample-ratio check on small samples. Pearson's chi-square is an approximation that
// needs every expected count to be about 5 or more; below that it wildly overstates significance.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleRatioCheck } from './chi-square.js';

/** Exact one-sided binomial tail P(X >= k), X ~ Bin(n, p). */
function binomialTail(n: number, k: number, p: number): number {
  let total = 0;
  let coefficient = 1;
  for (let i = 0; i <= n; i++) {
    if (i > 0) coefficient = (coefficient * (n - i + 1)) / i;
    if (i >= k) total += coefficient * p ** i * (1 - p) ** (n - i);
  }
  return total;
}

describe('sample-ratio check on tiny samples', () => {
  it('does not call MISMATCH on 1 of 3 requests landing on a 1% arm (exact p ≈ 0.03)', () => {
    const exact = binomialTail(3, 1, 0.01); // 0.0297: nothing unusual
    assert.ok(exact > 0.01);
    const check = sampleRatioCheck([2, 1], [99, 1]);
    assert.ok(check === null || !check.mismatch, `chi-square says p=${check?.p_value}, exact p=${exact}`);
  });

  it('does not call MISMATCH on 5 of 20 requests on a 5% arm (exact one-sided p ≈ 0.0026)', () => {
    const exact = binomialTail(20, 5, 0.05);
    assert.ok(exact > 0.001, String(exact));
    const check = sampleRatioCheck([15, 5], [95, 5]);
    assert.ok(check === null || !check.mismatch, `chi-square says p=${check?.p_value}, exact p=${exact}`);
  });
});
