import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');

  it('prefers retry-after-ms and retry-after', () => {
    assert.equal(parseRetryAfter({ 'retry-after-ms': '250', 'x-ratelimit-reset-requests': '9s' }, now), 0.25);
    assert.equal(parseRetryAfter({ 'retry-after': '3', 'x-ratelimit-reset-requests': '9s' }, now), 3);
  });

  it("falls back to the vendors' rate-limit reset headers", () => {
    assert.equal(parseRetryAfter({ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' }, now), 360);
    assert.equal(parseRetryAfter({ 'x-ratelimit-reset-requests': '20ms' }, now), 0.02);
    assert.equal(parseRetryAfter({ 'anthropic-ratelimit-requests-reset': '2026-12-02T12:00:02Z' }, now), 2);
    assert.equal(parseRetryAfter({ 'x-ratelimit-reset-requests': 'soon' }, now), undefined);
    assert.equal(parseRetryAfter({}, now), undefined);
  });
});
