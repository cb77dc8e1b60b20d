import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { ProviderError, SwitchboardError } from '../../errors.js';
import { sendJson, startMockServer } from '../../../test/helpers/mock-server.js';
import { startOpenAIMock, type OpenAIMock } from '../../../test/mock-vendors/openai.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, Credential, Provider } from '../spec/index.js';
import { OpenAIProviderClass } from './index.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

const deps: ProviderDeps = { dispatcher: new Agent(), now: () => 1_767_225_600_000, randomId: () => 'rnd1' };
let mock: OpenAIMock;
let provider: Provider;

function createProvider(config: Record<string, unknown> = {}, baseUrl = mock.baseUrl): Provider {
  return OpenAIProviderClass.create(
    { name: 'openai', baseUrl, authHeaderName: 'Authorization', authHeaderPrefix: 'Bearer', config, requestTemplate: null },
    deps,
  );
}

function call(credential: Credential = { apiKey: 'test-key' }, extra: Partial<CallOptions> = {}): CallOptions {
  return { signal: new AbortController().signal, credential, ...extra };
}

const user = (text: string): ChatRequest['messages'][number] => ({ role: 'user', content: [{ type: 'text', text }] });
const lastBody = () => mock.requests.at(-1)?.body as Record<string, unknown>;

before(async () => {
  mock = await startOpenAIMock({ apiKeys: ['test-key'] });
  provider = createProvider();
});
afterEach(() => void mock.requests.splice(0));
after(async () => {
  await mock.close();
  await deps.dispatcher.close();
});

describe('OpenAIProvider chat', () => {
  test('plain text: sends the OpenAI body with Bearer auth and returns text and usage', async () => {
    const response = await provider.chat({ model: 'gpt-4o-mini', messages: [user('hello world')] }, call());
    const [recorded] = mock.requests;
    assert.equal(recorded?.method, 'POST');
    assert.equal(recorded?.url, '/v1/chat/completions');
    assert.equal(recorded?.headers.authorization, 'Bearer test-key');
    assert.deepEqual(recorded?.body, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello world' }] });
    assert.deepEqual(withoutLedgerUsage(response), {
      id: 'chatcmpl-mock1',
      model: 'gpt-4o-mini',
      created: 1_767_225_600,
      choices: [{ index: 0, content: 'Echo: hello world', toolCalls: [], finishReason: 'stop' }],
      usage: { inputTokens: 2, outputTokens: 3, totalTokens: 5 },
      systemFingerprint: 'fp_mock',
      native: { service_tier: 'default' },
    });
  });

  test('system prompt and multi-turn history; cached tokens are reported', async () => {
    const response = await provider.chat(
      {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You may cache this prompt' },
          user('first question'),
          { role: 'assistant', content: 'first answer' },
          user('second question'),
        ],
      },
      call(),
    );
    assert.deepEqual(lastBody()['messages'], [
      { role: 'system', content: 'You may cache this prompt' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' },
    ]);
    assert.equal(response.choices[0]?.content, 'Echo: second question');
    assert.equal(response.usage.cachedInputTokens, 3);
    assert.equal(response.usage.inputTokens, 11);
  });

  test('tool call and tool result round trip', async () => {
    const tools = [{ name: 'lookup', description: 'Search', parameters: { type: 'object', properties: { query: { type: 'string' } } } }];
    const first = await provider.chat(
      { model: 'gpt-4o-mini', messages: [user('weather in Paris')], tools, toolChoice: { name: 'lookup' }, parallelToolCalls: false },
      call(),
    );
    assert.deepEqual(lastBody()['tools'], [{ type: 'function', function: tools[0] }]);
    assert.deepEqual(lastBody()['tool_choice'], { type: 'function', function: { name: 'lookup' } });
    assert.equal(lastBody()['parallel_tool_calls'], false);
    const choice = first.choices[0];
    // OpenAI ends a call forced by name with `stop`; the normalized answer keeps the vendor's word.
    assert.equal(choice?.finishReason, 'stop');
    assert.equal(choice?.content, null);
    const callId = choice?.toolCalls[0]?.id ?? '';
    assert.match(callId, /^call_mock\d+$/);
    assert.deepEqual(choice?.toolCalls, [{ id: callId, name: 'lookup', arguments: '{"query":"weather in Paris"}' }]);

    const second = await provider.chat(
      {
        model: 'gpt-4o-mini',
        messages: [
          user('weather in Paris'),
          { role: 'assistant', content: null, toolCalls: choice?.toolCalls ?? [] },
          { role: 'tool', toolCallId: callId, content: 'sunny and warm' },
        ],
        tools,
      },
      call(),
    );
    assert.deepEqual((lastBody()['messages'] as unknown[]).slice(1), [
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: callId, type: 'function', function: { name: 'lookup', arguments: '{"query":"weather in Paris"}' } }],
      },
      { role: 'tool', tool_call_id: callId, content: 'sunny and warm' },
    ]);
    assert.equal(second.choices[0]?.content, 'Echo: sunny and warm');
    assert.equal(second.choices[0]?.finishReason, 'stop');
  });

  test('image input is sent as image_url parts', async () => {
    const image = 'data:image/png;base64,iVBORw0KGgo=';
    const response = await provider.chat(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image', url: image, detail: 'low' }] }],
      },
      call(),
    );
    assert.deepEqual(lastBody()['messages'], [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this' },
          { type: 'image_url', image_url: { url: image, detail: 'low' } },
        ],
      },
    ]);
    assert.equal(response.choices[0]?.content, 'Echo: what is this [image:image/png]');
  });

  test('stop sequences and the output limit (max_completion_tokens by default)', async () => {
    const stopped = await provider.chat({ model: 'gpt-4o-mini', messages: [user('hello big world')], stop: ['world'] }, call());
    assert.deepEqual(lastBody()['stop'], ['world']);
    assert.equal(stopped.choices[0]?.content, 'Echo: hello big ');
    assert.equal(stopped.choices[0]?.finishReason, 'stop');

    const cut = await provider.chat({ model: 'gpt-4o-mini', messages: [user('one two three')], maxTokens: 2 }, call());
    assert.equal(lastBody()['max_completion_tokens'], 2);
    assert.equal(lastBody()['max_tokens'], undefined);
    assert.equal(cut.choices[0]?.content, 'Echo: one');
    assert.equal(cut.choices[0]?.finishReason, 'length');
  });

  test('config max_tokens_field "max_tokens" sends the old field name', async () => {
    await createProvider({ max_tokens_field: 'max_tokens' }).chat({ model: 'm', messages: [user('a b c')], maxTokens: 9 }, call());
    assert.equal(lastBody()['max_tokens'], 9);
    assert.equal(lastBody()['max_completion_tokens'], undefined);
  });

  test('sampling, format and identity fields reach the wire; n gives n choices', async () => {
    const response = await provider.chat(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'developer', content: 'Answer in json' }, user('hi')],
        temperature: 0.5,
        topP: 0.9,
        seed: 42,
        user: 'end-user-1',
        n: 2,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
      },
      call(),
    );
    const body = lastBody();
    assert.deepEqual(
      { ...body, messages: undefined },
      {
        model: 'gpt-4o-mini',
        messages: undefined,
        temperature: 0.5,
        top_p: 0.9,
        seed: 42,
        user: 'end-user-1',
        n: 2,
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      },
    );
    assert.deepEqual((body['messages'] as unknown[])[0], { role: 'developer', content: 'Answer in json' });
    assert.deepEqual(
      response.choices.map((choice) => choice.index),
      [0, 1],
    );
  });

  test('organization, credential headers, forwarded headers and a per-credential base URL', async () => {
    const unreachable = createProvider({}, 'http://127.0.0.1:9/v1');
    await unreachable.chat(
      { model: 'gpt-4o-mini', messages: [user('hi')] },
      call(
        { apiKey: 'test-key', organization: 'org-42', baseUrl: mock.baseUrl, headers: { 'OpenAI-Project': 'proj_1' } },
        { headers: { 'x-request-id': 'req-7' } },
      ),
    );
    const headers = mock.requests[0]?.headers;
    assert.equal(headers?.['openai-organization'], 'org-42');
    assert.equal(headers?.['openai-project'], 'proj_1');
    assert.equal(headers?.['x-request-id'], 'req-7');
    assert.equal(headers?.authorization, 'Bearer test-key');
  });

  test('a call without a key fails before reaching the vendor', async () => {
    await assert.rejects(provider.chat({ model: 'm', messages: [user('hi')] }, call({})), (error: unknown) => {
      assert.ok(error instanceof SwitchboardError);
      assert.equal(error.code, 'credential_missing');
      return true;
    });
    assert.equal(mock.requests.length, 0);
  });
});

describe('OpenAIProvider errors', () => {
  const request: ChatRequest = { model: 'gpt-4o-mini', messages: [user('hi')] };

  test('401 with the key echoed: authentication_failed, and no part of the key in the message', async () => {
    const key = 'sk-wrong-secret-key-123';
    await assert.rejects(provider.chat(request, call({ apiKey: key })), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'authentication_failed');
      assert.equal(error.status, 401);
      assert.equal(error.upstreamCode, 'invalid_api_key');
      assert.equal(error.provider, 'openai');
      assert.ok(!error.message.includes(key) && !error.message.includes('sk-wr'), error.message);
      return true;
    });
  });

  test('429 with retry-after: rate_limited, retryAfter set, retryable', async () => {
    mock.failNext({ status: 429, headers: { 'retry-after': '7' } });
    await assert.rejects(provider.chat(request, call()), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.retryAfter, 7);
      assert.equal(error.upstreamCode, 'rate_limit_exceeded');
      assert.equal(error.isRetryable, true);
      return true;
    });
    mock.failNext({ status: 429, headers: { 'retry-after-ms': '1500' } });
    await assert.rejects(provider.chat(request, call()), { retryAfter: 1.5 });
  });

  test('500: provider_error, retryable, vendor message kept', async () => {
    mock.failNext({ status: 500 });
    await assert.rejects(provider.chat(request, call()), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'provider_error');
      assert.equal(error.status, 500);
      assert.equal(error.upstreamCode, 'server_error');
      assert.equal(error.isRetryable, true);
      assert.match(error.message, /Provider 'openai' failed: HTTP 500: The server had an error/);
      return true;
    });
  });

  test('context_length_exceeded is classified from error.code, with error.param', async () => {
    mock.failNext({
      status: 400,
      body: {
        error: {
          message: "This model's maximum context length is 128000 tokens.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      },
    });
    await assert.rejects(provider.chat(request, call()), { code: 'context_length_exceeded', param: 'messages', status: 400 });
  });

  test('a request the vendor rejects keeps its status, code and param', async () => {
    await assert.rejects(provider.chat({ model: 'gpt-4o-mini', messages: [] }, call()), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.status, 400);
      assert.equal(error.param, 'messages');
      assert.equal(error.upstreamCode, 'empty_array');
      return true;
    });
  });

  test('a success body that is not JSON, or not a completion, is a 502', async () => {
    mock.failNext({ status: 200, body: '<html>gateway hiccup</html>' });
    await assert.rejects(provider.chat(request, call()), { name: 'ProviderError', code: 'provider_error', status: 502 });
    mock.failNext({ status: 200, body: { hello: 'world' } });
    await assert.rejects(provider.chat(request, call()), { name: 'ProviderError', status: 502, message: /malformed chat completion/ });
  });

  // vLLM, LiteLLM proxies and OpenRouter may answer HTTP 200 with an error body: it was a 502 that
  // said only "malformed chat completion", hiding the vendor's reason.
  test('an {"error": …} body with HTTP 200 is the provider\'s retryable 502, naming the vendor message, type and code', async () => {
    mock.failNext({ status: 200, body: { error: { message: 'The model `llama-3` does not exist.', type: 'NotFoundError', param: null, code: 'model_not_found' } } });
    await assert.rejects(provider.chat(request, call()), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.deepEqual([error.code, error.status, error.isRetryable, error.upstreamStatus], ['provider_error', 502, true, undefined]);
      assert.equal(error.message, "Provider 'openai' answered HTTP 200 with an error: The model `llama-3` does not exist. (type NotFoundError, code model_not_found)");
      return true;
    });
    mock.failNext({ status: 200, body: { error: 'Upstream model crashed' } });
    await assert.rejects(provider.chat(request, call()), { status: 502, message: "Provider 'openai' answered HTTP 200 with an error: Upstream model crashed" });
    mock.failNext({ status: 200, body: { error: { code: 'overloaded' } } });
    await assert.rejects(provider.chat(request, call()), { status: 502, message: "Provider 'openai' answered HTTP 200 with an error and no message (code overloaded)" });
  });

  // OpenRouter puts the HTTP status in `code` (vLLM too: `code: 404`); until 2026-12-08 such a body
  // was a 502 whatever its code, so a route took OpenRouter's rate limit for a broken answer.
  test('a 200 error body whose code is an HTTP error status is that status, classified as it; a string code classifies nothing', async () => {
    const cases: [unknown, string, number, number | undefined, string | undefined][] = [
      [404, 'not_found', 404, 404, '404'],
      [429, 'rate_limited', 429, 429, '429'],
      ['401', 'authentication_failed', 401, 401, '401'],
      [503, 'provider_unavailable', 503, 503, '503'],
      [529, 'provider_unavailable', 503, 529, '529'],
      [200, 'provider_error', 502, undefined, undefined],
      ['content_filter', 'provider_error', 502, undefined, undefined],
    ];
    for (const [code, ours, status, upstreamStatus, upstreamCode] of cases) {
      mock.failNext({ status: 200, body: { error: { message: 'Provider returned error', code, type: 'content_filter' } } });
      await assert.rejects(provider.chat(request, call()), (error: unknown) => {
        assert.ok(error instanceof ProviderError);
        assert.deepEqual([error.code, error.status, error.upstreamStatus, error.upstreamCode], [ours, status, upstreamStatus, upstreamCode], `code ${String(code)}`);
        assert.match(error.message, /^Provider 'openai' answered HTTP 200 with an error/);
        return true;
      });
    }
  });

  test('a 200 error body about the credentials or the account\'s limits: its message is withheld, as for those statuses', async () => {
    // OpenRouter's words for the account every tenant shares (its limits, its use), as a 429 would say them.
    mock.failNext({ status: 200, body: { error: { message: 'Rate limit exceeded: free-models-per-day. Limit 50, used 50.', code: 429 } } });
    await assert.rejects(provider.chat(request, call()), {
      status: 429,
      code: 'rate_limited',
      message: "Provider 'openai' answered HTTP 200 with an error about the credentials or the account's limits (code 429), its message withheld",
    });
    mock.failNext({ status: 200, body: { error: { message: 'Incorrect API key provided: sk-ab***yz', type: 'invalid_request_error', code: 'invalid_api_key' } } });
    await assert.rejects(provider.chat(request, call()), { status: 502, message: /about the credentials or the account's limits \(type invalid_request_error, code invalid_api_key\), its message withheld$/ });
  });

  test('the message of a 200 error body: bounded, without control characters, with nothing of the headers the gateway sent', async () => {
    // A proxy that echoes the request's headers in its error (with terminal escapes, and long).
    const echo = await startMockServer((request, response) => {
      const echoed = ['authorization', 'x-gateway-key', 'x-team', 'traceparent'].map((name) => `${name}=${String(request.headers[name])}`);
      sendJson(response, 200, { error: { message: `bad request\u0000\u001b[31m\r\n${echoed.join(' ')} ${'x'.repeat(2000)}`, type: 'invalid_request_error' } });
    });
    const sent = {
      key: 'vllm-0123456789abcdef',
      credentialHeader: 'gw-credential-token-42',
      rowHeader: 'tm-42x',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    const echoing = createProvider({ headers: { 'x-team': sent.rowHeader } }, `${echo.origin}/v1`);
    const options = call({ apiKey: sent.key, headers: { 'x-gateway-key': sent.credentialHeader } }, { headers: { traceparent: sent.traceparent } });
    try {
      for (const answer of [echoing.chat(request, options), echoing.embed!({ model: 'e', input: ['a'] }, options)]) {
        await assert.rejects(answer, (error: unknown) => {
          assert.ok(error instanceof ProviderError);
          assert.equal(error.status, 502);
          const prefix = "Provider 'openai' answered HTTP 200 with an error: bad request ";
          assert.ok(error.message.startsWith(prefix), error.message);
          assert.ok(error.message.length <= prefix.length + 230, `${error.message.length} characters`);
          // eslint-disable-next-line no-control-regex -- matching them is the point
          assert.doesNotMatch(error.message, /[\u0000-\u001f\u007f-\u009f]/);
          for (const [what, value] of Object.entries(sent)) assert.ok(!error.message.includes(value.slice(0, 6)), `${what} echoed: ${error.message}`);
          return true;
        });
      }
      assert.equal(echo.requests.length, 2);
    } finally {
      await echo.close();
    }
  });

  // A row's short header values (a flag, a vendor name: Portkey's `x-portkey-provider: openai`)
  // were cut out of every word and host name holding them ("untrue" read "un[redacted]").
  test('the message of a 200 error body: a short header value is redacted where it stands alone, not inside the words around it', async () => {
    const echo = await startMockServer((request, response) => {
      const echoed = `x-cache=${String(request.headers['x-cache'])}, x-portkey-provider: "${String(request.headers['x-portkey-provider'])}"`;
      sendJson(response, 200, { error: { message: `untrue: no model gpt-9 at https://api.openai.com/v1 (openaiapi; openai/gpt-4o; ${echoed}). Set x-cache to true.`, type: 'openai' } });
    });
    const echoing = createProvider({ headers: { 'x-cache': 'true', 'x-portkey-provider': 'openai' } }, `${echo.origin}/v1`);
    try {
      await assert.rejects(echoing.chat(request, call()), {
        status: 502,
        message:
          "Provider 'openai' answered HTTP 200 with an error: untrue: no model gpt-9 at https://api.openai.com/v1 (openaiapi; openai/gpt-4o; x-cache=[redacted], x-portkey-provider: \"[redacted]\"). Set x-cache to [redacted].",
      });
    } finally {
      await echo.close();
    }
  });

  test('the message of a 200 error body: line separators and the Arabic letter mark are removed too', async () => {
    mock.failNext({ status: 200, body: { error: { message: 'first\u2028second\u2029third\u061cfourth' } } });
    await assert.rejects(provider.chat(request, call()), { status: 502, message: "Provider 'openai' answered HTTP 200 with an error: first second third fourth" });
  });

  test('an unreachable server is provider_unavailable', async () => {
    await assert.rejects(createProvider({}, 'http://127.0.0.1:9/v1').chat(request, call()), { code: 'provider_unavailable' });
  });

  test('invalid row config is rejected at create()', () => {
    assert.throws(() => createProvider({ max_tokens_field: 'tokens' }), {
      code: 'config_row_invalid',
      param: 'config.max_tokens_field',
    });
    assert.throws(() => createProvider({ timeouts: { idle_ms: -5 } }), { code: 'config_row_invalid', param: 'config.timeouts.idle_ms' });
  });
});

describe('OpenAIProvider embeddings', () => {
  test('asks for floats and returns vectors in input order with usage', async () => {
    const response = await provider.embed!({ model: 'text-embedding-3-small', input: ['ab', 'c d'], dimensions: 3 }, call());
    assert.equal(mock.requests[0]?.url, '/v1/embeddings');
    assert.deepEqual(mock.requests[0]?.body, {
      model: 'text-embedding-3-small',
      input: ['ab', 'c d'],
      encoding_format: 'float',
      dimensions: 3,
    });
    // 'ab' = 97 + 98 = 195; 'c d' = 99 + 32 + 100 = 231
    assert.deepEqual(withoutLedgerUsage(response), {
      model: 'text-embedding-3-small',
      embeddings: [
        [0.95, 0.96, 0.97],
        [0.31, 0.32, 0.33],
      ],
      usage: { inputTokens: 3 },
    });
  });

  test('an {"error": …} body with HTTP 200 is the provider\'s 502, naming the vendor message', async () => {
    mock.failNext({ status: 200, body: { error: { message: 'model not loaded', type: 'server_error' } } });
    await assert.rejects(provider.embed!({ model: 'e', input: ['x'] }, call()), {
      status: 502,
      code: 'provider_error',
      message: "Provider 'openai' answered HTTP 200 with an error: model not loaded (type server_error)",
    });
  });

  test('a malformed embeddings body is a 502', async () => {
    mock.failNext({ status: 200, body: { data: 'nope' } });
    await assert.rejects(provider.embed!({ model: 'e', input: ['x'] }, call()), { status: 502, message: /malformed embeddings/ });
  });

  // Found by an attack review: the vectors were renumbered 0..n-1 as they came, so a vendor's
  // answer missing an input, or naming one twice, gave the client vectors of other texts under
  // its inputs' indexes, with a 200.
  const item = (index: number | undefined) => ({ object: 'embedding', ...(index === undefined ? {} : { index }), embedding: [index ?? 0] });
  for (const [label, indexes] of [
    ['one vector short', [0, 2]],
    ['one index twice', [0, 0, 1]],
    ['an index past the inputs', [0, 1, 3]],
    ['an extra vector without indexes', [undefined, undefined, undefined, undefined]],
  ] as const) {
    test(`an answer whose vectors do not match the inputs one to one is a 502: ${label}`, async () => {
      mock.failNext({ status: 200, body: { object: 'list', model: 'e', data: indexes.map(item), usage: { prompt_tokens: 3, total_tokens: 3 } } });
      await assert.rejects(provider.embed!({ model: 'e', input: ['a', 'b', 'c'] }, call()), { status: 502, message: /malformed embeddings/ });
    });
  }

  test('vectors answered out of order are put in input order', async () => {
    mock.failNext({ status: 200, body: { object: 'list', model: 'e', data: [2, 0, 1].map(item), usage: { prompt_tokens: 3, total_tokens: 3 } } });
    const response = await provider.embed!({ model: 'e', input: ['a', 'b', 'c'] }, call());
    assert.deepEqual(response.embeddings, [[0], [1], [2]]);
  });
});
