import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startCohereMock, type CohereMock } from '../../../test/mock-vendors/cohere.js';
import { ProviderError } from '../../errors.js';
import { defaultProviderDeps, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, Provider, StreamPart } from '../spec/index.js';
import { CohereProviderClass } from './index.js';
import { assertConnectionContract, countingAgent } from '../../../test/helpers/stream-checks.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

let mock: CohereMock;
let deps: ProviderDeps;
let provider: Provider;

const options = (signal = new AbortController().signal): CallOptions => ({ signal, credential: { apiKey: 'test-key' } });
const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'command-a-03-2025',
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  ...extra,
});

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

before(async () => {
  mock = await startCohereMock({ apiKeys: ['test-key'] });
  deps = { ...defaultProviderDeps(), now: () => 1_750_000_000_000, randomId: () => 'generated-id' };
  provider = CohereProviderClass.create(
    { name: 'cohere', baseUrl: mock.baseUrl, authHeaderName: 'Authorization', authHeaderPrefix: 'Bearer', config: {}, requestTemplate: null },
    deps,
  );
});
after(async () => {
  await mock.close();
  await deps.dispatcher.close();
});
beforeEach(() => {
  mock.requests.length = 0;
});

describe('CohereProvider.stream', () => {
  test('text: stream-start, one delta per word, finish with usage', async () => {
    const parts = await collect(provider.stream(ask('hello world'), options()));
    assert.equal((mock.requests[0]?.body as Record<string, unknown>)['stream'], true);
    const start = parts[0];
    assert.equal(start?.type, 'stream-start');
    assert.ok(start.type === 'stream-start' && /^[0-9a-f-]{36}$/.test(start.id));
    assert.deepEqual(parts.slice(0, 1), [{ type: 'stream-start', id: start.id, model: 'command-a-03-2025', created: 1_750_000_000 }]);
    assert.deepEqual(withoutLedgerUsage(parts.slice(1)), [
      { type: 'text-delta', text: 'Echo:' },
      { type: 'text-delta', text: ' hello' },
      { type: 'text-delta', text: ' world' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 2, outputTokens: 3, totalTokens: 5 } },
    ]);
  });

  test('stop sequences end the stream with finish stop', async () => {
    const parts = await collect(provider.stream(ask('alpha beta gamma', { stop: ['gamma'] }), options()));
    assert.deepEqual((mock.requests[0]?.body as Record<string, unknown>)['stop_sequences'], ['gamma']);
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    assert.equal(text, 'Echo: alpha beta ');
    assert.deepEqual(withoutLedgerUsage(parts.at(-1)), { type: 'finish', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 3, totalTokens: 6 } });
  });

  test('tool call streamed as deltas, then the tool result streamed back as text', async () => {
    const tools = [{ name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } } } }];
    const parts = await collect(provider.stream(ask('find dogs', { tools }), options()));
    const calls = parts.filter((part) => part.type === 'tool-call-delta');
    const first = calls[0];
    assert.ok(first?.type === 'tool-call-delta');
    assert.equal(first.toolCallIndex, 0);
    assert.match(first.id ?? '', /^lookup_/);
    assert.equal(first.name, 'lookup');
    assert.ok(calls.length > 2, 'arguments arrive split over several deltas');
    assert.ok(calls.slice(1).every((part) => part.type === 'tool-call-delta' && part.id === undefined && part.toolCallIndex === 0));
    const args = calls.map((part) => (part.type === 'tool-call-delta' ? part.argumentsDelta : '')).join('');
    assert.deepEqual(JSON.parse(args), { query: 'find dogs' });
    assert.equal(parts.some((part) => part.type === 'text-delta'), false, 'tool_plan is not answer text');
    assert.deepEqual(withoutLedgerUsage(parts.at(-1)), { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 2, outputTokens: 2, totalTokens: 4 } });

    const id = first.id ?? '';
    const followUp = await collect(
      provider.stream(
        {
          model: 'command-a-03-2025',
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'find dogs' }] },
            { role: 'assistant', content: null, toolCalls: [{ id, name: 'lookup', arguments: args }] },
            { role: 'tool', toolCallId: id, content: 'two dogs' },
          ],
          tools,
        },
        options(),
      ),
    );
    const sent = (mock.requests[1]?.body as { messages: unknown[] }).messages;
    assert.deepEqual(sent.slice(1), [
      { role: 'assistant', tool_calls: [{ id, type: 'function', function: { name: 'lookup', arguments: args } }] },
      { role: 'tool', tool_call_id: id, content: 'two dogs' },
    ]);
    const text = followUp.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    assert.equal(text, 'Echo: two dogs');
    assert.equal(followUp.at(-1)?.type, 'finish');
  });

  test('an in-stream failure (message-end ERROR) yields an error part and nothing after it', async () => {
    mock.failNextStream({ afterChunks: 2 });
    const parts = await collect(provider.stream(ask('one two three four'), options()));
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'text-delta', 'text-delta', 'error'],
    );
    const last = parts.at(-1);
    assert.ok(last?.type === 'error');
    assert.ok(last.error instanceof ProviderError);
    assert.equal(last.error.code, 'provider_error');
    assert.equal(last.error.upstreamCode, 'ERROR');
    assert.equal(last.error.isRetryable, true);
    assert.match(last.error.message, /Provider 'cohere' ended the stream with ERROR: internal server error/);
  });

  test('an HTTP error before streaming is thrown from the first next()', async () => {
    mock.failNext({ status: 429, headers: { 'retry-after': '3' } });
    const iterator = provider.stream(ask('hi'), options())[Symbol.asyncIterator]();
    await assert.rejects(iterator.next(), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.status, 429);
      assert.equal(error.retryAfter, 3);
      return true;
    });
    assert.equal(mock.requests.length, 1);
  });

  test('a consumer that stops early aborts the upstream request', async () => {
    mock.hangNextStream({ afterChunks: 1 });
    const seen: StreamPart[] = [];
    for await (const part of provider.stream(ask('never ending story'), options())) {
      seen.push(part);
      if (part.type === 'text-delta') break;
    }
    assert.deepEqual(
      seen.map((part) => part.type),
      ['stream-start', 'text-delta'],
    );
    await waitFor(() => mock.requests[0]?.aborted === true);
  });

  test('aborting options.signal rejects the pending next() and aborts upstream', async () => {
    mock.hangNextStream({ afterChunks: 1 });
    const controller = new AbortController();
    const iterator = provider.stream(ask('never ending story'), options(controller.signal))[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.type, 'stream-start');
    assert.equal((await iterator.next()).value?.type, 'text-delta');
    const pending = iterator.next();
    controller.abort(new Error('client went away'));
    await assert.rejects(pending, /client went away/);
    await waitFor(() => mock.requests[0]?.aborted === true);
  });

  test('a stream read to [DONE] keeps its connection for the next call; one stopped early is aborted', async () => {
    const counting = countingAgent();
    const counted = CohereProviderClass.create(
      { name: 'cohere', baseUrl: mock.baseUrl, authHeaderName: 'Authorization', authHeaderPrefix: 'Bearer', config: {}, requestTemplate: null },
      { ...deps, dispatcher: counting.agent },
    );
    try {
      await assertConnectionContract(mock, counting, () => counted.stream(ask('never ending story'), options()));
    } finally {
      await counting.agent.close();
    }
  });
});
