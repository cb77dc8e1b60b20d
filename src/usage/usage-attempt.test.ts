import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderError, SwitchboardError } from '../errors.js';
import { cutByTimeout } from './usage-attempt.js';

test("cutByTimeout: the gateway's own timeouts and a route's deadline, not a vendor's 504 or other failures", () => {
  assert.equal(cutByTimeout(new ProviderError('provider_timeout', 'timed out', { provider: 'p' })), true);
  assert.equal(cutByTimeout(new SwitchboardError('provider_timeout', "route 'r' deadline")), true);
  assert.equal(cutByTimeout(new ProviderError('provider_timeout', 'HTTP 504', { provider: 'p', upstreamStatus: 504 })), false);
  assert.equal(cutByTimeout(new ProviderError('provider_error', 'HTTP 500', { provider: 'p', upstreamStatus: 500 })), false);
  assert.equal(cutByTimeout(new ProviderError('provider_unavailable', 'refused', { provider: 'p' })), false);
  assert.equal(cutByTimeout(new Error('boom')), false);
});
