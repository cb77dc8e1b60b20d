import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { ProviderError } from '../../errors.js';
import { sendSse, startMockServer, type MockServer } from '../../../test/helpers/mock-server.js';
import { startOpenAIMock, type OpenAIMock } from '../../../test/mock-vendors/openai.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, Provider, StreamPart } from '../spec/index.js';
import { OpenAIProviderClass } from './index.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

const deps: ProviderDeps = { dispatcher: new Agent(), now: () => 1_767_225_600_000, randomId: () => 'rnd1' };
let mock: OpenAIMock;
let provider: Provider;

function createProvider(baseUrl: string, config: Record<string, unknown> = {}): Provider {
  return OpenAIProviderClass.create(
    { name: 'openai', baseUrl, authHeaderName: 'Authorization', authHeaderPrefix: 'Bearer', config, requestTemplate: null },
    deps,
  );
}

const call = (signal = new AbortController().signal): CallOptions => ({ signal, credential: { apiKey: 'test-key' } });
const user = (text: string): ChatRequest['messages'][number] => ({ role: 'user', content: [{ type: 'text', text }] });

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const result: StreamPart[] = [];
  for await (const part of parts) result.push(part);
  return result;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A raw server replaying a recorded stream from test/fixtures/openai. */
async function replay(fixture: string): Promise<MockServer> {
  const text = await readFile(new URL(`../../../test/fixtures/openai/${fixture}`, import.meta.url), 'utf8');
  const frames = text.split(/(?<=\n\n)/);
  return startMockServer((_request, response) => sendSse(response, frames));
}

before(async () => {
  mock = await startOpenAIMock({ apiKeys: ['test-key'] });
  provider = createProvider(mock.baseUrl);
});
afterEach(() => void mock.requests.splice(0));
after(async () => {
  await mock.close();
  await deps.dispatcher.close();
});

describe('OpenAIProvider stream', () => {
  test('text: stream-start, one delta per word, then finish with usage; always asks for usage', async () => {
    const parts = await collect(provider.stream({ model: 'gpt-4o-mini', messages: [user('hello world')], n: 3, maxTokens: 50 }, call()));
    const body = mock.requests[0]?.body as Record<string, unknown>;
    assert.equal(body['stream'], true);
    assert.deepEqual(body['stream_options'], { include_usage: true });
    assert.equal(body['n'], undefined);
    assert.equal(body['max_completion_tokens'], 50);
    assert.deepEqual(withoutLedgerUsage(parts), [
      { type: 'stream-start', id: parts[0]?.type === 'stream-start' ? parts[0].id : '', model: 'gpt-4o-mini', created: 1_767_225_600, systemFingerprint: 'fp_mock' },
      { type: 'text-delta', text: 'Echo:' },
      { type: 'text-delta', text: ' hello' },
      { type: 'text-delta', text: ' world' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 2, outputTokens: 3, totalTokens: 5 },
        native: { service_tier: 'default' },
      },
    ]);
    assert.match(parts[0]?.type === 'stream-start' ? parts[0].id : '', /^chatcmpl-mock\d+$/);
  });

  test('tool call deltas, then the tool result in a second streamed turn', async () => {
    const tools = [{ name: 'lookup', parameters: { type: 'object' } }];
    const parts = await collect(provider.stream({ model: 'gpt-4o-mini', messages: [user('find cats')], tools }, call()));
    const deltas = parts.filter((part) => part.type === 'tool-call-delta');
    assert.ok(deltas.length > 1);
    const [first] = deltas;
    assert.equal(first?.toolCallIndex, 0);
    assert.equal(first?.name, 'lookup');
    assert.match(first?.id ?? '', /^call_mock\d+$/);
    assert.ok(deltas.slice(1).every((delta) => delta.id === undefined && delta.name === undefined && delta.toolCallIndex === 0));
    assert.equal(deltas.map((delta) => delta.argumentsDelta).join(''), '{"query":"find cats"}');
    assert.deepEqual(withoutLedgerUsage(parts.at(-1)), {
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { inputTokens: 2, outputTokens: 2, totalTokens: 4 },
      native: { service_tier: 'default' },
    });

    const id = first?.id ?? '';
    const answer = await collect(
      provider.stream(
        {
          model: 'gpt-4o-mini',
          tools,
          messages: [
            user('find cats'),
            { role: 'assistant', content: null, toolCalls: [{ id, name: 'lookup', arguments: '{"query":"find cats"}' }] },
            { role: 'tool', toolCallId: id, content: 'three cats' },
          ],
        },
        call(),
      ),
    );
    const text = answer.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    assert.equal(text, 'Echo: three cats');
    assert.deepEqual(withoutLedgerUsage(answer.at(-1)), {
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 4, outputTokens: 3, totalTokens: 7 },
      native: { service_tier: 'default' },
    });
  });

  test('an HTTP error before streaming is thrown from the first next()', async () => {
    mock.failNext({ status: 429, headers: { 'retry-after': '3' } });
    const iterator = provider.stream({ model: 'gpt-4o-mini', messages: [user('hi')] }, call())[Symbol.asyncIterator]();
    await assert.rejects(iterator.next(), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.retryAfter, 3);
      return true;
    });
  });

  test('an in-stream error becomes an error part and ends the stream', async () => {
    mock.failNextStream({ afterChunks: 1 });
    const parts = await collect(provider.stream({ model: 'gpt-4o-mini', messages: [user('one two three')] }, call()));
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'text-delta', 'error'],
    );
    const last = parts.at(-1);
    assert.ok(last?.type === 'error' && last.error instanceof ProviderError);
    assert.equal(last.error.code, 'provider_error');
    assert.equal(last.error.upstreamCode, 'server_error');
    assert.match(last.error.message, /The server had an error/);
  });

  test('stopping early (break) aborts the upstream request', async () => {
    mock.hangNextStream({ afterChunks: 1 });
    for await (const part of provider.stream({ model: 'gpt-4o-mini', messages: [user('one two three')] }, call())) {
      if (part.type === 'text-delta') break;
    }
    await waitFor(() => mock.requests[0]?.aborted === true, 'the mock to see the abort');
  });

  test('aborting the signal mid-stream rejects with the abort reason and aborts upstream', async () => {
    mock.hangNextStream({ afterChunks: 1 });
    const controller = new AbortController();
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of provider.stream({ model: 'gpt-4o-mini', messages: [user('one two')] }, call(controller.signal))) {
          seen.push(part.type);
          if (part.type === 'text-delta') controller.abort(new Error('client went away'));
        }
      })(),
      { message: 'client went away' },
    );
    assert.deepEqual(seen, ['stream-start', 'text-delta']);
    await waitFor(() => mock.requests[0]?.aborted === true, 'the mock to see the abort');
  });

  test('a stalled stream hits the idle timeout and yields a provider_timeout error part', async () => {
    mock.hangNextStream({ afterChunks: 1 });
    const slow = createProvider(mock.baseUrl, { timeouts: { idle_ms: 150 } });
    const parts = await collect(slow.stream({ model: 'gpt-4o-mini', messages: [user('one two')] }, call()));
    const last = parts.at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.code, 'provider_timeout');
    await waitFor(() => mock.requests[0]?.aborted === true, 'the mock to see the abort');
  });
});

describe('OpenAI stream fixtures', () => {
  test('recorded parallel tool calls with a usage chunk', async () => {
    const server = await replay('stream-tool-calls.chunks.txt');
    try {
      const parts = await collect(createProvider(server.origin).stream({ model: 'gpt-4.1-mini', messages: [user('weather')] }, call()));
      assert.deepEqual(parts[0], { type: 'stream-start', id: 'chatcmpl-BZt1aF3kQ8', model: 'gpt-4.1-mini-2025-04-14', created: 1748012400, systemFingerprint: 'fp_6f2eabb9a5' });
      const calls = new Map<number, string>();
      for (const part of parts) {
        if (part.type === 'tool-call-delta') calls.set(part.toolCallIndex, (calls.get(part.toolCallIndex) ?? '') + part.argumentsDelta);
      }
      assert.deepEqual([...calls], [
        [0, '{"location": "Paris"}'],
        [1, '{"location": "Tokyo"}'],
      ]);
      assert.deepEqual(parts.filter((part) => part.type === 'tool-call-delta' && part.id).map((part) => part.type === 'tool-call-delta' && part.id), [
        'call_Jx7pD0Q2nB5yVwE8kR1tZs3A',
        'call_M4cF9uL6hT2qXo0aN8vYe5Wd',
      ]);
      assert.deepEqual(withoutLedgerUsage(parts.at(-1)), {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 82, outputTokens: 37, totalTokens: 119, cachedInputTokens: 64 },
        native: { service_tier: 'default' },
      });
    } finally {
      await server.close();
    }
  });

  test('recorded Azure stream: the id-less filter chunk is skipped, content_filter finish', async () => {
    const server = await replay('stream-azure-content-filter.chunks.txt');
    try {
      const parts = await collect(createProvider(server.origin).stream({ model: 'gpt-4o', messages: [user('story')] }, call()));
      assert.deepEqual(withoutLedgerUsage(parts), [
        { type: 'stream-start', id: 'chatcmpl-AzR9sKd2', model: 'gpt-4o-2024-11-20', created: 1748012500, systemFingerprint: 'fp_ee1d74bde0' },
        { type: 'text-delta', text: 'Once upon' },
        { type: 'finish', finishReason: 'content_filter', usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15 } },
      ]);
    } finally {
      await server.close();
    }
  });

  test('calls streamed without tool_calls[].index (Google\'s compatible endpoint): a new id is a new call, an id-less delta continues the last', async () => {
    const chunk = (call: object): string =>
      `data: ${JSON.stringify({ id: 'c1', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ type: 'function', ...call }] } }] })}\n\n`;
    const server = await startMockServer((_request, response) =>
      sendSse(response, [
        chunk({ id: 'fc-1', function: { name: 'get', arguments: '{"q":"a"}' } }),
        chunk({ id: 'fc-2', function: { name: 'put', arguments: '{"q":' } }),
        chunk({ function: { arguments: '"b"}' } }),
        chunk({ id: 'fc-2', function: { arguments: '' } }),
        'data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
        'data: [DONE]\n\n',
      ]),
    );
    try {
      const parts = await collect(createProvider(server.origin).stream({ model: 'm', messages: [user('x')] }, call()));
      const calls = parts.flatMap((part) => (part.type === 'tool-call-delta' ? [[part.toolCallIndex, part.id, part.argumentsDelta]] : []));
      assert.deepEqual(calls, [
        [0, 'fc-1', '{"q":"a"}'],
        [1, 'fc-2', '{"q":'],
        [1, undefined, '"b"}'],
        [1, 'fc-2', ''],
      ]);
      assert.equal(parts.at(-1)?.type, 'finish');
    } finally {
      await server.close();
    }
  });

  test('an index given again with another id and a name (Ollama gives every parallel call index 0) is a new call', async () => {
    const chunk = (call: object): string =>
      `data: ${JSON.stringify({ id: 'c1', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ type: 'function', ...call }] } }] })}\n\n`;
    const finish = 'data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\ndata: [DONE]\n\n';
    const interleaved = await startMockServer((_request, response) =>
      sendSse(response, [
        chunk({ index: 0, id: 'a', function: { name: 'get', arguments: '' } }),
        chunk({ index: 1, id: 'b', function: { name: 'put', arguments: '{"q":' } }),
        chunk({ index: 0, function: { arguments: '{}' } }),
        chunk({ index: 1, id: 'b', function: { arguments: '1}' } }),
        finish,
      ]),
    );
    const reused = await startMockServer((_request, response) =>
      sendSse(response, [
        chunk({ index: 0, id: 'a', function: { name: 'get', arguments: '{"q":"x"}' } }),
        chunk({ index: 0, id: 'b', function: { name: 'get', arguments: '{"q":' } }),
        chunk({ index: 0, function: { arguments: '"y"}' } }),
        // Another id without a name continues the call (no vendor starts a call without its name).
        chunk({ index: 0, id: 'b2', function: { arguments: '' } }),
        chunk({ index: 1, id: 'c', function: { name: 'put', arguments: '{}' } }),
        finish,
      ]),
    );
    try {
      const calls = async (origin: string): Promise<unknown[]> =>
        (await collect(createProvider(origin).stream({ model: 'm', messages: [user('x')] }, call()))).flatMap((part) =>
          part.type === 'tool-call-delta' ? [[part.toolCallIndex, part.id, part.argumentsDelta]] : [],
        );
      assert.deepEqual(await calls(interleaved.origin), [
        [0, 'a', ''],
        [1, 'b', '{"q":'],
        [0, undefined, '{}'],
        [1, 'b', '1}'],
      ]);
      assert.deepEqual(await calls(reused.origin), [
        [0, 'a', '{"q":"x"}'],
        [1, 'b', '{"q":'],
        [1, undefined, '"y"}'],
        [1, 'b2', ''],
        [2, 'c', '{}'],
      ]);
    } finally {
      await interleaved.close();
      await reused.close();
    }
  });

  test('a stream cut off before any finish reason, or a chunk that is not JSON, is an error part', async () => {
    const cut = await startMockServer((_request, response) =>
      sendSse(response, ['data: {"id":"c1","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n']),
    );
    const garbled = await startMockServer((_request, response) => sendSse(response, ['data: {"id":"c1","choices":[]}\n\n', 'data: <html>\n\n']));
    try {
      const cutParts = await collect(createProvider(cut.origin).stream({ model: 'm', messages: [user('x')] }, call()));
      assert.deepEqual(
        cutParts.map((part) => part.type),
        ['stream-start', 'text-delta', 'error'],
      );
      const garbledParts = await collect(createProvider(garbled.origin).stream({ model: 'm', messages: [user('x')] }, call()));
      const last = garbledParts.at(-1);
      assert.ok(last?.type === 'error');
      assert.equal(last.error.status, 502);
      assert.match(last.error.message, /not a JSON object/);
    } finally {
      await cut.close();
      await garbled.close();
    }
  });

  // vLLM sends only `data: [DONE]` when it fails before the first token: that was a complete, empty
  // answer (stream-start, then a `stop` finish), which the gateway answered with a 200.
  test('a stream with no chunk at all (only [DONE], nothing, or Azure\'s filter chunk alone) is an error part, before any stream-start', async () => {
    const bodies = [
      ['data: [DONE]\n\n'],
      [],
      ['data: {"choices":[],"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}\n\n', 'data: [DONE]\n\n'],
    ];
    for (const frames of bodies) {
      const server = await startMockServer((_request, response) => sendSse(response, frames));
      try {
        const parts = await collect(createProvider(server.origin).stream({ model: 'm', messages: [user('x')] }, call()));
        assert.deepEqual(parts.map((part) => part.type), ['error'], JSON.stringify(frames));
        const error = parts[0]?.type === 'error' ? parts[0].error : undefined;
        assert.ok(error instanceof ProviderError);
        assert.deepEqual([error.code, error.status, error.isRetryable], ['provider_error', 502, true]);
        assert.match(error.message, /Provider 'openai' ended the stream before any answer/);
      } finally {
        await server.close();
      }
    }
  });

  test('chunks but no finish reason before [DONE]: [DONE] ends the answer, finishing stop (as a finish reason with no [DONE] does)', async () => {
    const server = await startMockServer((_request, response) =>
      sendSse(response, ['data: {"id":"c1","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n', 'data: [DONE]\n\n']),
    );
    try {
      const parts = await collect(createProvider(server.origin).stream({ model: 'm', messages: [user('x')] }, call()));
      assert.deepEqual(parts.map((part) => (part.type === 'finish' ? part.finishReason : part.type)), ['stream-start', 'text-delta', 'stop']);
    } finally {
      await server.close();
    }
  });
});

describe('OpenAI in-stream errors: the vendor message as an error may show it', () => {
  const opening = 'data: {"id":"c1","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n';

  async function streamError(error: unknown): Promise<ProviderError> {
    const server = await startMockServer((_request, response) => sendSse(response, [opening, `data: ${JSON.stringify({ error })}\n\n`]));
    try {
      const parts = await collect(createProvider(server.origin).stream({ model: 'm', messages: [user('x')] }, call()));
      assert.deepEqual(parts.map((part) => part.type), ['stream-start', 'text-delta', 'error']);
      const last = parts.at(-1);
      assert.ok(last?.type === 'error' && last.error instanceof ProviderError);
      return last.error;
    } finally {
      await server.close();
    }
  }

  // Until 2026-12-08 a `data: {"error"}` line's message reached the client, logs and terminals with
  // its control characters, and an account-limit or key error's message was shown (inferred 400 or 500).
  test('rid of control characters (C0, C1, bidi, zero widths)', async () => {
    const error = await streamError({ message: 'model\u0000\u001b[2J crashed\u202e\u200b here\u0085', type: 'server_error' });
    // eslint-disable-next-line no-control-regex -- matching them is the point
    assert.doesNotMatch(error.message, /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/);
    assert.match(error.message, /^Provider 'openai' failed: HTTP 500: model \[2J crashed {2}here$/);
    assert.equal(error.upstreamCode, 'server_error');
  });

  // OpenRouter's documented mid-stream error carries the HTTP status in `code` (`{"code": 429, …}`),
  // vLLM's too (`code: 400`), LiteLLM's as a string: until 2026-12-08 each was a retryable 500
  // ("HTTP 500"), so a rate limit was no rate limit and a bad key no credential failure on a route.
  test('a code that is an HTTP error status is its status; any other code is not', async () => {
    const cases: [unknown, string, number, number][] = [
      [429, 'rate_limited', 429, 429],
      ['429', 'rate_limited', 429, 429],
      [401, 'authentication_failed', 401, 401],
      [402, 'invalid_request', 402, 402],
      [403, 'permission_denied', 403, 403],
      [400, 'invalid_request', 400, 400],
      [502, 'provider_error', 502, 502],
      [503, 'provider_unavailable', 503, 503],
      [408, 'provider_timeout', 408, 408],
      [200, 'provider_error', 500, 500],
      [600, 'provider_error', 500, 500],
      [429.5, 'provider_error', 500, 500],
      ['4290', 'provider_error', 500, 500],
    ];
    for (const [code, ours, status, upstreamStatus] of cases) {
      const error = await streamError({ code, message: 'Provider returned error', type: 'server_error' });
      assert.deepEqual([error.code, error.status, error.upstreamStatus], [ours, status, upstreamStatus], `code ${String(code)}`);
    }
    const limited = await streamError({ code: 429, message: 'Rate limit exceeded: free-models-per-day. Limit 50, used 50.' });
    assert.equal(limited.message, "Provider 'openai' failed: HTTP 429: the vendor is rate limiting the gateway's account (its limits or quota); retry later");
  });

  test('withheld for a code about the credentials or the account\'s limits', async () => {
    const bodies = [
      { message: 'Rate limit exceeded: free-models-per-day. Limit 50, used 50.', code: 429 },
      { message: 'Incorrect API key provided: abcd1234xyz', type: 'invalid_request_error', code: 'invalid_api_key' },
      { message: 'You exceeded your current quota, org acme spent $1,204.', type: 'insufficient_quota', code: null },
    ];
    for (const body of bodies) {
      const error = await streamError(body);
      assert.match(error.message, /about the credentials or the account's limits .*its message withheld|HTTP 429: the vendor is rate limiting the gateway's account/, error.message);
      for (const word of ['Limit 50', 'Incorrect API key', 'abcd1234', 'acme', '1,204']) assert.ok(!error.message.includes(word), error.message);
    }
  });
});
