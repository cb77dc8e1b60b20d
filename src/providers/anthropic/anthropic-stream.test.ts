import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ProviderError } from '../../errors.js';
import { startAnthropicMock, type AnthropicMock } from '../../../test/mock-vendors/anthropic.js';
import { defaultProviderDeps, type ProviderDeps } from '../shared/provider-deps.js';
import { defaultUpstreamLimits } from '../shared/upstream-limits.js';
import type { CallOptions, ChatRequest, StreamPart } from '../spec/index.js';
import { AnthropicProviderClass } from './anthropic-provider.js';
import { AnthropicStreamDecoder } from './anthropic-stream-decoder.js';
import { assertConnectionContract, byteChunks, countingAgent, decodeParts, decodedWhereverCut, multibyteTexts } from '../../../test/helpers/stream-checks.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

let mock: AnthropicMock;
let deps: ProviderDeps;

beforeEach(async () => {
  mock = await startAnthropicMock();
  deps = { ...defaultProviderDeps(), now: () => 1_700_000_123_000 };
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

function callOptions(signal: AbortSignal = new AbortController().signal): CallOptions {
  return { signal, credential: { apiKey: 'test-key' } };
}

const hello: ChatRequest = { model: 'claude-test-1', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello world' }] }] };

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const result: StreamPart[] = [];
  for await (const part of parts) result.push(part);
  return result;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('AnthropicProvider stream', () => {
  test('text: stream-start, one delta per word, finish with the cumulative usage', async () => {
    const parts = await collect(createProvider().stream(hello, callOptions()));
    assert.equal((mock.requests[0]?.body as Record<string, unknown>)['stream'], true);
    assert.deepEqual(withoutLedgerUsage(parts), [
      { type: 'stream-start', id: 'msg_mock_1', model: 'claude-test-1', created: 1_700_000_123 },
      { type: 'text-delta', text: 'Echo:' },
      { type: 'text-delta', text: ' hello' },
      { type: 'text-delta', text: ' world' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 2, outputTokens: 3, totalTokens: 5 },
      },
    ]);
  });

  test('max tokens in a stream: finish length', async () => {
    const parts = await collect(createProvider().stream({ ...hello, maxTokens: 1 }, callOptions()));
    assert.equal((mock.requests[0]?.body as Record<string, unknown>)['max_tokens'], 1);
    assert.deepEqual(parts.filter((part) => part.type === 'text-delta'), [{ type: 'text-delta', text: 'Echo:' }]);
    const finish = parts.at(-1);
    assert.ok(finish?.type === 'finish');
    assert.equal(finish.finishReason, 'length');
  });

  test('an in-stream `event: error` becomes one error part, and nothing follows it', async () => {
    mock.failNextStream({ afterChunks: 2 });
    const parts = await collect(createProvider().stream(hello, callOptions()));
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'text-delta', 'text-delta', 'error'],
    );
    const last = parts.at(-1);
    assert.ok(last?.type === 'error');
    assert.ok(last.error instanceof ProviderError);
    assert.equal(last.error.code, 'provider_unavailable');
    assert.equal(last.error.status, 503);
    assert.equal(last.error.upstreamCode, 'overloaded_error');
    assert.equal(last.error.isRetryable, true);
    assert.match(last.error.message, /anthropic.*Overloaded/);
  });

  test('an HTTP error status is thrown from the first next()', async () => {
    mock.failNext({ status: 429, headers: { 'retry-after': '12' } });
    const iterator = createProvider().stream(hello, callOptions())[Symbol.asyncIterator]();
    await assert.rejects(iterator.next(), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.retryAfter, 12);
      assert.equal(error.upstreamCode, 'rate_limit_error');
      return true;
    });
    assert.equal(mock.requests.length, 1);
  });

  test('a body that ends before message_stop ends with an error part', async () => {
    mock.replayNext({
      sse:
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_cut","model":"claude-test-1","usage":{"input_tokens":2,"output_tokens":1}}}\n\n' +
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
    });
    const parts = await collect(createProvider().stream(hello, callOptions()));
    assert.deepEqual(parts.slice(0, 2), [
      { type: 'stream-start', id: 'msg_cut', model: 'claude-test-1', created: 1_700_000_123 },
      { type: 'text-delta', text: 'Hi' },
    ]);
    const last = parts.at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.code, 'provider_error');
    assert.equal(last.error.status, 502);
    assert.equal(parts.length, 3);
  });

  test('stopping early (break) aborts the upstream request', async () => {
    mock.hangNextStream({ afterChunks: 1 });
    const seen: string[] = [];
    for await (const part of createProvider().stream(hello, callOptions())) {
      seen.push(part.type);
      if (part.type === 'text-delta') break;
    }
    assert.deepEqual(seen, ['stream-start', 'text-delta']);
    await waitFor(() => mock.requests[0]?.aborted === true, 'the mock to see the abort');
  });

  test('aborting the signal mid-stream rejects the iterator and reaches the mock', async () => {
    mock.hangNextStream({ afterChunks: 1 });
    const controller = new AbortController();
    const iterator = createProvider().stream(hello, callOptions(controller.signal))[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.type, 'stream-start');
    assert.equal((await iterator.next()).value?.type, 'text-delta');
    const pending = iterator.next();
    const reason = new Error('client went away');
    controller.abort(reason);
    await assert.rejects(pending, (error: unknown) => error === reason);
    await waitFor(() => mock.requests[0]?.aborted === true, 'the mock to see the abort');
  });

  test('a body stalled past idle_ms ends with a provider_timeout error part after the parts before it', async () => {
    mock.hangNextStream({ afterChunks: 2 });
    const provider = AnthropicProviderClass.create(
      { name: 'anthropic', baseUrl: mock.baseUrl, authHeaderName: 'x-api-key', authHeaderPrefix: '', config: { timeouts: { idle_ms: 200 } }, requestTemplate: null },
      deps,
    );
    const parts = await collect(provider.stream(hello, callOptions()));
    assert.equal(parts[0]?.type, 'stream-start');
    const last = parts.at(-1);
    assert.ok(last?.type === 'error', `expected an error part, got ${JSON.stringify(last)}`);
    assert.ok(last.error instanceof ProviderError);
    assert.equal(last.error.code, 'provider_timeout');
    assert.equal(last.error.status, 504);
    await waitFor(() => mock.requests[0]?.aborted === true, 'the mock to see the abort');
  });

  test('a stream read to message_stop keeps its connection for the next call; one stopped early is aborted', async () => {
    const counting = countingAgent();
    await deps.dispatcher.close();
    deps = { ...deps, dispatcher: counting.agent };
    const provider = createProvider();
    await assertConnectionContract(mock, counting, () => provider.stream(hello, callOptions()));
  });
});

describe('AnthropicStreamDecoder', () => {
  const decoder = (): AnthropicStreamDecoder =>
    new AnthropicStreamDecoder(defaultUpstreamLimits.maxEventBytes, {
      provider: 'anthropic',
      secrets: ['test-key'],
      created: 1,
      fallbackId: () => 'fallback',
      fallbackModel: 'claude-test-1',
    });
  const event = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const textDelta = (text: string): string => event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
  const opening =
    event('message_start', { type: 'message_start', message: { id: 'msg_1', model: 'claude-test-1', usage: { input_tokens: 3, output_tokens: 1 } } }) +
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
    event('ping', { type: 'ping' });
  const closing =
    event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } }) +
    event('message_stop', { type: 'message_stop' });

  test('events cut anywhere (mid-line, mid-character) give the same parts', () => {
    assert.deepEqual(withoutLedgerUsage(decodedWhereverCut(decoder, opening + multibyteTexts.map(textDelta).join('') + closing)), [
      { type: 'stream-start', id: 'msg_1', model: 'claude-test-1', created: 1 },
      ...multibyteTexts.map((text) => ({ type: 'text-delta', text })),
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } },
    ]);
  });

  test('the recorded stream in chunks of any size gives the same parts', async () => {
    const sse = await readFile(new URL('../../../test/fixtures/anthropic/stream-thinking-tool-use.chunks.txt', import.meta.url), 'utf8');
    const whole = decodeParts(decoder(), [Buffer.from(sse)]);
    assert.equal(whole.length, 11);
    assert.equal(whole.at(-1)?.type, 'finish');
    for (const size of [1, 7, 64]) assert.deepEqual(decodeParts(decoder(), byteChunks(sse, size)), whole);
  });

  test('message_stop or an error event ends the decoding: the rest of the body is not needed and is ignored', () => {
    for (const last of [event('message_stop', { type: 'message_stop' }), event('error', { type: 'error', error: { type: 'api_error', message: 'boom' } })]) {
      const out: StreamPart[] = [];
      const stream = decoder();
      assert.equal(stream.chunk(Buffer.from(opening + textDelta('Hi') + last + textDelta('late')), out), true);
      stream.end(out);
      assert.deepEqual(
        out.map((part) => (part.type === 'text-delta' ? part.text : part.type)),
        ['stream-start', 'Hi', last.includes('message_stop') ? 'finish' : 'error'],
      );
    }
  });

  // Until 2026-12-08 an `event: error` message reached the client, logs and terminals with its control
  // characters, and a `billing_error` (402, the account's credit) was shown whole.
  test('an error event: its message rid of control characters, withheld for the credentials or the account\'s limits', () => {
    const failure = (error: unknown): ProviderError => {
      const last = decodeParts(decoder(), [Buffer.from(opening + textDelta('Hi') + event('error', { type: 'error', error }))]).at(-1);
      assert.ok(last?.type === 'error' && last.error instanceof ProviderError);
      return last.error;
    };
    const garbled = failure({ type: 'api_error', message: 'Internal\u001b]52;c;aGk=\u0007 error\u202e\u2066 here\u009b' });
    assert.equal(garbled.message, "Provider 'anthropic' failed: HTTP 500: Internal ]52;c;aGk=  error  here");
    const billing = failure({ type: 'billing_error', message: 'Your credit balance is too low: $0.42 left on org Acme.' });
    assert.equal(billing.upstreamCode, 'billing_error');
    assert.match(billing.message, /about the credentials or the account's limits \(billing_error\), its message withheld$/);
    assert.ok(!billing.message.includes('0.42') && !billing.message.includes('Acme'), billing.message);
  });

  test('a body that ends before message_stop ends with an error part; an event without its blank line still counts', () => {
    const parts = decodeParts(decoder(), [Buffer.from(opening + textDelta('Hi').trimEnd())]);
    assert.deepEqual(
      parts.map((part) => (part.type === 'text-delta' ? part.text : part.type)),
      ['stream-start', 'Hi', 'error'],
    );
    const last = parts.at(-1);
    assert.ok(last?.type === 'error');
    assert.match(last.error.message, /ended the stream before message_stop/);
  });
});
