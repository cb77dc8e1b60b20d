import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startCohereMock, type CohereMock } from '../../../test/mock-vendors/cohere.js';
import { SwitchboardError } from '../../errors.js';
import type { ProviderSettings } from '../provider-class.js';
import { defaultProviderDeps, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, Provider } from '../spec/index.js';
import { CohereProviderClass, cohereDefaults } from './index.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

const now = 1_750_000_000_000;
let mock: CohereMock;
let deps: ProviderDeps;
let provider: Provider;

function settingsFor(baseUrl: string): ProviderSettings {
  return {
    name: 'cohere',
    baseUrl,
    authHeaderName: cohereDefaults.authHeaderName ?? '',
    authHeaderPrefix: cohereDefaults.authHeaderPrefix ?? '',
    config: {},
    requestTemplate: null,
  };
}
const options = (apiKey = 'test-key'): CallOptions => ({ signal: new AbortController().signal, credential: { apiKey } });
const lastBody = (): Record<string, unknown> => mock.requests.at(-1)?.body as Record<string, unknown>;

before(async () => {
  mock = await startCohereMock({ apiKeys: ['test-key'] });
  deps = { ...defaultProviderDeps(), now: () => now };
  provider = CohereProviderClass.create(settingsFor(mock.baseUrl), deps);
});
after(async () => {
  await mock.close();
  await deps.dispatcher.close();
});
beforeEach(() => {
  mock.requests.length = 0;
});

describe('CohereProvider.chat', () => {
  test('plain text: sends exactly the v2 body and returns the echo with usage', async () => {
    const response = await provider.chat(
      { model: 'command-a-03-2025', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello world' }] }], user: 'end-user-1' },
      options(),
    );
    const request = mock.requests[0];
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, '/v2/chat');
    assert.equal(request?.headers.authorization, 'Bearer test-key');
    // `user` is dropped: Cohere answers 422 to unknown fields.
    assert.deepEqual(request?.body, { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hello world' }] });
    assert.equal(response.model, 'command-a-03-2025');
    assert.equal(response.created, now / 1000);
    assert.match(response.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(response.choices, [{ index: 0, content: 'Echo: hello world', toolCalls: [], finishReason: 'stop' }]);
    assert.deepEqual(withoutLedgerUsage(response.usage), { inputTokens: 2, outputTokens: 3, totalTokens: 5 });
  });

  test('system and developer messages become system-role messages; cached tokens are reported', async () => {
    const response = await provider.chat(
      {
        model: 'command-a-03-2025',
        messages: [
          { role: 'system', content: 'Be brief and cache this.' },
          { role: 'developer', content: 'Answer in English.' },
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        ],
      },
      options(),
    );
    assert.deepEqual(lastBody()['messages'], [
      { role: 'system', content: 'Be brief and cache this.' },
      { role: 'system', content: 'Answer in English.' },
      { role: 'user', content: 'hi' },
    ]);
    assert.equal(response.choices[0]?.content, 'Echo: hi');
    assert.deepEqual(withoutLedgerUsage(response.usage), { inputTokens: 9, outputTokens: 2, totalTokens: 11, cachedInputTokens: 3 });
  });

  test('multi-turn history keeps roles and order', async () => {
    const response = await provider.chat(
      {
        model: 'command-a-03-2025',
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'first question' }] },
          { role: 'assistant', content: 'first answer' },
          { role: 'user', content: [{ type: 'text', text: 'second question' }] },
        ],
      },
      options(),
    );
    assert.deepEqual(lastBody()['messages'], [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' },
    ]);
    assert.equal(response.choices[0]?.content, 'Echo: second question');
    assert.equal(response.usage.inputTokens, 6);
  });

  test('tool call and tool result round trip', async () => {
    const tools = [
      { name: 'lookup', description: 'Search', parameters: { type: 'object', properties: { query: { type: 'string' } } }, strict: true },
    ];
    const first = await provider.chat(
      { model: 'command-a-03-2025', messages: [{ role: 'user', content: [{ type: 'text', text: 'find cats' }] }], tools, toolChoice: 'required' },
      options(),
    );
    const sent = lastBody();
    // `strict` is not a Cohere tool field (422); all-strict tools become `strict_tools`.
    assert.deepEqual(sent['tools'], [
      { type: 'function', function: { name: 'lookup', description: 'Search', parameters: tools[0]?.parameters } },
    ]);
    assert.equal(sent['strict_tools'], true);
    assert.equal(sent['tool_choice'], 'REQUIRED');
    const choice = first.choices[0];
    assert.equal(choice?.finishReason, 'tool_calls');
    assert.equal(choice?.content, null);
    const call = choice?.toolCalls[0];
    assert.ok(call);
    assert.match(call.id, /^lookup_/);
    assert.equal(call.name, 'lookup');
    assert.deepEqual(JSON.parse(call.arguments), { query: 'find cats' });

    const second = await provider.chat(
      {
        model: 'command-a-03-2025',
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'find cats' }] },
          { role: 'assistant', content: 'Searching.', toolCalls: [call] },
          { role: 'tool', toolCallId: call.id, content: 'three cats found' },
        ],
        tools,
      },
      options(),
    );
    assert.deepEqual((lastBody()['messages'] as unknown[]).slice(1), [
      {
        role: 'assistant',
        tool_plan: 'Searching.',
        tool_calls: [{ id: call.id, type: 'function', function: { name: 'lookup', arguments: call.arguments } }],
      },
      { role: 'tool', tool_call_id: call.id, content: 'three cats found' },
    ]);
    assert.equal(lastBody()['tool_choice'], undefined);
    assert.equal(second.choices[0]?.content, 'Echo: three cats found');
    assert.equal(second.choices[0]?.finishReason, 'stop');
  });

  test('tool_choice none is sent as NONE and the model answers in text', async () => {
    const response = await provider.chat(
      {
        model: 'command-a-03-2025',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'no tools please' }] }],
        tools: [{ name: 'lookup' }],
        toolChoice: 'none',
      },
      options(),
    );
    assert.equal(lastBody()['tool_choice'], 'NONE');
    assert.deepEqual(lastBody()['tools'], [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }]);
    assert.equal(response.choices[0]?.content, 'Echo: no tools please');
  });

  test('stop sequences cut the answer and finish as stop', async () => {
    const response = await provider.chat(
      { model: 'command-a-03-2025', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello big world' }] }], stop: ['world'] },
      options(),
    );
    assert.deepEqual(lastBody()['stop_sequences'], ['world']);
    assert.equal(response.choices[0]?.content, 'Echo: hello big ');
    assert.equal(response.choices[0]?.finishReason, 'stop');
  });

  test('sampling options map to Cohere names; max tokens cuts with finish length', async () => {
    const response = await provider.chat(
      {
        model: 'command-a-03-2025',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'one two three four' }] }],
        maxTokens: 2,
        temperature: 0.3,
        topP: 0.9,
        seed: 7,
        frequencyPenalty: 0.1,
        presencePenalty: 0.2,
        parallelToolCalls: false,
        responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
      },
      options(),
    );
    const { model: _model, messages: _messages, ...rest } = lastBody();
    assert.deepEqual(rest, {
      max_tokens: 2,
      temperature: 0.3,
      p: 0.9,
      seed: 7,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      response_format: { type: 'json_object', json_schema: { type: 'object' } },
    });
    assert.equal(response.choices[0]?.content, 'Echo: one');
    assert.equal(response.choices[0]?.finishReason, 'length');
    assert.equal(response.usage.outputTokens, 2);
  });

  test('images are sent as image_url content parts', async () => {
    const url = 'data:image/png;base64,iVBORw0KGgo=';
    const response = await provider.chat(
      {
        model: 'command-a-vision-07-2025',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image', url, detail: 'low' }] }],
      },
      options(),
    );
    assert.deepEqual(lastBody()['messages'], [
      { role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url, detail: 'low' } }] },
    ]);
    assert.equal(response.choices[0]?.content, 'Echo: what is this [image:image/png]');
  });

  test('n > 1 and a named tool choice are unsupported and never reach Cohere', async () => {
    const base = { model: 'command-a-03-2025', messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'x' }] }] };
    await assert.rejects(provider.chat({ ...base, n: 2 }, options()), (error: unknown) => {
      assert.ok(SwitchboardError.isInstance(error));
      assert.equal(error.code, 'unsupported_feature');
      assert.equal(error.param, 'n');
      return true;
    });
    await assert.rejects(provider.chat({ ...base, tools: [{ name: 'lookup' }], toolChoice: { name: 'lookup' } }, options()), (error: unknown) => {
      assert.ok(SwitchboardError.isInstance(error));
      assert.equal(error.code, 'unsupported_feature');
      assert.equal(error.param, 'tool_choice');
      return true;
    });
    assert.equal(mock.requests.length, 0);
  });

  test('credential baseUrl and headers override the row', async () => {
    const elsewhere = CohereProviderClass.create(settingsFor('http://127.0.0.1:9/v2'), deps);
    const response = await elsewhere.chat(
      { model: 'command-a-03-2025', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      {
        signal: new AbortController().signal,
        credential: { apiKey: 'test-key', baseUrl: mock.baseUrl, headers: { 'x-client-name': 'switchboard' } },
        headers: { 'x-request-id': 'req-1' },
      },
    );
    assert.equal(response.choices[0]?.content, 'Echo: hi');
    assert.equal(mock.requests[0]?.headers['x-client-name'], 'switchboard');
    assert.equal(mock.requests[0]?.headers['x-request-id'], 'req-1');
  });
});

describe('the seed row (provider_class only)', () => {
  test('class defaults describe Cohere v2', () => {
    assert.equal(CohereProviderClass.className, 'CohereProvider');
    assert.deepEqual(CohereProviderClass.defaults, {
      baseUrl: 'https://api.cohere.com/v2',
      requiredEnvVars: ['COHERE_API_KEY'],
      authHeaderName: 'Authorization',
      authHeaderPrefix: 'Bearer',
      features: { streaming: true, tools: true, json_mode: true, embeddings: true, vision: false },
      maxBatchSize: 96,
    });
  });

  test('a provider built from the class defaults alone works against the v2 API', async () => {
    const defaults = CohereProviderClass.defaults;
    const path = new URL(defaults.baseUrl ?? '').pathname; // '/v2': only the host is swapped for the mock's
    const seeded = CohereProviderClass.create(
      {
        name: 'cohere',
        baseUrl: mock.origin + path,
        authHeaderName: defaults.authHeaderName ?? '',
        authHeaderPrefix: defaults.authHeaderPrefix ?? '',
        config: {},
        requestTemplate: null,
      },
      deps,
    );
    assert.equal(seeded.name, 'cohere');
    const chat = await seeded.chat({ model: 'command-a-03-2025', messages: [{ role: 'user', content: [{ type: 'text', text: 'seeded' }] }] }, options());
    assert.equal(chat.choices[0]?.content, 'Echo: seeded');
    const embedded = await seeded.embed?.({ model: 'embed-v4.0', input: ['seeded'] }, options());
    assert.equal(embedded?.embeddings[0]?.length, 8);
    assert.deepEqual(
      mock.requests.map((request) => [request.url, request.headers.authorization]),
      [
        ['/v2/chat', 'Bearer test-key'],
        ['/v2/embed', 'Bearer test-key'],
      ],
    );
  });

  test('a bad config.timeouts is a row error', () => {
    assert.throws(
      () => CohereProviderClass.create({ ...settingsFor(mock.baseUrl), config: { timeouts: { idle_ms: -1 } } }, deps),
      (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'config_row_invalid',
    );
  });
});
