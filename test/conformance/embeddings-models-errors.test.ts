// Embeddings (float and base64), the models list, a single model and error bodies, exactly as the
// gateway sends them, conform to OpenAI's published schema (vendored and pinned, closed objects).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SchemaValidator } from '../helpers/schema-validator.js';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { loadOpenAIValidator, requestJson, type JsonAnswer } from './openai-schema.js';

const BODY_LIMIT = 16 * 1024;

let t: TestGateway;
let openai: SchemaValidator;

before(async () => {
  [t, openai] = await Promise.all([startTestGateway({ config: { bodyLimitBytes: BODY_LIMIT } }), loadOpenAIValidator()]);
});
after(async () => {
  await t.close();
});

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', ...extra };
}

function post(path: string, body: unknown, init: { headers?: Record<string, string> } = {}): Promise<JsonAnswer> {
  return requestJson(`${t.baseURL}${path}`, { method: 'POST', headers: init.headers ?? headers(), body: typeof body === 'string' ? body : JSON.stringify(body) });
}

describe('embeddings', () => {
  for (const model of [MODELS.openaiEmbed, MODELS.googleEmbed, MODELS.cohereEmbed]) {
    it(`${model}: float conforms to CreateEmbeddingResponse`, async () => {
      const answer = await post('/embeddings', { model, input: ['one', 'two'], encoding_format: 'float' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      openai.validateAgainst('CreateEmbeddingResponse', answer.body);
      assert.equal((answer.body as { data: unknown[] }).data.length, 2);
    });

    it(`${model}: base64 conforms to the documented exception, and only to it`, async () => {
      const answer = await post('/embeddings', { model, input: 'one', encoding_format: 'base64' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      openai.validateAgainst('CreateEmbeddingResponseBase64', answer.body);
      // The exception is still needed: the published schema rejects the string OpenAI itself sends.
      assert.notDeepEqual(openai.violations('CreateEmbeddingResponse', answer.body), []);
    });
  }
});

describe('models', () => {
  it('the list conforms to ListModelsResponse', async () => {
    const answer = await requestJson(`${t.baseURL}/models`, { headers: headers() });
    assert.equal(answer.status, 200);
    openai.validateAgainst('ListModelsResponse', answer.body);
    assert.ok((answer.body as { data: unknown[] }).data.length >= 5);
  });

  it('a single model conforms to Model', async () => {
    const answer = await requestJson(`${t.baseURL}/models/${MODELS.openai}`, { headers: headers() });
    assert.equal(answer.status, 200);
    openai.validateAgainst('Model', answer.body);
  });
});

describe('error bodies conform to ErrorResponse', () => {
  const chat = { model: MODELS.openai, messages: [{ role: 'user', content: 'x' }] };

  /** Asserts the status, the JSON content type and the schema. */
  function check(answer: JsonAnswer, status: number): void {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.match(answer.contentType ?? '', /^application\/json/);
    openai.validateAgainst('ErrorResponse', answer.body);
  }

  it('400: invalid JSON, a missing field, an unsupported feature', async () => {
    check(await post('/chat/completions', '{"model":'), 400);
    check(await post('/chat/completions', { model: MODELS.openai }), 400);
    check(await post('/chat/completions', { ...chat, model: MODELS.anthropic, logprobs: true }), 400);
    check(await post('/embeddings', { model: MODELS.openaiEmbed, input: [] }), 400);
  });

  it('401: no key, an unknown key', async () => {
    check(await requestJson(`${t.baseURL}/models`), 401);
    check(await post('/chat/completions', chat, { headers: headers({ authorization: 'Bearer sb-not-a-real-key' }) }), 401);
  });

  it('404: an unknown model, an unknown route; 405: a wrong method', async () => {
    check(await post('/chat/completions', { ...chat, model: 'no-such-model' }), 404);
    check(await requestJson(`${t.baseURL}/models/no-such-model`, { headers: headers() }), 404);
    check(await post('/completions', chat), 404);
    check(await requestJson(`${t.baseURL}/chat/completions`, { headers: headers() }), 405);
  });

  it('413: a body over the limit', async () => {
    check(await post('/chat/completions', { ...chat, messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT) }] }), 413);
  });

  it('upstream 5xx and 429 keep their status in the same shape', async () => {
    t.openai.failNext({ status: 500 });
    check(await post('/chat/completions', chat), 500);
    t.anthropic.failNext({ status: 529 });
    check(await post('/chat/completions', { ...chat, model: MODELS.anthropic }), 503);
    t.google.failNext({ status: 429 });
    check(await post('/chat/completions', { ...chat, model: MODELS.google }), 429);
  });

  it('504: an upstream that does not answer in time', async () => {
    check(await post('/chat/completions', { ...chat, model: MODELS.slow }), 504);
  });
});
