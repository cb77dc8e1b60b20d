import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startGoogleMock, type GoogleMock } from '../../../test/mock-vendors/google.js';
import { ProviderError } from '../../errors.js';
import { createUpstreamAgent, type ProviderDeps } from '../shared/provider-deps.js';
import { defaultUpstreamLimits } from '../shared/upstream-limits.js';
import type { CallOptions, ChatRequest, Provider, StreamPart } from '../spec/index.js';
import { GoogleStreamDecoder, type GoogleStreamContext } from './google-stream-decoder.js';
import { GoogleProviderClass } from './index.js';
import { assertConnectionContract, byteChunks, countingAgent, decodeParts, decodedWhereverCut, multibyteTexts } from '../../../test/helpers/stream-checks.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

let mock: GoogleMock;
let deps: ProviderDeps;
let provider: Provider;

beforeEach(async () => {
  mock = await startGoogleMock();
  let ids = 0;
  deps = { dispatcher: createUpstreamAgent(), now: () => 1_700_000_000_000, randomId: () => `id${++ids}` };
  provider = GoogleProviderClass.create(
    { name: 'google', baseUrl: mock.baseUrl, authHeaderName: 'x-goog-api-key', authHeaderPrefix: '', config: {}, requestTemplate: null },
    deps,
  );
});

afterEach(async () => {
  await mock.close();
  await deps.dispatcher.close();
});

function callOptions(overrides: Partial<CallOptions> = {}): CallOptions {
  return { signal: new AbortController().signal, credential: { apiKey: 'test-key' }, ...overrides };
}

function user(text: string): ChatRequest['messages'][number] {
  return { role: 'user', content: [{ type: 'text', text }] };
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const result: StreamPart[] = [];
  for await (const part of parts) result.push(part);
  return result;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'condition not reached in time');
}

const weatherTool = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false } };

describe('GoogleProvider stream', () => {
  test('text: stream-start, one delta per fragment, finish with the last cumulative usage', async () => {
    const parts = await collect(
      provider.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'system', content: 'cache this' }, user('hello big world')], n: 3 }, callOptions()),
    );
    assert.equal(mock.requests[0]?.url, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    assert.equal((mock.requests[0]?.body as Record<string, unknown>)['generationConfig'], undefined, 'n is not sent when streaming');
    assert.deepEqual(withoutLedgerUsage(parts), [
      { type: 'stream-start', id: 'mock-response-1', model: 'gemini-2.5-flash', created: 1_700_000_000 },
      { type: 'text-delta', text: 'Echo:' },
      { type: 'text-delta', text: ' hello' },
      { type: 'text-delta', text: ' big' },
      { type: 'text-delta', text: ' world' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 4, totalTokens: 9, cachedInputTokens: 3 } },
    ]);
  });

  test('tool call arrives whole and round-trips with its gemini-3 thoughtSignature', async () => {
    const request: ChatRequest = { model: 'gemini-3-pro-preview', messages: [user('weather in Lima')], tools: [weatherTool] };
    const parts = await collect(provider.stream(request, callOptions()));
    const signature = Buffer.from('signature-1').toString('base64');
    assert.deepEqual(withoutLedgerUsage(parts.slice(1)), [
      {
        type: 'tool-call-delta',
        toolCallIndex: 0,
        id: `call_id1__sbgid__fc1x__sbsig__${signature.replace(/=+$/, '')}`,
        name: 'get_weather',
        argumentsDelta: '{"query":"weather in Lima"}',
        providerMetadata: { thoughtSignature: signature },
      },
      { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 3, outputTokens: 3, totalTokens: 6 } },
    ]);

    const answer = await collect(
      provider.stream(
        {
          ...request,
          messages: [
            ...request.messages,
            {
              role: 'assistant',
              content: null,
              toolCalls: [{ id: 'call_id1', name: 'get_weather', arguments: '{"query":"weather in Lima"}', providerMetadata: { thoughtSignature: signature } }],
            },
            { role: 'tool', toolCallId: 'call_id1', content: 'mild' },
          ],
        },
        callOptions(),
      ),
    );
    const contents = (mock.requests[1]?.body as { contents: { parts: Record<string, unknown>[] }[] }).contents;
    assert.equal(contents[1]?.parts[0]?.['thoughtSignature'], signature);
    assert.deepEqual(
      answer.filter((part) => part.type === 'text-delta').map((part) => part.text),
      ['Echo:', ' mild'],
    );
  });

  test('an HTTP error is thrown from the first next(), mapped', async () => {
    mock.failNext({ status: 429 });
    const iterator = provider.stream({ model: 'gemini-2.5-flash', messages: [user('hi')] }, callOptions())[Symbol.asyncIterator]();
    await assert.rejects(iterator.next(), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.retryAfter, 7);
      assert.equal(error.upstreamCode, 'RESOURCE_EXHAUSTED');
      return true;
    });
  });

  test('a 200 that is not an event stream is thrown as a 502', async () => {
    mock.failNext({ status: 200, body: '<html>captive portal</html>' });
    const iterator = provider.stream({ model: 'gemini-2.5-flash', messages: [user('hi')] }, callOptions())[Symbol.asyncIterator]();
    await assert.rejects(
      iterator.next(),
      (error: unknown) => error instanceof ProviderError && error.code === 'provider_error' && error.status === 502,
    );
  });

  test('a mid-stream error frame yields an error part and ends the stream', async () => {
    mock.failNextStream({ afterChunks: 2 });
    const parts = await collect(provider.stream({ model: 'gemini-2.5-flash', messages: [user('one two three')] }, callOptions()));
    assert.deepEqual(
      parts.slice(0, 3).map((part) => part.type),
      ['stream-start', 'text-delta', 'text-delta'],
    );
    assert.equal(parts.length, 4);
    const last = parts[3];
    assert.ok(last?.type === 'error');
    assert.equal(last.error.code, 'provider_unavailable');
    assert.equal(last.error.status, 503);
    assert.ok(last.error instanceof ProviderError);
    assert.equal(last.error.upstreamCode, 'UNAVAILABLE');
    assert.match(last.error.message, /The model is overloaded/);
  });

  test('a blocked prompt finishes with content_filter', async () => {
    const parts = await collect(provider.stream({ model: 'gemini-2.5-flash', messages: [user('BLOCKME')] }, callOptions()));
    assert.deepEqual(withoutLedgerUsage(parts.slice(1)), [
      { type: 'finish', finishReason: 'content_filter', usage: { inputTokens: 1, outputTokens: 0, totalTokens: 1 } },
    ]);
  });

  test('stopping early (break) aborts the upstream request', async () => {
    mock.hangNextStream({ afterChunks: 1 });
    const seen: StreamPart[] = [];
    for await (const part of provider.stream({ model: 'gemini-2.5-flash', messages: [user('a b c')] }, callOptions())) {
      seen.push(part);
      if (part.type === 'text-delta') break;
    }
    assert.deepEqual(seen.at(-1), { type: 'text-delta', text: 'Echo:' });
    await waitFor(() => mock.requests[0]?.aborted === true);
  });

  test('aborting the signal aborts the upstream request and rethrows the abort', async () => {
    mock.hangNextStream({ afterChunks: 1 });
    const controller = new AbortController();
    const parts = provider.stream({ model: 'gemini-2.5-flash', messages: [user('a b c')] }, callOptions({ signal: controller.signal }));
    const iterator = parts[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.type, 'stream-start');
    assert.equal((await iterator.next()).value?.type, 'text-delta');
    const pending = iterator.next();
    controller.abort(new Error('client went away'));
    await assert.rejects(pending, /client went away/);
    await waitFor(() => mock.requests[0]?.aborted === true);
  });

  test('a stream read to its end keeps its connection for the next call; one stopped early is aborted', async () => {
    const counting = countingAgent();
    await deps.dispatcher.close();
    deps = { ...deps, dispatcher: counting.agent };
    provider = GoogleProviderClass.create(
      { name: 'google', baseUrl: mock.baseUrl, authHeaderName: 'x-goog-api-key', authHeaderPrefix: '', config: {}, requestTemplate: null },
      deps,
    );
    await assertConnectionContract(mock, counting, () => provider.stream({ model: 'gemini-2.5-flash', messages: [user('a b c')] }, callOptions()));
  });
});

describe('GoogleStreamDecoder on a recorded Gemini stream', () => {
  const decoder = (context: Partial<GoogleStreamContext> = {}): GoogleStreamDecoder =>
    new GoogleStreamDecoder(defaultUpstreamLimits.maxEventBytes, {
      provider: 'google',
      model: 'gemini-2.5-flash',
      deps: { now: () => 0, randomId: () => 'x' },
      secrets: [],
      ...context,
    });

  test('a stream that ends before any finishReason was cut off: an error part, not a normal finish', async () => {
    const text = await readFile(new URL('../../../test/fixtures/google/stream-thinking-tool-calls.chunks.txt', import.meta.url), 'utf8');
    // Everything up to (not including) the chunk that carries the finishReason.
    const cut = text.slice(0, text.lastIndexOf('data:', text.indexOf('"finishReason"')));
    assert.ok(cut.length > 0 && !cut.includes('finishReason'));
    const parts = decodeParts(decoder(), byteChunks(cut, 4096));
    const last = parts.at(-1);
    assert.equal(last?.type, 'error');
    assert.match(last?.type === 'error' ? last.error.message : '', /ended the stream before a finishReason/);
    assert.ok(!parts.some((part) => part.type === 'finish'));
  });

  test('CRLF frames split anywhere, thought parts as reasoning deltas, parallel calls indexed', async () => {
    const text = await readFile(new URL('../../../test/fixtures/google/stream-thinking-tool-calls.chunks.txt', import.meta.url), 'utf8');
    for (const size of [1, 7, 4096]) {
      let ids = 0;
      const parts = decodeParts(
        decoder({ model: 'gemini-3-flash-preview', deps: { now: () => 1_700_000_000_000, randomId: () => `r${++ids}` } }),
        byteChunks(text, size),
      );
      assert.deepEqual(withoutLedgerUsage(parts), [
        { type: 'stream-start', id: 'Fn4taPbxHoy', model: 'gemini-3-flash-preview', created: 1_700_000_000 },
        {
          type: 'reasoning-delta',
          index: 0,
          text: '**Planning the lookup**\n\nThe user wants the weather in two cities, so I will call the tool twice.',
        },
        { type: 'text-delta', text: 'Let me check both ' },
        { type: 'text-delta', text: 'cities.' },
        {
          type: 'tool-call-delta',
          toolCallIndex: 0,
          id: 'call_r1__sbsig__CiQBcsjafE2yJQ',
          name: 'get_weather',
          argumentsDelta: '{"city":"Paris"}',
          providerMetadata: { thoughtSignature: 'CiQBcsjafE2yJQ==' },
        },
        { type: 'tool-call-delta', toolCallIndex: 1, id: 'call_r2', name: 'get_weather', argumentsDelta: '{"city":"London"}' },
        {
          type: 'finish',
          finishReason: 'tool_calls',
          usage: { inputTokens: 70, outputTokens: 117, totalTokens: 187, reasoningTokens: 87 },
        },
      ]);
    }
  });

  test('a frame that is not JSON is an error part', () => {
    const parts = decodeParts(decoder(), byteChunks('data: {"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}\r\n\r\ndata: <html>\r\n\r\n', 64));
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'text-delta', 'error'],
    );
    const last = parts[2];
    assert.ok(last?.type === 'error');
    assert.equal(last.error.status, 502);
  });

  test('frames cut anywhere (mid-line, mid-CRLF, mid-character) give the same parts', () => {
    const frame = (text: string, extra = ''): string => `data: {"responseId":"r1","candidates":[{"content":{"parts":[{"text":${JSON.stringify(text)}}]}${extra}}]}\r\n\r\n`;
    const [first = '', second = ''] = multibyteTexts;
    const sse = frame(first) + frame(second, ',"finishReason":"STOP"') + 'data: {"usageMetadata":{"promptTokenCount":2,"candidatesTokenCount":3,"totalTokenCount":5}}\r\n\r\n';
    assert.deepEqual(withoutLedgerUsage(decodedWhereverCut(decoder, sse)), [
      { type: 'stream-start', id: 'r1', model: 'gemini-2.5-flash', created: 0 },
      ...multibyteTexts.map((text) => ({ type: 'text-delta', text })),
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 2, outputTokens: 3, totalTokens: 5 } },
    ]);
  });

  test('an error frame ends the decoding: the rest of the body is not needed', () => {
    const out: StreamPart[] = [];
    const stream = decoder();
    const sse = 'data: {"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}\r\n\r\ndata: {"error":{"code":503,"status":"UNAVAILABLE","message":"overloaded"}}\r\n\r\ndata: {"candidates":[{"content":{"parts":[{"text":"late"}]}}]}\r\n\r\n';
    assert.equal(stream.chunk(Buffer.from(sse), out), true);
    stream.end(out);
    assert.deepEqual(
      out.map((part) => part.type),
      ['stream-start', 'text-delta', 'error'],
    );
  });

  // Until 2026-12-08 an error frame's message reached the client, logs and terminals with its control characters.
  test('an error frame: its message rid of control characters', () => {
    const error = { code: 500, status: 'INTERNAL', message: 'Internal\u0000 error\u001b[2J\u200b\u2067 occurred\u0090' };
    const last = decodeParts(decoder(), [Buffer.from(`data: {"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}\r\n\r\ndata: ${JSON.stringify({ error })}\r\n\r\n`)]).at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.message, "Provider 'google' failed: HTTP 500: Internal  error [2J  occurred");
  });

  test('a failure before any frame still opens the stream first', () => {
    const out: StreamPart[] = [];
    const stream = decoder();
    stream.chunk(Buffer.from('data: {"respon'), out);
    stream.beforeFailure(out);
    assert.deepEqual(out, [{ type: 'stream-start', id: 'x', model: 'gemini-2.5-flash', created: 0 }]);
  });
});
