import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { ProviderError } from '../../errors.js';
import { startOpenAIMock, type OpenAIMock } from '../../../test/mock-vendors/openai.js';
import type { ProviderSettings } from '../provider-class.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, Credential, Provider, StreamPart } from '../spec/index.js';
import { CustomProviderClass } from './index.js';

const deps: ProviderDeps = { dispatcher: new Agent(), now: () => 1_767_225_600_000, randomId: () => 'rnd1' };
const request: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }] };
const call = (credential: Credential): CallOptions => ({ signal: new AbortController().signal, credential });

function settings(overrides: Partial<ProviderSettings>): ProviderSettings {
  return {
    name: 'custom-llm',
    baseUrl: 'http://127.0.0.1:9/v1',
    authHeaderName: 'Authorization',
    authHeaderPrefix: 'Bearer',
    config: {},
    requestTemplate: null,
    ...overrides,
  };
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const result: StreamPart[] = [];
  for await (const part of parts) result.push(part);
  return result;
}

after(() => deps.dispatcher.close());

describe('CustomProvider, Azure-style row (api-key header, no prefix, static headers, query)', () => {
  let mock: OpenAIMock;
  let provider: Provider;
  before(async () => {
    mock = await startOpenAIMock({
      apiKeys: ['azure-key-0123456789'],
      authHeaderName: 'api-key',
      authHeaderPrefix: '',
      pathPrefix: '/openai/deployments/gpt4o',
      requireQuery: { 'api-version': '2024-10-21' },
    });
    provider = CustomProviderClass.create(
      settings({
        name: 'azure',
        baseUrl: mock.baseUrl,
        authHeaderName: 'api-key',
        authHeaderPrefix: '',
        config: { headers: { 'X-Team': 'search' }, query: { 'api-version': '2024-10-21' }, max_tokens_field: 'max_completion_tokens' },
      }),
      deps,
    );
  });
  afterEach(() => void mock.requests.splice(0));
  after(() => mock.close());

  test('chat sends the key bare in api-key, the static header and the query param', async () => {
    const response = await provider.chat({ ...request, maxTokens: 20 }, call({ apiKey: 'azure-key-0123456789' }));
    const recorded = mock.requests[0];
    assert.equal(recorded?.url, '/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21');
    assert.equal(recorded?.headers['api-key'], 'azure-key-0123456789');
    assert.equal(recorded?.headers.authorization, undefined);
    assert.equal(recorded?.headers['x-team'], 'search');
    assert.equal((recorded?.body as Record<string, unknown>)['max_completion_tokens'], 20);
    assert.equal(response.choices[0]?.content, 'Echo: hello there');
  });

  test('stream and embeddings go through the same URL rules', async () => {
    const parts = await collect(provider.stream(request, call({ apiKey: 'azure-key-0123456789' })));
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'text-delta', 'text-delta', 'text-delta', 'finish'],
    );
    const embedded = await provider.embed!({ model: 'emb', input: ['a'] }, call({ apiKey: 'azure-key-0123456789' }));
    assert.equal(embedded.embeddings[0]?.length, 8);
    assert.deepEqual(
      mock.requests.map((recorded) => recorded.url),
      [
        '/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21',
        '/openai/deployments/gpt4o/embeddings?api-version=2024-10-21',
      ],
    );
  });

  test('a wrong key is authentication_failed without the key in the message', async () => {
    await assert.rejects(provider.chat(request, call({ apiKey: 'azure-wrong-9876543210' })), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'authentication_failed');
      assert.equal(error.provider, 'azure');
      assert.ok(!error.message.includes('azure-wrong') && !error.message.includes('azure***'), error.message);
      return true;
    });
  });

  test('a row without the query param gets the server 404 as not_found', async () => {
    const withoutQuery = CustomProviderClass.create(
      settings({ baseUrl: mock.baseUrl, authHeaderName: 'api-key', authHeaderPrefix: '' }),
      deps,
    );
    await assert.rejects(withoutQuery.chat(request, call({ apiKey: 'azure-key-0123456789' })), { code: 'not_found', status: 404 });
    assert.equal(mock.requests[0]?.url, '/openai/deployments/gpt4o/chat/completions');
  });
});

describe('CustomProvider without a key (a local server)', () => {
  let mock: OpenAIMock;
  before(async () => {
    mock = await startOpenAIMock({ apiKeys: [] });
  });
  after(() => mock.close());

  test('sends no auth header when the credential has no key; the limit goes out as max_tokens', async () => {
    const provider = CustomProviderClass.create(settings({ name: 'ollama', baseUrl: mock.baseUrl }), deps);
    const response = await provider.chat({ ...request, maxTokens: 64 }, call({}));
    assert.equal(response.choices[0]?.content, 'Echo: hello there');
    assert.equal(mock.requests[0]?.headers.authorization, undefined);
    assert.deepEqual(mock.requests[0]?.body, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 64 });
  });
});

describe('CustomProvider row validation at create()', () => {
  const rejects = (overrides: Partial<ProviderSettings>, param: string, message: RegExp) =>
    assert.throws(() => CustomProviderClass.create(settings(overrides), deps), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'config_row_invalid');
      assert.equal((error as { param?: string }).param, param);
      assert.match((error as Error).message, message);
      return true;
    });

  test('a row without api_base_url is rejected', () => {
    rejects({ baseUrl: '' }, 'api_base_url', /needs an api_base_url/);
    rejects({ baseUrl: 'ftp://files.example.com' }, 'api_base_url', /http\(s\)/);
  });

  test('bad config fields are named', () => {
    rejects({ config: { headers: { 'bad header': 'x' } } }, 'config.headers.bad header', /header name/);
    rejects({ config: { headers: { 'x-ok': 'a\r\nb' } } }, 'config.headers.x-ok', /line breaks/);
    rejects({ config: { query: { 'api-version': { nested: true } } } }, 'config.query.api-version', /invalid/i);
    rejects({ config: { max_tokens_field: 'tokens' } }, 'config.max_tokens_field', /invalid/i);
    rejects({ config: { timeouts: { first_byte_ms: 'soon' } } }, 'config.timeouts.first_byte_ms', /invalid/i);
  });

  test('class defaults: Bearer on Authorization, no base URL, no required env vars', () => {
    assert.equal(CustomProviderClass.className, 'CustomProvider');
    assert.equal(CustomProviderClass.defaults.baseUrl, undefined);
    assert.equal(CustomProviderClass.defaults.authHeaderName, 'Authorization');
    assert.equal(CustomProviderClass.defaults.authHeaderPrefix, 'Bearer');
  });
});
