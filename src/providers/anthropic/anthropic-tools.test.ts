import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startAnthropicMock, type AnthropicMock } from '../../../test/mock-vendors/anthropic.js';
import { defaultProviderDeps, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatMessage, ChatRequest, StreamPart, ToolDefinition } from '../spec/index.js';
import { AnthropicProviderClass } from './anthropic-provider.js';

let mock: AnthropicMock;
let deps: ProviderDeps;

beforeEach(async () => {
  mock = await startAnthropicMock();
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

function callOptions(): CallOptions {
  return { signal: new AbortController().signal, credential: { apiKey: 'test-key' } };
}

function sentBody(index: number): Record<string, unknown> {
  return mock.requests[index]?.body as Record<string, unknown>;
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const result: StreamPart[] = [];
  for await (const part of parts) result.push(part);
  return result;
}

const lookup: ToolDefinition = {
  name: 'lookup',
  description: 'Looks things up',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  strict: true,
};
const clock: ToolDefinition = { name: 'get_time' };

describe('AnthropicProvider tools', () => {
  test('tool call and tool result round trip (non-streaming)', async () => {
    const provider = createProvider();
    const question: ChatMessage = { role: 'user', content: [{ type: 'text', text: 'weather in Paris' }] };
    const first = await provider.chat(
      { model: 'claude-test-1', messages: [question], tools: [lookup, clock], toolChoice: 'required', parallelToolCalls: false },
      callOptions(),
    );
    assert.deepEqual(sentBody(0)['tools'], [
      { name: 'lookup', description: 'Looks things up', input_schema: lookup.parameters },
      { name: 'get_time', input_schema: { type: 'object', properties: {} } },
    ]);
    assert.deepEqual(sentBody(0)['tool_choice'], { type: 'any', disable_parallel_tool_use: true });
    assert.deepEqual(first.choices[0], {
      index: 0,
      content: null,
      toolCalls: [{ id: 'toolu_mock_1', name: 'lookup', arguments: '{"query":"weather in Paris"}' }],
      finishReason: 'tool_calls',
    });

    // Two results of one turn, then a user follow-up: one user message, tool results first.
    const call = first.choices[0]?.toolCalls[0];
    assert.ok(call);
    const second = await provider.chat(
      {
        model: 'claude-test-1',
        tools: [lookup, clock],
        messages: [
          question,
          { role: 'assistant', content: null, toolCalls: [call, { id: 'toolu_extra', name: 'get_time', arguments: '' }] },
          { role: 'tool', toolCallId: call.id, content: 'sunny' },
          { role: 'tool', toolCallId: 'toolu_extra', content: 'noon' },
          { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
        ],
        toolChoice: 'none',
      },
      callOptions(),
    );
    assert.deepEqual(sentBody(1)['messages'], [
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_mock_1', name: 'lookup', input: { query: 'weather in Paris' } },
          { type: 'tool_use', id: 'toolu_extra', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_mock_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'toolu_extra', content: 'noon' },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
    assert.deepEqual(sentBody(1)['tool_choice'], { type: 'none' });
    assert.equal(second.choices[0]?.content, 'Echo: noon');
    assert.equal(second.choices[0]?.finishReason, 'stop');
  });

  test('tool choice: auto, a named tool, and none (which turns off parallel-call hints)', async () => {
    const provider = createProvider();
    const base: ChatRequest = {
      model: 'claude-test-1',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what time' }] }],
      tools: [lookup, clock],
    };
    const auto = await provider.chat({ ...base, toolChoice: 'auto' }, callOptions());
    assert.deepEqual(sentBody(0)['tool_choice'], { type: 'auto' });
    assert.equal(auto.choices[0]?.toolCalls[0]?.name, 'lookup');

    const named = await provider.chat({ ...base, toolChoice: { name: 'get_time' }, parallelToolCalls: false }, callOptions());
    assert.deepEqual(sentBody(1)['tool_choice'], { type: 'tool', name: 'get_time', disable_parallel_tool_use: true });
    assert.equal(named.choices[0]?.toolCalls[0]?.name, 'get_time');

    const none = await provider.chat({ ...base, toolChoice: 'none', parallelToolCalls: false }, callOptions());
    assert.deepEqual(sentBody(2)['tool_choice'], { type: 'none' });
    assert.equal(none.choices[0]?.content, 'Echo: what time');

    const parallelOnly = await provider.chat({ ...base, parallelToolCalls: false }, callOptions());
    assert.deepEqual(sentBody(3)['tool_choice'], { type: 'auto', disable_parallel_tool_use: true });
    assert.equal(parallelOnly.choices[0]?.finishReason, 'tool_calls');

    await provider.chat({ ...base, tools: [], toolChoice: 'required' }, callOptions());
    assert.equal('tools' in sentBody(4), false);
    assert.equal('tool_choice' in sentBody(4), false);
  });

  test('streaming tool call: id and name first, then input_json_delta fragments', async () => {
    const parts = await collect(
      createProvider().stream(
        { model: 'claude-test-1', messages: [{ role: 'user', content: [{ type: 'text', text: 'weather in Paris' }] }], tools: [lookup] },
        callOptions(),
      ),
    );
    assert.equal(sentBody(0)['stream'], true);
    assert.equal(parts[0]?.type, 'stream-start');
    const deltas = parts.filter((part) => part.type === 'tool-call-delta');
    assert.deepEqual(deltas[0], { type: 'tool-call-delta', toolCallIndex: 0, id: 'toolu_mock_1', name: 'lookup', argumentsDelta: '' });
    // The mock splits the input JSON in two non-empty fragments after an empty one (skipped).
    assert.equal(deltas.length, 3);
    assert.ok(deltas.slice(1).every((part) => part.toolCallIndex === 0 && part.id === undefined && part.argumentsDelta !== ''));
    assert.deepEqual(JSON.parse(deltas.map((part) => part.argumentsDelta).join('')), { query: 'weather in Paris' });
    assert.deepEqual(parts.at(-1), {
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { inputTokens: 3, outputTokens: 3, totalTokens: 6, cachedInputTokens: 0, cacheCreationInputTokens: 0 },
    });
  });

  test('a recorded stream with thinking, text and two tool calls maps to ordered parts', async () => {
    const sse = await readFile(new URL('../../../test/fixtures/anthropic/stream-thinking-tool-use.chunks.txt', import.meta.url), 'utf8');
    mock.replayNext({ sse });
    const parts = await collect(
      createProvider().stream(
        { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: [{ type: 'text', text: 'weather?' }] }], tools: [lookup, clock] },
        callOptions(),
      ),
    );
    assert.deepEqual(parts, [
      { type: 'stream-start', id: 'msg_014p7gG3wDgGV9EUtLvnow3U', model: 'claude-sonnet-4-6', created: parts[0]?.type === 'stream-start' ? parts[0].created : 0 },
      { type: 'reasoning-delta', index: 0, text: 'I need the weather tool.' },
      { type: 'reasoning-delta', index: 0, signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
      { type: 'text-delta', text: 'Checking' },
      { type: 'text-delta', text: ' now.' },
      { type: 'tool-call-delta', toolCallIndex: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', argumentsDelta: '' },
      { type: 'tool-call-delta', toolCallIndex: 0, argumentsDelta: '{"location": "San Fra' },
      { type: 'tool-call-delta', toolCallIndex: 0, argumentsDelta: 'ncisco, CA"}' },
      { type: 'tool-call-delta', toolCallIndex: 1, id: 'toolu_01NoArgs00000000000000', name: 'get_time', argumentsDelta: '' },
      { type: 'tool-call-delta', toolCallIndex: 1, argumentsDelta: '{}' },
      {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 1972, outputTokens: 89, totalTokens: 2061, cachedInputTokens: 1500, cacheCreationInputTokens: 0 },
      },
    ]);
  });
});
