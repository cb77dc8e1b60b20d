// The bad-input battery of chat completions (gateway-errors.test.ts), repeated on /v1/messages:
// every case answers in Anthropic's error shape with the right status and type, through the
// Anthropic SDK's own error classes where it can send the request, raw HTTP where it cannot.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { generateApiKey } from '../../src/crypto/api-key.js';
import { MODELS, startTestGateway, UPSTREAM_KEYS, type TestGateway } from '../helpers/gateway.js';
import { postChunked } from '../helpers/chunked-post.js';
import { addMessagesModels, anthropicClient, messagesSchema } from '../helpers/messages-gateway.js';
import type { SchemaValidator } from '../helpers/schema-validator.js';

const BODY_LIMIT = 64 * 1024;

let t: TestGateway;
let client: Anthropic;
let schema: SchemaValidator;

before(async () => {
  t = await startTestGateway({ config: { bodyLimitBytes: BODY_LIMIT } });
  await addMessagesModels(t);
  client = anthropicClient(t);
  schema = await messagesSchema();
});
after(async () => {
  await t.close();
});

interface ErrorBody {
  type: string;
  error: { type: string; message: string };
  request_id?: string;
}

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: ErrorBody }> {
  const response = await fetch(`${t.origin}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': t.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ErrorBody };
}

/** Anthropic's error shape, with the type for the status, and no stack trace. */
function assertAnthropicShape(body: ErrorBody, status: number, type: string): void {
  schema.validateAgainst('ErrorResponse', body);
  assert.deepEqual(Object.keys(body).sort(), ['error', 'request_id', 'type']);
  assert.deepEqual(Object.keys(body.error).sort(), ['message', 'type']);
  assert.equal(body.error.type, type, `status ${status}`);
  assert.doesNotMatch(body.error.message, /\n\s+at /, 'no stack trace');
}

/** Asserts the SDK raised `kind` with this status, Anthropic error type and message. */
function sdkError(kind: new (...args: never[]) => InstanceType<typeof Anthropic.APIError>, expected: { status: number; type: string; message?: RegExp }) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${String(error)}`);
    assert.equal(error.status, expected.status, error.message);
    const body = error.error as ErrorBody;
    assertAnthropicShape(body, expected.status, expected.type);
    if (expected.message) assert.match(body.error.message, expected.message);
    assert.ok(error.requestID, 'the request-id header');
    return true;
  };
}

const text = (content: string): Anthropic.MessageParam[] => [{ role: 'user', content }];

describe('request errors', () => {
  for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
    it(`invalid JSON and a non-object body → 400 invalid_request_error (${path})`, async () => {
      const broken = await post(path, '{"model": "e2e-gpt", "messages": [');
      assert.equal(broken.status, 400);
      assertAnthropicShape(broken.body, 400, 'invalid_request_error');
      assert.match(broken.body.error.message, /not valid JSON/);
      const array = await post(path, '[1,2]');
      assert.equal(array.status, 400);
      assert.match(array.body.error.message, /must be a JSON object/);
    });
  }

  it('a missing field is named', async () => {
    const noMaxTokens = await post('/v1/messages', JSON.stringify({ model: MODELS.openai, messages: text('x') }));
    assert.equal(noMaxTokens.status, 400);
    assertAnthropicShape(noMaxTokens.body, 400, 'invalid_request_error');
    assert.match(noMaxTokens.body.error.message, /^max_tokens is required/);
    const noMessages = await post('/v1/messages', JSON.stringify({ model: MODELS.openai, max_tokens: 5 }));
    assert.match(noMessages.body.error.message, /^messages is required/);
    const noModel = await post('/v1/messages/count_tokens', JSON.stringify({ messages: text('x') }));
    assert.equal(noModel.status, 400);
    assert.match(noModel.body.error.message, /^model is required/);
  });

  it('mistyped fields are named (through the SDK, as BadRequestError)', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ messages: [{ role: 'user', content: 42 }] }, /^messages\.0\.content must be a string or an array of content blocks/],
      [{ messages: [{ role: 'system', content: 'x' }] }, /^messages\.0\.role must be 'user' or 'assistant'; the system prompt goes in the top-level `system` field/],
      [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png' } }] }] }, /^messages\.0\.content\.0\.source\.data/],
      [{ messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: {} }] }] }, /only allowed in assistant messages/],
      [{ messages: text('x'), temperature: 1.5 }, /^temperature must be between 0 and 1/],
      [{ messages: text('x'), max_tokens: 0 }, /^max_tokens must be between 1/],
      [{ messages: text('x'), tool_choice: { type: 'sometimes' } }, /^tool_choice\.type must be one of/],
      [{ messages: text('x'), tools: [{ name: 'f' }] }, /^tools\.0\.input_schema must be a JSON Schema object/],
      [{ messages: text('x'), thinking: { type: 'enabled', budget_tokens: 100 } }, /^thinking\.budget_tokens must be between 1024/],
      [{ messages: text('x'), max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 4000 } }, /^thinking\.budget_tokens must be less than max_tokens/],
      [{ messages: text('x'), metadata: { user_id: 'u', team: 't' } }, /^metadata\.team is not a known field/],
      [{ messages: text('x'), stop_sequences: 'STOP' }, /^stop_sequences must be an array of strings/],
      [{ messages: text('x'), system: [{ type: 'image' }] }, /^system\.0 must be a text block/],
    ];
    for (const [fields, message] of cases) {
      const body = { model: MODELS.openai, max_tokens: 16, ...fields } as unknown as Anthropic.MessageCreateParamsNonStreaming;
      await assert.rejects(client.messages.create(body), sdkError(Anthropic.BadRequestError, { status: 400, type: 'invalid_request_error', message }));
    }
  });

  it('what only Anthropic serves → 400 naming it for other vendors, passed through to Anthropic', async () => {
    const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hi' } };
    const body = { max_tokens: 16, messages: [{ role: 'user', content: [document] }] } as unknown as Omit<Anthropic.MessageCreateParamsNonStreaming, 'model'>;
    await assert.rejects(
      client.messages.create({ ...body, model: MODELS.openai }),
      sdkError(Anthropic.BadRequestError, { status: 400, type: 'invalid_request_error', message: /^messages\.0\.content\.0\.type: a 'document' block is only supported when an Anthropic model serves the request/ }),
    );
    // Anthropic gets it unchanged (the strict mock does not know `document` blocks and says so).
    await assert.rejects(
      client.messages.create({ ...body, model: MODELS.anthropic }),
      sdkError(Anthropic.BadRequestError, { status: 400, type: 'invalid_request_error', message: /e2e-anthropic/ }),
    );
    assert.deepEqual((t.anthropic.requests.at(-1)?.body as { messages: { content: unknown[] }[] }).messages[0]?.content[0], document);
    const serverTool = { model: MODELS.google, max_tokens: 16, messages: text('x'), tools: [{ type: 'web_search_20250305', name: 'web_search' }] };
    await assert.rejects(
      client.messages.create(serverTool as unknown as Anthropic.MessageCreateParamsNonStreaming),
      sdkError(Anthropic.BadRequestError, { status: 400, type: 'invalid_request_error', message: /^tools\.0\.type: the server tool 'web_search_20250305'/ }),
    );
    const unknownField = { model: MODELS.cohere, max_tokens: 16, messages: text('x'), container: 'container_1' };
    await assert.rejects(
      client.messages.create(unknownField as unknown as Anthropic.MessageCreateParamsNonStreaming),
      sdkError(Anthropic.BadRequestError, { status: 400, type: 'invalid_request_error', message: /^container is not supported by the model 'e2e-command'/ }),
    );
    for (const effort of ['constructor', '__proto__', 'extreme']) {
      const odd = { model: MODELS.cohere, max_tokens: 16, messages: text('x'), output_config: { effort } };
      await assert.rejects(
        client.messages.create(odd as unknown as Anthropic.MessageCreateParamsNonStreaming),
        sdkError(Anthropic.BadRequestError, { status: 400, type: 'invalid_request_error', message: /^output_config\.effort: the effort/ }),
      );
    }
    const unknownSetting = { model: MODELS.cohere, max_tokens: 16, messages: text('x'), output_config: { effort: 'low', task_budget: 5 } };
    await assert.rejects(
      client.messages.create(unknownSetting as unknown as Anthropic.MessageCreateParamsNonStreaming),
      sdkError(Anthropic.BadRequestError, { status: 400, type: 'invalid_request_error', message: /^output_config\.task_budget: this setting is only supported when an Anthropic model serves/ }),
    );
    // A field whose loss does not change the answer is dropped instead.
    const dropped = await client.messages.create({ model: MODELS.cohere, max_tokens: 16, messages: text('hi'), service_tier: 'auto' });
    assert.equal(dropped.content[0]?.type === 'text' && dropped.content[0].text, 'Echo: hi');
  });

  it('a body over the limit → 413 request_too_large, from content-length', async () => {
    await assert.rejects(
      client.messages.create({ model: MODELS.openai, max_tokens: 16, messages: text('x'.repeat(BODY_LIMIT + 10)) }),
      sdkError(Anthropic.ContentTooLargeError, { status: 413, type: 'request_too_large', message: /larger than the limit of 65536 bytes/ }),
    );
  });

  it('a chunked body over the limit → 413 while streaming in', async () => {
    const { status, body } = await postChunked(`${t.origin}/v1/messages`, { 'x-api-key': t.apiKey }, {
      prefix: `{"model":"${MODELS.openai}","max_tokens":5,"messages":[{"role":"user","content":"`,
      total: BODY_LIMIT * 2,
      suffix: '"}]}',
    });
    assert.equal(status, 413);
    assertAnthropicShape(JSON.parse(body) as ErrorBody, 413, 'request_too_large');
  });

  it('no API key → 401 authentication_error saying how to pass one', async () => {
    const response = await fetch(`${t.origin}/v1/messages`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 401);
    const body = (await response.json()) as ErrorBody;
    assertAnthropicShape(body, 401, 'authentication_error');
    assert.match(body.error.message, /Missing API key.*x-api-key/);
  });

  it('an unknown key → AuthenticationError, never echoing it, with x-api-key or a Bearer token', async () => {
    const unknown = generateApiKey().key;
    for (const wrong of [anthropicClient(t, { apiKey: unknown }), anthropicClient(t, { authToken: unknown })]) {
      await assert.rejects(wrong.messages.create({ model: MODELS.openai, max_tokens: 5, messages: text('x') }), (error: unknown) => {
        sdkError(Anthropic.AuthenticationError, { status: 401, type: 'authentication_error', message: /Invalid API key/ })(error);
        assert.doesNotMatch(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error), new RegExp(unknown.slice(3, 20)));
        return true;
      });
    }
  });

  it('a Bearer token (ANTHROPIC_AUTH_TOKEN) works as well as x-api-key', async () => {
    const message = await anthropicClient(t, { authToken: t.apiKey }).messages.create({ model: MODELS.openai, max_tokens: 16, messages: text('hi') });
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'Echo: hi');
  });

  it('an unknown model → NotFoundError (messages and count_tokens)', async () => {
    await assert.rejects(
      client.messages.create({ model: 'claude-nonexistent', max_tokens: 5, messages: text('x') }),
      sdkError(Anthropic.NotFoundError, { status: 404, type: 'not_found_error', message: /claude-nonexistent/ }),
    );
    await assert.rejects(
      client.messages.countTokens({ model: 'claude-nonexistent', messages: text('x') }),
      sdkError(Anthropic.NotFoundError, { status: 404, type: 'not_found_error' }),
    );
  });

  it('missing provider credentials → 400 naming the env var', async () => {
    await assert.rejects(
      client.messages.create({ model: MODELS.noCredential, max_tokens: 5, messages: text('x') }),
      sdkError(Anthropic.BadRequestError, { status: 400, type: 'invalid_request_error', message: /E2E_UNSET_API_KEY/ }),
    );
  });

  it('an unknown path under /v1/messages → 404 in Anthropic shape', async () => {
    const missing = await fetch(`${t.origin}/v1/messages/batches`, { method: 'POST', headers: { 'x-api-key': t.apiKey }, body: '{}' });
    assert.equal(missing.status, 404);
    assertAnthropicShape((await missing.json()) as ErrorBody, 404, 'not_found_error');
    assert.equal(t.logs.at(-1)?.['route'], 'unmatched');
  });

  it('a wrong method → 405 in Anthropic shape', async () => {
    const wrong = await fetch(`${t.origin}/v1/messages`, { headers: { 'x-api-key': t.apiKey } });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    assertAnthropicShape((await wrong.json()) as ErrorBody, 405, 'invalid_request_error');
  });
});

describe('upstream errors', () => {
  it('an upstream 401 names the provider and never leaks the upstream key', async () => {
    t.openai.failNext({
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${UPSTREAM_KEYS.openai}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    });
    await assert.rejects(client.messages.create({ model: MODELS.openai, max_tokens: 5, messages: text('x') }), (error: unknown) => {
      sdkError(Anthropic.AuthenticationError, { status: 401, type: 'authentication_error', message: /e2e-openai/ })(error);
      assert.ok(!JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error).includes(UPSTREAM_KEYS.openai));
      return true;
    });
  });

  it('an upstream 5xx keeps its status as api_error and names the provider', async () => {
    t.cohere.failNext({ status: 500 });
    await assert.rejects(
      client.messages.create({ model: MODELS.cohere, max_tokens: 5, messages: text('x') }),
      sdkError(Anthropic.InternalServerError, { status: 500, type: 'api_error', message: /e2e-cohere/ }),
    );
  });

  it('an upstream that does not answer in first_byte_ms → 504 timeout_error', async () => {
    const started = performance.now();
    await assert.rejects(
      client.messages.create({ model: MODELS.slow, max_tokens: 5, messages: text('x') }),
      sdkError(Anthropic.GatewayTimeoutError, { status: 504, type: 'timeout_error', message: /e2e-slow/ }),
    );
    await assert.rejects(
      client.messages.create({ model: MODELS.slow, max_tokens: 5, messages: text('x'), stream: true }),
      sdkError(Anthropic.InternalServerError, { status: 504, type: 'timeout_error' }),
    );
    assert.ok(performance.now() - started < 5000, 'the 200 ms first-byte timeout applied');
  });
});

describe('robustness', () => {
  it('half-sent bodies and aborted requests leave the gateway serving', async () => {
    await new Promise<void>((resolve) => {
      const request = httpRequest(`${t.origin}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json', 'content-length': '1000' },
      });
      request.on('error', () => resolve());
      request.write('{"model":');
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 50);
    });
    const message = await client.messages.create({ model: MODELS.openai, max_tokens: 16, messages: text('still here') });
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'Echo: still here');
  });

  it('every error answer is Anthropic-shaped and carries the request id', async () => {
    const response = await fetch(`${t.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey, 'x-request-id': 'trace-123' },
      body: 'nope',
    });
    assert.equal(response.headers.get('x-request-id'), 'trace-123');
    assert.equal(response.headers.get('request-id'), 'trace-123');
    assert.ok(response.headers.get('x-switchboard-config-version'));
    const body = (await response.json()) as ErrorBody;
    assertAnthropicShape(body, 400, 'invalid_request_error');
    assert.equal(body.request_id, 'trace-123');
  });
});
