import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { mapGoogleError } from './map-google-error.js';
import { MAX_RETRY_AFTER_SECONDS } from '../shared/retry-after.js';

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(`../../../test/fixtures/google/${name}`, import.meta.url), 'utf8')) as unknown;
}

describe('mapGoogleError', () => {
  test('a recorded quota error: rate_limited with a fractional RetryInfo delay', async () => {
    const error = mapGoogleError({ provider: 'g', status: 429, body: await fixture('error-resource-exhausted.json'), secrets: [] });
    assert.deepEqual([error.code, error.status, error.retryAfter, error.upstreamCode], ['rate_limited', 429, 38.5, 'RESOURCE_EXHAUSTED']);
  });

  test("a RetryInfo delay is capped like a retry-after header's (a day)", () => {
    const body = { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'quota', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${'9'.repeat(400)}s` }] } };
    assert.equal(mapGoogleError({ provider: 'g', status: 429, body, secrets: [] }).retryAfter, MAX_RETRY_AFTER_SECONDS);
  });

  test('a recorded invalid-key error: authentication_failed, fixed message', async () => {
    const error = mapGoogleError({ provider: 'g', status: 400, body: await fixture('error-api-key-invalid.json'), secrets: ['k'] });
    assert.deepEqual([error.code, error.status, error.upstreamStatus, error.isRetryable], ['authentication_failed', 401, 400, false]);
    assert.equal(error.message, "Provider 'g' failed: rejected the credentials (HTTP 400, API_KEY_INVALID); check this project's API key for 'g'");
  });

  test('an in-stream error (no HTTP status) takes its status from error.code, else error.status', () => {
    const withCode = mapGoogleError({ provider: 'g', status: undefined, body: { error: { code: 504, status: 'DEADLINE_EXCEEDED' } }, secrets: [] });
    assert.deepEqual([withCode.code, withCode.status], ['provider_timeout', 504]);
    const withName = mapGoogleError({ provider: 'g', status: undefined, body: { error: { status: 'RESOURCE_EXHAUSTED', message: 'slow down' } }, secrets: [] });
    assert.deepEqual([withName.code, withName.status], ['rate_limited', 429]);
    const unknown = mapGoogleError({ provider: 'g', status: undefined, body: { error: {} }, secrets: [] });
    assert.deepEqual([unknown.code, unknown.status], ['provider_error', 500]);
  });

  test('an error wrapped in an array (streamGenerateContent without alt=sse) is read', () => {
    const error = mapGoogleError({
      provider: 'g',
      status: 503,
      body: [{ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }],
      secrets: [],
    });
    assert.deepEqual([error.code, error.upstreamCode], ['provider_unavailable', 'UNAVAILABLE']);
    assert.match(error.message, /The model is overloaded\./);
  });

  test('a BadRequest field violation names the param', () => {
    const error = mapGoogleError({
      provider: 'g',
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'Invalid value',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'generation_config.temperature' }] }],
        },
      },
      secrets: [],
    });
    assert.deepEqual([error.code, error.param], ['invalid_request', 'generation_config.temperature']);
  });

  test('a body that is not Google JSON keeps only the status', () => {
    const error = mapGoogleError({ provider: 'g', status: 502, body: undefined, secrets: [] });
    assert.deepEqual([error.code, error.status, error.message], ['provider_error', 502, "Provider 'g' failed: HTTP 502"]);
  });
});
