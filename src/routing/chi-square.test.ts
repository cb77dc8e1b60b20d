import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logGamma, sampleRatioCheck, upperRegularizedGamma } from './chi-square.js';

describe('the sample-ratio check', () => {
  it('matches known chi-square tail probabilities', () => {
    // P(chi2(1) > 3.841) = 0.05; P(chi2(2) > 5.991) = 0.05; P(chi2(4) > 13.277) = 0.01.
    assert.ok(Math.abs(upperRegularizedGamma(0.5, 3.841 / 2) - 0.05) < 1e-4);
    assert.ok(Math.abs(upperRegularizedGamma(1, 5.991 / 2) - 0.05) < 1e-4);
    assert.ok(Math.abs(upperRegularizedGamma(2, 13.277 / 2) - 0.01) < 1e-4);
    assert.ok(Math.abs(logGamma(5) - Math.log(24)) < 1e-10);
  });

  it('passes a split that matches the weights and flags one that does not', () => {
    const fine = sampleRatioCheck([905, 95], [90, 10]);
    assert.ok(fine && fine.p_value > 0.5 && !fine.mismatch, JSON.stringify(fine));
    const broken = sampleRatioCheck([800, 200], [90, 10]);
    assert.ok(broken && broken.p_value < 1e-10 && broken.mismatch, JSON.stringify(broken));
    assert.equal(sampleRatioCheck([10], [1]), null);
  });
});
