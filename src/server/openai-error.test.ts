import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError, SwitchboardError } from '../errors.js';
import { toHttpError } from './openai-error.js';

describe('toHttpError', () => {
  it('maps invalid_request to 400 invalid_request_error with param', () => {
    const http = toHttpError(new SwitchboardError('invalid_request', 'messages is required', { param: 'messages' }), 'r1');
    assert.equal(http.status, 400);
    assert.deepEqual(http.body, { error: { message: 'messages is required', type: 'invalid_request_error', param: 'messages', code: 'invalid_request' } });
  });

  it('maps no_such_model to 404 model_not_found', () => {
    const http = toHttpError(new SwitchboardError('no_such_model', "The model 'x' does not exist", { param: 'model' }), 'r1');
    assert.equal(http.status, 404);
    assert.equal(http.body.error.code, 'model_not_found');
    assert.equal(http.body.error.type, 'invalid_request_error');
    assert.equal(http.body.error.param, 'model');
  });

  it('maps our own authentication failure to 401 invalid_api_key', () => {
    const http = toHttpError(new SwitchboardError('authentication_failed', 'Invalid API key.'), 'r1');
    assert.equal(http.status, 401);
    assert.deepEqual(http.body.error, { message: 'Invalid API key.', type: 'authentication_error', param: null, code: 'invalid_api_key' });
  });

  it('keeps an upstream 401 distinct from our invalid_api_key', () => {
    const error = new ProviderError('authentication_failed', "Provider 'openai' failed: rejected the credentials", { provider: 'openai', status: 401, upstreamStatus: 401 });
    const http = toHttpError(error, 'r1');
    assert.equal(http.status, 401);
    assert.equal(http.body.error.code, 'authentication_failed');
    assert.match(http.body.error.message, /openai/);
  });

  it('maps rate limits to 429 rate_limit_exceeded with retry-after', () => {
    const error = new ProviderError('rate_limited', "Provider 'anthropic' failed: HTTP 429", { provider: 'anthropic', status: 429, retryAfter: 6.2 });
    const http = toHttpError(error, 'r1');
    assert.equal(http.status, 429);
    assert.equal(http.retryAfter, 7);
    assert.equal(http.body.error.code, 'rate_limit_exceeded');
    assert.equal(http.body.error.type, 'rate_limit_error');
  });

  it('keeps the upstream status of provider errors and answers 504 for timeouts', () => {
    assert.equal(toHttpError(new ProviderError('provider_error', 'x', { provider: 'p', status: 502 }), 'r').status, 502);
    assert.equal(toHttpError(new ProviderError('provider_unavailable', 'x', { provider: 'p', status: 503 }), 'r').status, 503);
    const timeout = toHttpError(new ProviderError('provider_timeout', "Provider 'p' timed out", { provider: 'p', status: 408 }), 'r');
    assert.equal(timeout.status, 504);
    assert.equal(timeout.body.error.type, 'server_error');
    assert.equal(timeout.body.error.code, 'provider_timeout');
  });

  it('maps request_too_large to 413 and unsupported_feature to 400', () => {
    assert.equal(toHttpError(new SwitchboardError('request_too_large', 'big'), 'r').status, 413);
    const unsupported = toHttpError(new SwitchboardError('unsupported_feature', 'logprobs is not supported', { param: 'logprobs' }), 'r');
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.error.code, 'unsupported_feature');
  });

  it('hides unknown errors and server-side failures behind a 500 with the request id', () => {
    const secret = new Error('connect ECONNREFUSED postgres://user:hunter2@db');
    const http = toHttpError(secret, 'req-42');
    assert.equal(http.status, 500);
    assert.equal(http.code, 'internal_error');
    assert.equal(http.body.error.message, 'Internal server error (request id req-42)');
    assert.doesNotMatch(JSON.stringify(http.body), /hunter2|ECONNREFUSED|at /);
    const database = toHttpError(new SwitchboardError('database_error', 'relation "x" does not exist'), 'req-43');
    assert.equal(database.status, 500);
    assert.equal(database.body.error.message, 'Internal server error (request id req-43)');
    assert.equal(toHttpError('a string', 'r').status, 500);
    assert.equal(toHttpError(undefined, 'r').status, 500);
  });
});
