import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ProviderError } from '../../errors.js';
import { startAnthropicMock, type AnthropicMock } from '../../../test/mock-vendors/anthropic.js';
import { defaultProviderDeps, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, StreamPart } from '../spec/index.js';
import { AnthropicProviderClass } from './anthropic-provider.js';
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
});
