import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SwitchboardError } from '../../errors.js';
import { startAnthropicMock, type AnthropicMock } from '../../../test/mock-vendors/anthropic.js';
import type { ProviderSettings } from '../provider-class.js';
import { defaultProviderDeps, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions } from '../spec/index.js';
import { AnthropicProviderClass } from './anthropic-provider.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

let mock: AnthropicMock;
let deps: ProviderDeps;

beforeEach(async () => {
  mock = await startAnthropicMock({ apiKeys: ['test-key'] });
  deps = { ...defaultProviderDeps(), now: () => 1_700_000_000_500 };
});
afterEach(async () => {
  await mock.close();
  await deps.dispatcher.close();
});

function createProvider(config: Record<string, unknown> = {}, overrides: Partial<ProviderSettings> = {}) {
  return AnthropicProviderClass.create(
    { name: 'anthropic', baseUrl: mock.baseUrl, authHeaderName: 'x-api-key', authHeaderPrefix: '', config, requestTemplate: null, ...overrides },
    deps,
  );
}

function callOptions(extra: Partial<CallOptions> = {}): CallOptions {
  return { signal: new AbortController().signal, credential: { apiKey: 'test-key' }, ...extra };
}

function sentBody(index = 0): Record<string, unknown> {
  return mock.requests[index]?.body as Record<string, unknown>;
}

describe('AnthropicProvider chat', () => {
  test('plain text: sends a valid Messages request and maps the answer', async () => {
    const response = await createProvider().chat(
      // seed and penalties are dropped (the mock rejects unknown keys with a 400).
      { model: 'claude-test-1', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }], seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.1 },
      callOptions(),
    );

    const request = mock.requests[0];
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, '/v1/messages');
    assert.equal(request?.headers['x-api-key'], 'test-key');
    assert.equal(request?.headers['anthropic-version'], '2023-06-01');
    assert.equal(request?.headers['authorization'], undefined);
    assert.deepEqual(sentBody(), {
      model: 'claude-test-1',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
    });
    assert.deepEqual(withoutLedgerUsage(response), {
      id: 'msg_mock_1',
      model: 'claude-test-1',
      created: 1_700_000_000,
      choices: [{ index: 0, content: 'Echo: hello there', toolCalls: [], finishReason: 'stop' }],
      usage: { inputTokens: 2, outputTokens: 3, totalTokens: 5 },
    });
  });

  test('system and developer messages become the top-level system prompt', async () => {
    const response = await createProvider().chat(
      {
        model: 'claude-test-1',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          { role: 'developer', content: 'Answer in English.' },
        ],
      },
      callOptions(),
    );
    assert.equal(sentBody()['system'], 'Be brief.\n\nAnswer in English.');
    assert.deepEqual(sentBody()['messages'], [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    assert.equal(response.choices[0]?.content, 'Echo: hi');
    assert.equal(response.usage.inputTokens, 6); // 2 + 3 system words + 1 user word
  });

  test('multi-turn: consecutive same-role turns are merged, empty assistant turns dropped', async () => {
    const response = await createProvider().chat(
      {
        model: 'claude-test-1',
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'first' }] },
          { role: 'user', content: [{ type: 'text', text: 'second' }, { type: 'text', text: '' }] },
          { role: 'assistant', content: 'reply one' },
          { role: 'assistant', content: null },
          { role: 'assistant', content: 'reply two' },
          { role: 'user', content: [{ type: 'text', text: 'third' }], name: 'ann' },
        ],
      },
      callOptions(),
    );
    assert.deepEqual(sentBody()['messages'], [
      { role: 'user', content: [{ type: 'text', text: 'first' }, { type: 'text', text: 'second' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'reply one' }, { type: 'text', text: 'reply two' }] },
      { role: 'user', content: [{ type: 'text', text: 'third' }] },
    ]);
    assert.equal(response.choices[0]?.content, 'Echo: third');
  });

  test('images: data URLs become base64 sources, http(s) URLs url sources', async () => {
    const response = await createProvider().chat(
      {
        model: 'claude-test-1',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this' },
              { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' },
              { type: 'image', url: 'https://example.com/cat.jpg' },
            ],
          },
        ],
      },
      callOptions(),
    );
    assert.deepEqual(sentBody()['messages'], [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
    assert.equal(response.choices[0]?.content, 'Echo: what is this [image:image/png] [image:https://example.com/cat.jpg]');
  });

  test('an image URL that is neither http(s) nor data is an invalid_request before any call', async () => {
    await assert.rejects(
      createProvider().chat(
        { model: 'claude-test-1', messages: [{ role: 'user', content: [{ type: 'image', url: 'ftp://example.com/a.png' }] }] },
        callOptions(),
      ),
      (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'invalid_request' && error.param === 'messages',
    );
    assert.equal(mock.requests.length, 0);
  });

  test('stop sequences: whitespace-only ones are not sent (the service enforces them), a hit maps to finish stop', async () => {
    const response = await createProvider().chat(
      { model: 'claude-test-1', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello world again' }] }], stop: ['world', '  ', '\n'] },
      callOptions(),
    );
    assert.deepEqual(sentBody()['stop_sequences'], ['world']);
    assert.equal(response.choices[0]?.content, 'Echo: hello ');
    assert.equal(response.choices[0]?.finishReason, 'stop');
  });

  test('max_tokens: the model row default applies when the request sets none, and length maps', async () => {
    const provider = createProvider();
    const request = { model: 'claude-test-1', messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'one two three' }] }] };
    const limited = await provider.chat(request, callOptions({ model: { maxOutputTokens: 2 } }));
    assert.equal(sentBody(0)['max_tokens'], 2);
    assert.equal(limited.choices[0]?.content, 'Echo: one');
    assert.equal(limited.choices[0]?.finishReason, 'length');

    const explicit = await provider.chat({ ...request, maxTokens: 100 }, callOptions({ model: { maxOutputTokens: 2 } }));
    assert.equal(sentBody(1)['max_tokens'], 100);
    assert.equal(explicit.choices[0]?.finishReason, 'stop');
  });

  test('version 2026-10-21 drops temperature and top_p; 2023-06-01 sends them', async () => {
    const request = {
      model: 'claude-test-1',
      messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }],
      temperature: 0.3,
      topP: 0.9,
    };
    const modern = await createProvider({ anthropic_version: '2026-10-21' }).chat(request, callOptions());
    assert.equal(mock.requests[0]?.headers['anthropic-version'], '2026-10-21');
    assert.equal('temperature' in sentBody(0), false);
    assert.equal('top_p' in sentBody(0), false);
    assert.equal(modern.choices[0]?.content, 'Echo: hi');

    await createProvider().chat(request, callOptions());
    assert.equal(mock.requests[1]?.headers['anthropic-version'], '2023-06-01');
    assert.equal(sentBody(1)['temperature'], 0.3);
    assert.equal(sentBody(1)['top_p'], 0.9);
  });

  test('usage: cache reads and writes are added to input tokens and reported apart', async () => {
    const response = await createProvider().chat(
      {
        model: 'claude-test-1',
        messages: [
          { role: 'system', content: 'use the cache-write path' },
          { role: 'user', content: [{ type: 'text', text: 'hello' }] },
        ],
      },
      callOptions(),
    );
    // The mock saw 5 input words: 3 read from cache, 2 written, so it reports input_tokens 0.
    assert.deepEqual(withoutLedgerUsage(response.usage), {
      inputTokens: 5,
      outputTokens: 2,
      totalTokens: 7,
      cachedInputTokens: 3,
      cacheCreationInputTokens: 2,
    });
  });

  test('row and credential settings: Bearer auth, base URL override, beta flags, extra headers, user id', async () => {
    const provider = createProvider(
      { anthropic_beta: ['prompt-caching-2024-07-31', 'files-api-2025-04-14'] },
      { authHeaderName: 'Authorization', authHeaderPrefix: 'Bearer', baseUrl: 'http://127.0.0.1:9/v1' },
    );
    await provider.chat(
      { model: 'claude-test-1', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], user: 'user-42' },
      callOptions({
        credential: { apiKey: 'test-key', baseUrl: mock.baseUrl, headers: { 'anthropic-workspace-id': 'ws_1' } },
        headers: { 'x-trace-id': 'trace-1' },
      }),
    );
    const headers = mock.requests[0]?.headers;
    assert.equal(headers?.['authorization'], 'Bearer test-key');
    assert.equal(headers?.['x-api-key'], undefined);
    assert.equal(headers?.['anthropic-beta'], 'prompt-caching-2024-07-31,files-api-2025-04-14');
    assert.equal(headers?.['anthropic-workspace-id'], 'ws_1');
    assert.equal(headers?.['x-trace-id'], 'trace-1');
    assert.deepEqual(sentBody()['metadata'], { user_id: 'user-42' });
  });

  test('a recorded Message with thinking and tool_use blocks maps reasoning (with its signature), text, calls and cache usage', async () => {
    const fixture: unknown = JSON.parse(await readFile(new URL('../../../test/fixtures/anthropic/message-thinking-tool-use.json', import.meta.url), 'utf8'));
    mock.replayNext({ json: fixture });
    const response = await createProvider().chat(
      { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: [{ type: 'text', text: 'weather in Paris?' }] }] },
      callOptions(),
    );
    assert.equal(mock.requests.length, 1);
    assert.deepEqual(response.choices[0], {
      index: 0,
      content: 'Let me check the weather.',
      toolCalls: [{ id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' }],
      finishReason: 'tool_calls',      reasoning: [
        { text: 'The user wants the weather in Paris; I should call the tool.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds', origin: 'anthropic' },
      ],
    });
    assert.deepEqual(withoutLedgerUsage(response.usage), {
      inputTokens: 412 + 1024 + 2048,
      outputTokens: 96,
      totalTokens: 412 + 1024 + 2048 + 96,
      cachedInputTokens: 2048,
      cacheCreationInputTokens: 1024,
    });
  });
});

describe('AnthropicProvider class', () => {
  test('declares its defaults', () => {
    assert.equal(AnthropicProviderClass.className, 'AnthropicProvider');
    assert.deepEqual(AnthropicProviderClass.defaults, {
      baseUrl: 'https://api.anthropic.com/v1',
      requiredEnvVars: ['ANTHROPIC_API_KEY'],
      authHeaderName: 'x-api-key',
      authHeaderPrefix: '',
      features: { streaming: true, tools: true, vision: true, json_mode: false, embeddings: false },
    });
    const provider = createProvider();
    assert.equal(provider.name, 'anthropic');
    assert.equal(provider.specVersion, 'v1');
    assert.equal(provider.embed, undefined);
  });

  test('rejects an unknown anthropic_version, a bad beta list and bad timeouts as config_row_invalid', () => {
    for (const config of [{ anthropic_version: '2024-01-01' }, { anthropic_beta: [3] }, { timeouts: { idle_ms: -1 } }]) {
      assert.throws(
        () => createProvider(config),
        (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'config_row_invalid' && error.message.includes("'anthropic'"),
      );
    }
  });
});
