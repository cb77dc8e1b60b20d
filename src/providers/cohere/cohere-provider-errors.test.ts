import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startCohereMock, type CohereMock } from '../../../test/mock-vendors/cohere.js';
import { ProviderError, SwitchboardError } from '../../errors.js';
import type { ProviderSettings } from '../provider-class.js';
import { billedUsage } from '../shared/billed-provider-error.js';
import { defaultProviderDeps, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, Provider } from '../spec/index.js';
import { CohereProviderClass } from './index.js';

let mock: CohereMock;
let deps: ProviderDeps;
let provider: Provider;

const settingsFor = (baseUrl: string): ProviderSettings => ({
  name: 'cohere',
  baseUrl,
  authHeaderName: 'Authorization',
  authHeaderPrefix: 'Bearer',
  config: {},
  requestTemplate: null,
});
const options = (apiKey?: string): CallOptions => ({
  signal: new AbortController().signal,
  credential: apiKey === undefined ? {} : { apiKey },
});
const hello: ChatRequest = { model: 'command-a-03-2025', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] };

/** Runs the call and returns the ProviderError it must throw. */
async function providerError(call: Promise<unknown>): Promise<ProviderError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
}

before(async () => {
  mock = await startCohereMock({ apiKeys: ['test-key'] });
  deps = defaultProviderDeps();
  provider = CohereProviderClass.create(settingsFor(mock.baseUrl), deps);
});
after(async () => {
  await mock.close();
  await deps.dispatcher.close();
});
beforeEach(() => {
  mock.requests.length = 0;
});

describe('CohereProvider errors', () => {
  test('401 for a wrong key never leaks the key', async () => {
    const key = 'co-live-Zx81KqP0aa77TT19';
    const error = await providerError(provider.chat(hello, options(key)));
    assert.equal(mock.requests[0]?.headers.authorization, `Bearer ${key}`);
    assert.equal(error.code, 'authentication_failed');
    assert.equal(error.status, 401);
    assert.equal(error.upstreamStatus, 401);
    assert.equal(error.provider, 'cohere');
    assert.equal(error.message.includes(key), false);
    assert.equal(JSON.stringify(error).includes(key), false);
  });

  test('a missing key fails before any upstream call', async () => {
    await assert.rejects(provider.chat(hello, options()), (error: unknown) => {
      assert.ok(SwitchboardError.isInstance(error));
      assert.equal(error.code, 'credential_missing');
      return true;
    });
    assert.equal(mock.requests.length, 0);
  });

  test("429 keeps the vendor's code and retry-after header, not its text (the shared account's limits)", async () => {
    mock.failNext({ status: 429, headers: { 'retry-after': '7' } });
    const error = await providerError(provider.chat(hello, options('test-key')));
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 7);
    assert.equal(error.isRetryable, true);
    assert.equal(error.message, "Provider 'cohere' failed: HTTP 429: the vendor is rate limiting the gateway's account (its limits or quota); retry later");
  });

  test('500 and 503 are retryable provider failures', async () => {
    mock.failNext({ status: 500 });
    const internal = await providerError(provider.chat(hello, options('test-key')));
    assert.equal(internal.code, 'provider_error');
    assert.equal(internal.status, 500);
    assert.equal(internal.isRetryable, true);
    mock.failNext({ status: 503 });
    const unavailable = await providerError(provider.chat(hello, options('test-key')));
    assert.equal(unavailable.code, 'provider_unavailable');
    assert.equal(unavailable.status, 503);
  });

  test('a prompt over the context window is context_length_exceeded', async () => {
    mock.failNext({
      status: 400,
      body: { id: 'a1', message: 'too many tokens: total number of tokens in the prompt cannot exceed 128000 - received 131072.' },
    });
    const error = await providerError(provider.chat(hello, options('test-key')));
    assert.equal(error.code, 'context_length_exceeded');
    assert.equal(error.status, 400);
    assert.equal(error.upstreamCode, 'too_many_tokens');
    assert.equal(error.isRetryable, false);
  });

  test('a vendor message echoing the key is redacted', async () => {
    mock.failNext({ status: 400, body: { id: 'a2', message: 'invalid request: key test-key is not allowed here' } });
    const error = await providerError(provider.chat(hello, options('test-key')));
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.upstreamCode, 'invalid_request');
    assert.equal(error.message, "Provider 'cohere' failed: HTTP 400: invalid request: key [redacted] is not allowed here");
  });

  test('498 (blocked token) is a non-retryable 400; 499 (cancelled upstream) a retryable 502', async () => {
    mock.failNext({ status: 498, body: { id: 'a3', message: 'blocked input: please adjust your prompt and try again' } });
    const blocked = await providerError(provider.chat(hello, options('test-key')));
    assert.deepEqual([blocked.code, blocked.status, blocked.upstreamStatus, blocked.isRetryable], ['invalid_request', 400, 498, false]);
    mock.failNext({ status: 499 });
    const cancelled = await providerError(provider.chat(hello, options('test-key')));
    assert.deepEqual([cancelled.code, cancelled.status, cancelled.upstreamStatus, cancelled.isRetryable], ['provider_error', 502, 499, true]);
  });

  test('a success body that is not JSON is a 502', async () => {
    mock.failNext({ status: 200, body: '<html>upstream proxy page</html>' });
    const error = await providerError(provider.chat(hello, options('test-key')));
    assert.equal(error.code, 'provider_error');
    assert.equal(error.status, 502);
    assert.equal(error.upstreamStatus, 200);
  });

  test('a JSON success body of the wrong shape is a 502', async () => {
    mock.failNext({ status: 200, body: { text: 'v1-style answer' } });
    const error = await providerError(provider.chat(hello, options('test-key')));
    assert.equal(error.code, 'provider_error');
    assert.equal(error.status, 502);
  });

  test("Cohere's plain-text 404 for an unknown path is not_found", async () => {
    const wrongPath = CohereProviderClass.create(settingsFor(`${mock.origin}/v1beta`), deps);
    const error = await providerError(wrongPath.chat(hello, options('test-key')));
    assert.equal(mock.requests[0]?.url, '/v1beta/chat');
    assert.equal(error.code, 'not_found');
    assert.equal(error.status, 404);
    assert.equal(error.message, "Provider 'cohere' failed: HTTP 404");
  });

  test('an unreachable host is provider_unavailable', async () => {
    const closed = CohereProviderClass.create(settingsFor('http://127.0.0.1:9/v2'), deps);
    const error = await providerError(closed.chat(hello, options('test-key')));
    assert.equal(error.code, 'provider_unavailable');
    assert.equal(error.message.includes('test-key'), false);
  });
});

describe('CohereProvider.embed', () => {
  const expected = (text: string, dimensions: number): number[] => {
    const sum = [...text].reduce((total, char) => total + char.charCodeAt(0), 0);
    return Array.from({ length: dimensions }, (_, index) => ((sum + index) % 100) / 100);
  };

  test('sends texts with input_type and float type, returns vectors in order', async () => {
    const response = await provider.embed?.({ model: 'embed-v4.0', input: ['hello there', 'world'], dimensions: 4, user: 'u1' }, options('test-key'));
    assert.equal(mock.requests[0]?.url, '/v2/embed');
    assert.deepEqual(mock.requests[0]?.body, {
      model: 'embed-v4.0',
      texts: ['hello there', 'world'],
      input_type: 'search_document',
      embedding_types: ['float'],
      output_dimension: 4,
    });
    assert.deepEqual(response, {
      model: 'embed-v4.0',
      embeddings: [expected('hello there', 4), expected('world', 4)],
      usage: { inputTokens: 3 },
    });
  });

  test('inputType is passed through', async () => {
    await provider.embed?.({ model: 'embed-v4.0', input: ['query'], inputType: 'search_query' }, options('test-key'));
    assert.equal((mock.requests[0]?.body as Record<string, unknown>)['input_type'], 'search_query');
  });

  test('a call goes whole, in one /embed body (the service splits past 96: test/usage/ledger-embed-split)', async () => {
    const input = Array.from({ length: 96 }, (_, index) => `text ${index}`);
    const response = await provider.embed?.({ model: 'embed-v4.0', input }, options('test-key'));
    assert.deepEqual(mock.requests.map((request) => (request.body as { texts: string[] }).texts.length), [96]);
    assert.equal(response?.embeddings.length, 96);
    assert.deepEqual(response?.embeddings[95], expected('text 95', 8));
    assert.equal(response?.usage.inputTokens, 192);
  });

  test('an empty input is rejected locally; vendor errors are mapped', async () => {
    await assert.rejects(provider.embed?.({ model: 'embed-v4.0', input: [] }, options('test-key')) ?? Promise.resolve(), (error: unknown) => {
      assert.ok(SwitchboardError.isInstance(error));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'input');
      return true;
    });
    assert.equal(mock.requests.length, 0);
    const error = await providerError(provider.embed?.({ model: 'embed-v4.0', input: ['x'] }, options('nope-key')) ?? Promise.resolve());
    assert.equal(error.code, 'authentication_failed');
  });
});

describe('a generation Cohere gave up on (HTTP 200)', () => {
  for (const [reason, code, status] of [['ERROR', 'provider_error', 502], ['TIMEOUT', 'provider_timeout', 504]] as const) {
    test(`finish_reason ${reason} is a retryable ${code}, as in a stream, not an answer`, async () => {
      const usage = { billed_units: { input_tokens: 1, output_tokens: 2 }, tokens: { input_tokens: 1, output_tokens: 2 } };
      mock.failNext({ status: 200, body: { id: 'c1', message: { role: 'assistant', content: [{ type: 'text', text: 'half' }] }, finish_reason: reason, usage } });
      const error = await providerError(provider.chat(hello, options('test-key')));
      assert.deepEqual([error.code, error.status, error.isRetryable, error.upstreamCode], [code, status, true, reason]);
      // A whole JSON answer, not a stream: the message says what Cohere answered, and no vendor text.
      const outcome = reason === 'TIMEOUT' ? 'timed out' : 'failed';
      assert.equal(error.message, `Provider 'cohere' answered with finish_reason ${reason}: the generation ${outcome}`);
    });

    test(`finish_reason ${reason} carries the usage Cohere bills for it (billed_units), for the ledger`, async () => {
      const usage = { billed_units: { input_tokens: 12, output_tokens: 5 }, tokens: { input_tokens: 240, output_tokens: 5 } };
      mock.failNext({ status: 200, body: { id: 'c2', message: { role: 'assistant', content: [{ type: 'text', text: 'half an' }] }, finish_reason: reason, usage } });
      const billed = billedUsage(await providerError(provider.chat(hello, options('test-key'))));
      assert.deepEqual(billed?.buckets, { input: 12, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 5, reasoning: 0 });
      assert.deepEqual([billed?.inputTokens, billed?.outputTokens, billed?.raw], [240, 5, usage]);
      mock.failNext({ status: 200, body: { id: 'c3', message: { role: 'assistant' }, finish_reason: reason } });
      assert.equal(billedUsage(await providerError(provider.chat(hello, options('test-key')))), undefined, 'no usage, nothing billed to carry');
    });
  }
});
