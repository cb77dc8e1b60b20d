import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { picoToUsd, decimalToPico } from './decimal-to-pico.js';
import { describeReset, formatReset } from './format-reset.js';

describe('OpenAI reset durations and USD amounts', () => {
  it('formats resets like OpenAI', () => {
    assert.equal(formatReset(20), '20ms');
    assert.equal(formatReset(1000), '1s');
    assert.equal(formatReset(6500), '6.5s');
    assert.equal(formatReset(360_000), '6m0s');
    assert.equal(formatReset(3_723_000), '1h2m3s');
  });

  it('describes when a period ends, and a window without end (infinity) as never', () => {
    const now = Date.parse('2026-12-02T21:00:00Z');
    assert.equal(describeReset(Date.parse('2026-12-03T00:00:00Z'), now), 'at 2026-12-03T00:00:00Z (in 3h0m0s)');
    assert.equal(describeReset(8.64e15, now), 'never (the window has no end)');
    assert.equal(describeReset(8.64e15 + 5_000, now), 'never (the window has no end)', 'past the last Date, with clock skew added');
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
