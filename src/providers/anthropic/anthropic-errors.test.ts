import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { request as undiciRequest } from 'undici';
import { ProviderError, SwitchboardError } from '../../errors.js';
import { startAnthropicMock, type AnthropicMock } from '../../../test/mock-vendors/anthropic.js';
import { defaultProviderDeps, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest } from '../spec/index.js';
import { AnthropicProviderClass } from './anthropic-provider.js';
import { isPromptTooLong } from './map-anthropic-error.js';

const secretKey = 'sk-ant-api03-very-secret-key-000111';

let mock: AnthropicMock;
let deps: ProviderDeps;

beforeEach(async () => {
  mock = await startAnthropicMock({ apiKeys: ['test-key', secretKey] });
  deps = defaultProviderDeps();
});
afterEach(async () => {
  await mock.close();
  await deps.dispatcher.close();
});

function createProvider() {
  return AnthropicProviderClass.create(
    { name: 'anthropic', baseUrl: mock.baseUrl, authHeaderName: 'x-api-key', authHeaderPrefix: '', config: {}, requestTemplate: null },
    deps,
  );
}

function callOptions(apiKey = 'test-key'): CallOptions {
  return { signal: new AbortController().signal, credential: { apiKey } };
}

const hello: ChatRequest = { model: 'claude-test-1', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] };

async function chatError(request: ChatRequest = hello, options: CallOptions = callOptions()): Promise<ProviderError> {
  try {
    await createProvider().chat(request, options);
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  return assert.fail('the call succeeded');
}

describe('AnthropicProvider errors', () => {
  test('401: authentication_failed, and the key appears nowhere in the error', async () => {
    const wrongKey = 'sk-ant-api03-wrong-key-999888777';
    const error = await chatError(hello, callOptions(wrongKey));
    assert.equal(mock.requests[0]?.headers['x-api-key'], wrongKey);
    assert.equal(error.code, 'authentication_failed');
    assert.equal(error.status, 401);
    assert.equal(error.upstreamCode, 'authentication_error');
    assert.equal(error.isRetryable, false);
    assert.equal(error.provider, 'anthropic');
    assert.ok(!JSON.stringify({ message: error.message, stack: error.stack }).includes(wrongKey));
  });

  test("a vendor message echoing a value of the credential's own headers (a proxy's key) is redacted", async () => {
    const proxyKey = 'proxy-secret-0a1b2c3d4e5f';
    mock.failNext({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: `proxy key ${proxyKey} is not allowed here` } },
    });
    const options = { ...callOptions(secretKey), credential: { apiKey: secretKey, headers: { 'x-proxy-key': proxyKey } } };
    const error = await chatError(hello, options);
    assert.equal(mock.requests[0]?.headers['x-proxy-key'], proxyKey);
    assert.ok(!error.message.includes(proxyKey.slice(6, 20)), error.message);
    assert.match(error.message, /proxy key \[redacted\] is not allowed here/);
  });

  test('a vendor message echoing the key is redacted', async () => {
    mock.failNext({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: `key ${secretKey} cannot use this model` } },
    });
    const error = await chatError(hello, callOptions(secretKey));
    assert.equal(error.code, 'invalid_request');
    assert.ok(!error.message.includes(secretKey));
    assert.match(error.message, /\[redacted\] cannot use this model/);
  });

  test('429: rate_limited with retry-after seconds', async () => {
    mock.failNext({ status: 429 });
    const error = await chatError();
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 7);
    assert.equal(error.upstreamCode, 'rate_limit_error');
    assert.equal(error.isRetryable, true);
  });

  test('500: provider_error, retryable, keeps the status', async () => {
    mock.failNext({ status: 500 });
    const error = await chatError();
    assert.equal(error.code, 'provider_error');
    assert.equal(error.status, 500);
    assert.equal(error.upstreamCode, 'api_error');
    assert.equal(error.isRetryable, true);
  });

  test('529 overloaded: provider_unavailable answered as 503', async () => {
    mock.failNext({ status: 529 });
    const error = await chatError();
    assert.equal(error.code, 'provider_unavailable');
    assert.equal(error.status, 503);
    assert.equal(error.upstreamStatus, 529);
    assert.equal(error.upstreamCode, 'overloaded_error');
  });

  test('a non-JSON error page still maps by status', async () => {
    mock.failNext({ status: 502, body: '<html><body>Bad gateway</body></html>' });
    const error = await chatError();
    assert.equal(error.code, 'provider_error');
    assert.equal(error.status, 502);
    assert.equal(error.upstreamCode, undefined);
  });

  test('prompt too long: context_length_exceeded', async () => {
    mock.failNext({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 208310 tokens > 200000 maximum' } },
    });
    const error = await chatError();
    assert.equal(error.code, 'context_length_exceeded');
    assert.equal(error.status, 400);
    assert.equal(error.isRetryable, false);
  });

  test('isPromptTooLong reads the message only for a 400 invalid_request_error', () => {
    assert.equal(isPromptTooLong(400, 'invalid_request_error', 'prompt is too long: 5 tokens > 4 maximum'), true);
    assert.equal(isPromptTooLong(400, 'invalid_request_error', 'input length and `max_tokens` exceed context limit: 1 + 2 > 2'), true);
    assert.equal(isPromptTooLong(400, 'invalid_request_error', 'max_tokens: Field required'), false);
    assert.equal(isPromptTooLong(429, 'rate_limit_error', 'prompt is too long'), false);
  });

  test('a malformed (non-JSON) success body is a 502', async () => {
    mock.replayNext({ text: '{"id":"msg_1", "content": [' });
    const error = await chatError();
    assert.equal(error.code, 'provider_error');
    assert.equal(error.status, 502);
    assert.equal(error.upstreamStatus, 200);
  });

  test('JSON that is not a Message is a 502', async () => {
    mock.replayNext({ json: { hello: 'world' } });
    const error = await chatError();
    assert.equal(error.code, 'provider_error');
    assert.equal(error.status, 502);
  });

  test("the mock's request checks come back as invalid_request with Anthropic's message", async () => {
    const error = await chatError({ ...hello, tools: [{ name: 'bad name!', parameters: { type: 'object' } }] });
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.upstreamCode, 'invalid_request_error');
    assert.match(error.message, /tools\.0\.custom\.name: String should match pattern/);

    const first = await chatError({ ...hello, messages: [{ role: 'assistant', content: 'hi' }, ...hello.messages] });
    assert.match(first.message, /first message must use the "user" role/);

    const unanswered = await chatError({
      ...hello,
      messages: [...hello.messages, { role: 'assistant', content: null, toolCalls: [{ id: 'toolu_1', name: 'x', arguments: '{}' }] }, ...hello.messages],
    });
    assert.match(unanswered.message, /`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/);

    const orphan = await chatError({ ...hello, messages: [...hello.messages, { role: 'tool', toolCallId: 'toolu_404', content: 'x' }] });
    assert.match(orphan.message, /unexpected `tool_use_id` found in `tool_result` blocks: toolu_404/);
  });

  test('the mock answers like the API: sampling keys under 2026-10-21, missing version, extra keys, routes', async () => {
    const post = async (headers: Record<string, string>, body: unknown) => {
      const response = await undiciRequest(`${mock.baseUrl}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'test-key', ...headers },
        body: JSON.stringify(body),
        dispatcher: deps.dispatcher,
      });
      return { status: response.statusCode, body: (await response.body.json()) as { error: { type: string; message: string } } };
    };
    const valid = { model: 'claude-test-1', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const sampled = await post({ 'anthropic-version': '2026-10-21' }, { ...valid, temperature: 1 });
    assert.deepEqual([sampled.status, sampled.body.error.message], [400, 'temperature: Extra inputs are not permitted']);
    const noVersion = await post({}, valid);
    assert.deepEqual([noVersion.status, noVersion.body.error.message], [400, 'anthropic-version: header is required']);
    const extra = await post({ 'anthropic-version': '2023-06-01' }, { ...valid, n: 2 });
    assert.deepEqual([extra.status, extra.body.error.message], [400, 'n: Extra inputs are not permitted']);
    const system = await post({ 'anthropic-version': '2023-06-01' }, { ...valid, messages: [{ role: 'system', content: 'x' }] });
    assert.equal(system.status, 400);
    assert.match(system.body.error.message, /Unexpected role "system"/);

    const unknownPath = await undiciRequest(`${mock.baseUrl}/chat/completions`, { method: 'POST', dispatcher: deps.dispatcher });
    assert.equal(unknownPath.statusCode, 404);
    assert.deepEqual(((await unknownPath.body.json()) as { error: unknown }).error, { type: 'not_found_error', message: 'Not Found' });
    const models = await undiciRequest(`${mock.baseUrl}/models`, {
      headers: { 'x-api-key': 'test-key', 'anthropic-version': '2023-06-01' },
      dispatcher: deps.dispatcher,
    });
    assert.equal(models.statusCode, 200);
    assert.equal(((await models.body.json()) as { data: { id: string }[] }).data[0]?.id, 'claude-test-1');
  });

  test('unsupported features fail before any call, in chat and in stream', async () => {
    const provider = createProvider();
    const cases: [Partial<ChatRequest>, string][] = [
      [{ n: 2 }, 'n'],
      [{ responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' } } }, 'response_format'],
      [{ responseFormat: { type: 'json_object' } }, 'response_format'],
    ];
    for (const [extra, param] of cases) {
      const matches = (error: unknown) =>
        SwitchboardError.isInstance(error) && error.code === 'unsupported_feature' && error.param === param && error.status === 400;
      await assert.rejects(provider.chat({ ...hello, ...extra }, callOptions()), matches);
      await assert.rejects(provider.stream({ ...hello, ...extra }, callOptions())[Symbol.asyncIterator]().next(), matches);
    }
    assert.equal(mock.requests.length, 0);
    const plain = await provider.chat({ ...hello, n: 1, responseFormat: { type: 'text' } }, callOptions());
    assert.equal(plain.choices.length, 1);
  });

  test('no API key: credential_missing before any call', async () => {
    await assert.rejects(
      createProvider().chat(hello, { ...callOptions(), credential: {} }),
      (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'credential_missing',
    );
    assert.equal(mock.requests.length, 0);
  });
});

describe('AnthropicProvider: a redirect is an error, not an answer', () => {
  // undici does not follow redirects: a 3xx is a front or proxy sending the call elsewhere, and
  // its body (here a well-formed Messages answer) must not be read as the model's answer.
  const message = {
    id: 'msg_redirected',
    type: 'message',
    role: 'assistant',
    model: 'claude-test-1',
    content: [{ type: 'text', text: 'from the redirect' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1 },
  };
  const isRedirectError = (error: unknown): boolean =>
    error instanceof ProviderError && error.code === 'provider_error' && error.status === 502 && error.upstreamStatus === 302;

  test('chat, stream and the native Messages call answer a 302 as a 502 provider_error', async () => {
    const provider = createProvider();
    const native = provider.native?.bind(provider);
    assert.ok(native);
    const redirect = { status: 302, body: message, headers: { location: 'https://elsewhere.example/v1/messages' } };
    mock.failNext(redirect);
    await assert.rejects(provider.chat(hello, callOptions()), isRedirectError);
    mock.failNext(redirect);
    await assert.rejects(provider.stream(hello, callOptions())[Symbol.asyncIterator]().next(), isRedirectError);
    mock.failNext(redirect);
    const messages = { model: 'claude-test-1', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    await assert.rejects(native('anthropic-messages', messages, { ...callOptions(), stream: false }), isRedirectError);
    mock.failNext(redirect);
    await assert.rejects(native('anthropic-messages', messages, { ...callOptions(), stream: true }), isRedirectError);
    mock.failNext({ status: 307, body: { input_tokens: 3 } });
    await assert.rejects(
      native('anthropic-count-tokens', messages, { ...callOptions(), stream: false }),
      (error: unknown) => error instanceof ProviderError && error.status === 502 && error.upstreamStatus === 307,
    );
  });
});

describe('AnthropicProvider: an error body answered with HTTP 200 (Anthropic-compatible proxies)', () => {
  const messages = { model: 'claude-test-1', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
  const body = (type: string, message: string) => ({ type: 'error', error: { type, message } });

  // Until 2026-12-08 the native call passed it on as a 200 answer (and the ledger a success), and the
  // translated one said only "a response that is not an Anthropic Message".
  test('native and translated calls: the error its type names, as with its status, redacted', async () => {
    const provider = createProvider();
    const native = provider.native?.bind(provider);
    assert.ok(native);
    const cases: [string, string, number, number][] = [
      ['overloaded_error', 'provider_unavailable', 503, 529],
      ['rate_limit_error', 'rate_limited', 429, 429],
      ['api_error', 'provider_error', 500, 500],
      ['authentication_error', 'authentication_failed', 401, 401],
    ];
    for (const [type, code, status, upstreamStatus] of cases) {
      for (const call of [() => native('anthropic-messages', messages, { ...callOptions(secretKey), stream: false }), () => provider.chat(hello, callOptions(secretKey))]) {
        mock.failNext({ status: 200, body: body(type, `Overloaded, key ${secretKey} \u001b[2J`) });
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof ProviderError, String(error));
          assert.deepEqual([error.code, error.status, error.upstreamStatus, error.upstreamCode], [code, status, upstreamStatus, type]);
          assert.ok(!error.message.includes(secretKey.slice(8)), error.message);
          // eslint-disable-next-line no-control-regex -- matching them is the point
          assert.doesNotMatch(error.message, /[\u0000-\u001f]/);
          return true;
        });
      }
    }
  });
});

describe('AnthropicProvider: the native stream\'s error event', () => {
  const event = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const start = event('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test-1', content: [], usage: { input_tokens: 3, output_tokens: 1 } } });
  const messages = { model: 'claude-test-1', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };

  async function lastEvent(error: unknown): Promise<{ event: string | undefined; data: unknown }> {
    mock.replayNext({ sse: start + event('error', { type: 'error', error }) });
    const provider = createProvider();
    assert.ok(provider.native);
    const answer = await provider.native('anthropic-messages', messages, { ...callOptions(secretKey), stream: true });
    assert.ok(answer.type === 'stream');
    let last: { event: string | undefined; data: string } | undefined;
    for await (const item of answer.events) last = item;
    return { event: last?.event, data: JSON.parse(last?.data ?? 'null') };
  }

  // Until 2026-12-08 an in-stream rate limit or billing error was passed on with Anthropic's words
  // about the account (its limits, its credit), which the same error as a status never shows.
  test('about the credentials or the account\'s limits: passed on with its type, its message withheld', async () => {
    for (const type of ['rate_limit_error', 'billing_error', 'authentication_error']) {
      assert.deepEqual(await lastEvent({ type, message: 'Number of request tokens has exceeded your per-minute rate limit for org Acme' }), {
        event: 'error',
        data: { type: 'error', error: { type, message: "Provider 'anthropic' sent an error about the credentials or the account's limits, its message withheld" } },
      });
    }
  });

  test('any other: passed on with the vendor\'s words, the key redacted', async () => {
    assert.deepEqual(await lastEvent({ type: 'overloaded_error', message: `Overloaded\u001b[2J for ${secretKey}` }), {
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded\u001b[2J for [redacted]' } },
    });
  });
});
