import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RETRY_AFTER_SECONDS, parseRetryAfter } from './retry-after.js';

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

  it('reads plain decimal seconds and HTTP dates only, and passes on at most a day', () => {
    assert.equal(parseRetryAfter({ 'retry-after': ' 2.5 ' }, now), 2.5);
    assert.equal(parseRetryAfter({ 'retry-after': 'Wed, 02 Dec 2026 12:00:30 GMT' }, now), 30);
    for (const odd of ['0x10', '1e3', '-5', '+7', 'Infinity', '12:00', 'soon']) {
      assert.equal(parseRetryAfter({ 'retry-after': odd }, now), undefined, odd);
    }
    assert.equal(parseRetryAfter({ 'retry-after-ms': '1e3', 'retry-after': '4' }, now), 4, 'an unreadable retry-after-ms yields to retry-after');
    assert.equal(parseRetryAfter({ 'retry-after': '99999999999999999999' }, now), MAX_RETRY_AFTER_SECONDS);
    assert.equal(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2099 00:00:00 GMT' }, now), MAX_RETRY_AFTER_SECONDS);
    assert.equal(parseRetryAfter({ 'retry-after-ms': '999999999999' }, now), MAX_RETRY_AFTER_SECONDS);
    assert.equal(parseRetryAfter({ 'x-ratelimit-reset-requests': '100000h' }, now), MAX_RETRY_AFTER_SECONDS);
  });
});
