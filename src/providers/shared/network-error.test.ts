import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors as undiciErrors } from 'undici';
import { ProviderError, SwitchboardError } from '../../errors.js';
import { classifyFailure } from '../../routing/retry-policy.js';
import { networkError } from './http.js';

test("a request undici cannot build (a key with a line break) is the credential's fault: no 502, no breaker failure", () => {
  const error = networkError('p', new undiciErrors.InvalidArgumentError('invalid authorization header'));
  assert.ok(error instanceof SwitchboardError && !(error instanceof ProviderError));
  assert.equal(error.code, 'credential_invalid');
  assert.match(error.message, /could not be built \(invalid authorization header\): check the stored credential/);
  const classified = classifyFailure(error, false);
  assert.deepEqual([classified.action, classified.breakerFailure], ['return', false]);
});

test('our own errors pass through; a refused connection stays a 502 the breaker counts', () => {
  const ours = new SwitchboardError('invalid_request', 'nested too deeply');
  assert.equal(networkError('p', ours), ours);
  const refused = networkError('p', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  assert.ok(refused instanceof ProviderError);
  assert.equal(refused.status, 502);
  assert.equal(classifyFailure(refused, false).breakerFailure, true);
});
