import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError, SwitchboardError } from '../errors.js';
import { classifyFailure } from './retry-policy.js';
import { eventTooLarge, responseTooLarge } from '../providers/shared/upstream-limits.js';

const upstream = (status: number, extra: { code?: string; retryAfter?: number; error?: 'context_length_exceeded' } = {}) =>
  new ProviderError(extra.error ?? 'provider_error', 'x', {
    provider: 'p',
    upstreamStatus: status,
    ...(extra.code ? { upstreamCode: extra.code } : {}),
    ...(extra.retryAfter === undefined ? {} : { retryAfter: extra.retryAfter }),
  });

describe('the retry table', () => {
  it('classifies from fields', () => {
    const cases: [unknown, string | undefined, string][] = [
      [upstream(500), 'server_error', 'next'],
      [upstream(529), 'overloaded', 'next'],
      [upstream(503), 'overloaded', 'next'],
      [upstream(504), 'timeout', 'next'],
      [upstream(429, { retryAfter: 2 }), 'rate_limited', 'wait_or_next'],
      [upstream(429, { code: 'insufficient_quota' }), 'auth', 'block_credential'],
      [upstream(401), 'auth', 'block_credential'],
      [upstream(403), 'auth', 'next'],
      [upstream(403, { code: 'insufficient_quota' }), 'auth', 'block_credential'],
      [upstream(400, { error: 'context_length_exceeded' }), 'context_length', 'next_if_accepted'],
      [upstream(400, { code: 'content_policy_violation' }), 'content_policy', 'next_if_accepted'],
      [upstream(400), undefined, 'return'],
      [upstream(404), undefined, 'return'],
      [new ProviderError('provider_timeout', 'x', { provider: 'p' }), 'timeout', 'next'],
      [new ProviderError('provider_unavailable', 'x', { provider: 'p' }), 'connection', 'next'],
      [new SwitchboardError('invalid_request', 'x'), undefined, 'return'],
      [new SwitchboardError('credential_missing', 'x'), 'auth', 'block_credential'],
      [new Error('boom'), undefined, 'return'],
    ];
    for (const [error, errorClass, action] of cases) {
      const classified = classifyFailure(error, false);
      assert.deepEqual([classified.errorClass, classified.action], [errorClass, action], String((error as Error).message) + JSON.stringify(error));
    }
    assert.equal(classifyFailure(upstream(429, { retryAfter: 2 }), false).retryAfter, 2);
    assert.equal(classifyFailure(upstream(500), true).action, 'return', 'a client that went away is never retried');
    // An answer the gateway's size limits cut: returned, and no failure of the target's.
    for (const cut of [responseTooLarge('p', 1024, 200), eventTooLarge('p', 1024)]) {
      assert.deepEqual(classifyFailure(cut, false), { errorClass: undefined, action: 'return', retryAfter: undefined, breakerFailure: false });
    }
  });
});
