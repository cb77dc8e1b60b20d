import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ended, recordingAttempt } from '../../test/helpers/recording-attempt.js';
import { ProviderError, SwitchboardError } from '../errors.js';
import { BilledProviderError } from '../providers/shared/billed-provider-error.js';
import { usageFromBuckets } from '../providers/shared/usage-buckets.js';
import { cutByTimeout } from './usage-attempt.js';

test("cutByTimeout: the gateway's own timeouts and a route's deadline, not a vendor's 504 or other failures", () => {
  assert.equal(cutByTimeout(new ProviderError('provider_timeout', 'timed out', { provider: 'p' })), true);
  assert.equal(cutByTimeout(new SwitchboardError('provider_timeout', "route 'r' deadline")), true);
  assert.equal(cutByTimeout(new ProviderError('provider_timeout', 'HTTP 504', { provider: 'p', upstreamStatus: 504 })), false);
  assert.equal(cutByTimeout(new ProviderError('provider_error', 'HTTP 500', { provider: 'p', upstreamStatus: 500 })), false);
  assert.equal(cutByTimeout(new ProviderError('provider_unavailable', 'refused', { provider: 'p' })), false);
  assert.equal(cutByTimeout(new Error('boom')), false);
});

test("fail: a failure the vendor billed (a BilledProviderError) ends with the vendor's usage; any other with none", () => {
  const usage = usageFromBuckets({ input: 12, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 5, reasoning: 0 }, { billed_units: { input_tokens: 12, output_tokens: 5 } });
  const estimate = async () => ({ input: 99, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 });
  for (const code of ['provider_error', 'provider_timeout'] as const) {
    const { attempt, outcomes } = recordingAttempt('chat');
    attempt.fail(new BilledProviderError(code, 'gave up', { provider: 'cohere', upstreamCode: 'ERROR', isRetryable: true, usage }), estimate);
    const { summary } = ended(attempt, outcomes);
    assert.deepEqual([summary.status, summary.errorCode, summary.usage], [code === 'provider_error' ? 502 : 504, code, usage]);
  }
  const { attempt, outcomes } = recordingAttempt('chat');
  attempt.fail(new ProviderError('provider_error', 'HTTP 500', { provider: 'p', upstreamStatus: 500 }), estimate);
  assert.equal(ended(attempt, outcomes).summary.usage, undefined);
});
