import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { picoToUsd, decimalToPico } from './decimal-to-pico.js';
import { formatReset } from './format-reset.js';

describe('OpenAI reset durations and USD amounts', () => {
  it('formats resets like OpenAI', () => {
    assert.equal(formatReset(20), '20ms');
    assert.equal(formatReset(1000), '1s');
    assert.equal(formatReset(6500), '6.5s');
    assert.equal(formatReset(360_000), '6m0s');
    assert.equal(formatReset(3_723_000), '1h2m3s');
  });

  it('parses and prints pico-USD exactly', () => {
    assert.equal(decimalToPico('10.5'), 10_500_000_000_000n);
    assert.equal(decimalToPico('0.000000000001'), 1n);
    assert.equal(decimalToPico('250.000000000000'), 250_000_000_000_000n);
    assert.equal(decimalToPico('-1'), undefined);
    assert.equal(decimalToPico('1e3'), undefined);
    assert.equal(picoToUsd(250_000_000_000_000n), '$250.00');
    assert.equal(picoToUsd(123_000_000n), '$0.000123');
  });
});
