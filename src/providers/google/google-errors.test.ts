import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startGoogleMock, type GoogleMock } from '../../../test/mock-vendors/google.js';
import { ProviderError } from '../../errors.js';
import { createUpstreamAgent, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, Provider } from '../spec/index.js';
import { GoogleProviderClass } from './index.js';

let mock: GoogleMock;
let deps: ProviderDeps;
let provider: Provider;

const wrongKey = 'AIzaSyWRONG-key-1234567890';
const hello: ChatRequest = { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };

function create(baseUrl: string, authHeaderName = 'x-goog-api-key'): Provider {
  return GoogleProviderClass.create(
    { name: 'google', baseUrl, authHeaderName, authHeaderPrefix: '', config: {}, requestTemplate: null },
    deps,
  );
}

beforeEach(async () => {
  mock = await startGoogleMock();
  deps = { dispatcher: createUpstreamAgent(), now: () => 1_700_000_000_000, randomId: () => 'x' };
  provider = create(mock.baseUrl);
});

afterEach(async () => {
  await mock.close();
  await deps.dispatcher.close();
});

function callOptions(apiKey = 'test-key'): CallOptions {
  return { signal: new AbortController().signal, credential: { apiKey } };
}

async function chatError(request: ChatRequest = hello, options: CallOptions = callOptions(), target = provider): Promise<ProviderError> {
  try {
    await target.chat(request, options);
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail('the call should have failed');
}

describe('GoogleProvider error mapping', () => {
  test('a wrong key (Google: 400 API_KEY_INVALID) is authentication_failed 401, without the key', async () => {
    const error = await chatError(hello, callOptions(wrongKey));
    assert.equal(mock.requests[0]?.headers['x-goog-api-key'], wrongKey);
    assert.equal(error.code, 'authentication_failed');
    assert.equal(error.status, 401);
    assert.equal(error.upstreamStatus, 400);
    assert.equal(error.upstreamCode, 'API_KEY_INVALID');
    assert.equal(error.isRetryable, false);
    assert.equal(error.provider, 'google');
    assert.ok(!error.message.includes(wrongKey));
    assert.ok(!JSON.stringify(error).includes(wrongKey));
  });

  test('no key reaching Google (403 PERMISSION_DENIED) is permission_denied', async () => {
    const error = await chatError(hello, callOptions(), create(mock.baseUrl, 'x-wrong-header'));
    assert.equal(mock.requests[0]?.headers['x-goog-api-key'], undefined);
    assert.equal(error.code, 'permission_denied');
    assert.equal(error.status, 403);
    assert.equal(error.upstreamCode, 'PERMISSION_DENIED');
  });

  test('429 RESOURCE_EXHAUSTED carries RetryInfo.retryDelay as retryAfter', async () => {
    mock.failNext({ status: 429 });
    const error = await chatError();
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 7);
    assert.equal(error.isRetryable, true);
    // The vendor's text describes the shared account's quota: the client gets a fixed message.
    assert.doesNotMatch(error.message, /exceeded your current quota/);
    assert.match(error.message, /HTTP 429: the vendor is rate limiting the gateway's account/);
  });

  test('without RetryInfo, a retry-after header is used', async () => {
    mock.failNext({
      status: 429,
      body: { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } },
      headers: { 'retry-after': '3' },
    });
    assert.equal((await chatError()).retryAfter, 3);
  });

  test('500, 503 and 504 map to provider_error, provider_unavailable and provider_timeout', async () => {
    const expected = [
      [500, 'provider_error', 'INTERNAL'],
      [503, 'provider_unavailable', 'UNAVAILABLE'],
      [504, 'provider_timeout', 'DEADLINE_EXCEEDED'],
    ] as const;
    for (const [status, code, upstreamCode] of expected) {
      mock.failNext({ status });
      const error = await chatError();
      assert.deepEqual([error.code, error.status, error.upstreamCode, error.isRetryable], [code, status, upstreamCode, true]);
    }
  });

  test('a 400 INVALID_ARGUMENT keeps the vendor message, with the key redacted', async () => {
    mock.failNext({
      status: 400,
      body: { error: { code: 400, message: 'Bad request for key test-key.', status: 'INVALID_ARGUMENT' } },
    });
    const error = await chatError();
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.status, 400);
    assert.match(error.message, /^Provider 'google' failed: HTTP 400: Bad request for key \[redacted\]\.$/);
  });

  test('a success body that is not JSON is a 502 provider_error', async () => {
    mock.failNext({ status: 200, body: '<html>proxy page</html>' });
    const error = await chatError();
    assert.equal(error.code, 'provider_error');
    assert.equal(error.status, 502);
    assert.equal(error.upstreamStatus, 200);
  });

  test('a JSON success body of the wrong shape is a 502 provider_error', async () => {
    mock.failNext({ status: 200, body: { candidates: 'none' } });
    const error = await chatError();
    assert.equal(error.code, 'provider_error');
    assert.equal(error.status, 502);
  });

  test("Google's HTML 404 page (wrong base URL) is not_found", async () => {
    const error = await chatError(hello, callOptions(), create(mock.origin));
    assert.equal(mock.requests[0]?.url, '/models/gemini-2.5-flash:generateContent');
    assert.equal(error.code, 'not_found');
    assert.equal(error.status, 404);
    assert.equal(error.message, "Provider 'google' failed: HTTP 404");
  });

  test('an unknown model is not_found with the vendor message', async () => {
    const error = await chatError({ ...hello, model: 'gpt-4o' });
    assert.equal(error.code, 'not_found');
    assert.equal(error.upstreamCode, 'NOT_FOUND');
    assert.match(error.message, /models\/gpt-4o is not found for API version v1beta/);
  });

  test('an unreachable upstream is provider_unavailable', async () => {
    const closed = await startGoogleMock();
    await closed.close();
    const error = await chatError(hello, callOptions(), create(closed.baseUrl));
    assert.equal(error.code, 'provider_unavailable');
  });

  test('a bad config.timeouts row is config_row_invalid', () => {
    assert.throws(
      () =>
        GoogleProviderClass.create(
          { name: 'g', baseUrl: mock.baseUrl, authHeaderName: 'x-goog-api-key', authHeaderPrefix: '', config: { timeouts: { idle_ms: -1 } }, requestTemplate: null },
          deps,
        ),
      (error: unknown) => error instanceof Error && 'code' in error && error.code === 'config_row_invalid',
    );
  });

  test('class defaults', () => {
    assert.equal(GoogleProviderClass.className, 'GoogleProvider');
    assert.deepEqual(GoogleProviderClass.defaults, {
      baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
      requiredEnvVars: ['GEMINI_API_KEY'],
      authHeaderName: 'x-goog-api-key',
      authHeaderPrefix: '',
      features: { streaming: true, tools: true, vision: true, json_mode: true, embeddings: true },
      maxBatchSize: 100,
    });
  });
});

describe('GoogleProvider: a redirect is an error, not an answer', () => {
  // undici does not follow redirects: a 3xx is a front or proxy sending the call elsewhere, and
  // its body (here a well-formed generateContent answer) must not be read as the model's answer.
  const answer = {
    candidates: [{ content: { role: 'model', parts: [{ text: 'from the redirect' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
  };
  const isRedirectError = (error: unknown): boolean =>
    error instanceof ProviderError && error.code === 'provider_error' && error.status === 502 && error.upstreamStatus === 302;

  test('chat, stream and embed answer a 302 as a 502 provider_error', async () => {
    const redirect = { status: 302, body: answer, headers: { location: 'https://elsewhere.example/' } };
    mock.failNext(redirect);
    await assert.rejects(provider.chat(hello, callOptions()), isRedirectError);
    mock.failNext(redirect);
    await assert.rejects(provider.stream(hello, callOptions())[Symbol.asyncIterator]().next(), isRedirectError);
    const embed = provider.embed?.bind(provider);
    assert.ok(embed);
    mock.failNext({ ...redirect, body: { embeddings: [{ values: [0.1, 0.2] }] } });
    await assert.rejects(embed({ model: 'gemini-embedding-001', input: ['hi'] }, callOptions()), isRedirectError);
  });
});
