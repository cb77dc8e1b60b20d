import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startGoogleMock, type GoogleMock } from '../../../test/mock-vendors/google.js';
import { ProviderError, SwitchboardError } from '../../errors.js';
import { createUpstreamAgent, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, Provider } from '../spec/index.js';
import { GoogleProviderClass } from './index.js';

let mock: GoogleMock;
let deps: ProviderDeps;
let provider: Provider;

beforeEach(async () => {
  mock = await startGoogleMock();
  deps = { dispatcher: createUpstreamAgent(), now: () => 0, randomId: () => 'x' };
  provider = GoogleProviderClass.create(
    { name: 'google', baseUrl: mock.baseUrl, authHeaderName: 'x-goog-api-key', authHeaderPrefix: '', config: {}, requestTemplate: null },
    deps,
  );
});

afterEach(async () => {
  await mock.close();
  await deps.dispatcher.close();
});

function callOptions(apiKey = 'test-key'): CallOptions {
  return { signal: new AbortController().signal, credential: { apiKey } };
}

/** The mock's vector: value[i] = ((sum of char codes + i) % 100) / 100. */
function expectedVector(text: string, dimensions: number): number[] {
  const sum = [...text].reduce((total, char) => total + char.charCodeAt(0), 0);
  return Array.from({ length: dimensions }, (_unused, index) => ((sum + index) % 100) / 100);
}

function embed(provider: Provider): NonNullable<Provider['embed']> {
  assert.ok(provider.embed);
  return provider.embed.bind(provider);
}

describe('GoogleProvider embed', () => {
  test('a batch with dimensions and task type goes to batchEmbedContents', async () => {
    const response = await embed(provider)(
      { model: 'gemini-embedding-001', input: ['alpha', 'beta'], dimensions: 4, inputType: 'search_query' },
      callOptions(),
    );
    assert.equal(mock.requests[0]?.url, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
    assert.deepEqual(mock.requests[0]?.body, {
      requests: ['alpha', 'beta'].map((text) => ({
        model: 'models/gemini-embedding-001',
        content: { parts: [{ text }] },
        taskType: 'RETRIEVAL_QUERY',
        outputDimensionality: 4,
      })),
    });
    assert.deepEqual(response, {
      model: 'gemini-embedding-001',
      embeddings: [expectedVector('alpha', 4), expectedVector('beta', 4)],
      usage: { inputTokens: 0 },
    });
  });

  test('every inputType maps to its Gemini task type; none is sent without one', async () => {
    const types = [
      ['search_document', 'RETRIEVAL_DOCUMENT'],
      ['search_query', 'RETRIEVAL_QUERY'],
      ['classification', 'CLASSIFICATION'],
      ['clustering', 'CLUSTERING'],
    ] as const;
    for (const [inputType] of types) {
      await embed(provider)({ model: 'gemini-embedding-001', input: ['x'], inputType }, callOptions());
    }
    await embed(provider)({ model: 'gemini-embedding-001', input: ['x'] }, callOptions());
    const sent = mock.requests.map((request) => (request.body as { requests: { taskType?: string }[] }).requests[0]?.taskType);
    assert.deepEqual(sent, [...types.map(([, taskType]) => taskType), undefined]);
  });

  test('a call goes whole, in one batchEmbedContents body (the service splits past 100: test/usage/ledger-embed-split)', async () => {
    const input = Array.from({ length: 100 }, (_unused, index) => `text ${index}`);
    const response = await embed(provider)({ model: 'gemini-embedding-001', input }, callOptions());
    assert.deepEqual(mock.requests.map((request) => (request.body as { requests: unknown[] }).requests.length), [100]);
    assert.equal(response.embeddings.length, 100);
    assert.deepEqual(response.embeddings[0], expectedVector('text 0', 8));
    assert.deepEqual(response.embeddings[99], expectedVector('text 99', 8));
  });

  test('errors are mapped; empty input is rejected before any call', async () => {
    await assert.rejects(
      embed(provider)({ model: 'gemini-embedding-001', input: ['x'] }, callOptions('bad-key-123')),
      (error: unknown) => error instanceof ProviderError && error.code === 'authentication_failed' && error.status === 401,
    );
    await assert.rejects(
      embed(provider)({ model: 'gemini-2.5-flash', input: ['x'] }, callOptions()),
      (error: unknown) => error instanceof ProviderError && error.code === 'not_found',
    );
    const before = mock.requests.length;
    await assert.rejects(
      embed(provider)({ model: 'gemini-embedding-001', input: [] }, callOptions()),
      (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'invalid_request' && error.param === 'input',
    );
    assert.equal(mock.requests.length, before);
  });

  test('a response with the wrong number of vectors is a 502', async () => {
    mock.failNext({ status: 200, body: { embeddings: [] } });
    await assert.rejects(
      embed(provider)({ model: 'gemini-embedding-001', input: ['x'] }, callOptions()),
      (error: unknown) => error instanceof ProviderError && error.code === 'provider_error' && error.status === 502,
    );
  });
});
