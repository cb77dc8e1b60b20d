// Every /v1 error case answers OpenAI's error shape with the right status, through the real SDK
// where it can send the request, and through raw HTTP where it cannot.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { generateApiKey } from '../../src/crypto/api-key.js';
import { postChunked } from '../helpers/chunked-post.js';
import { MODELS, startTestGateway, UPSTREAM_KEYS, type TestGateway } from '../helpers/gateway.js';

const BODY_LIMIT = 64 * 1024;

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startTestGateway({ config: { bodyLimitBytes: BODY_LIMIT } });
  client = t.client();
});
after(async () => {
  await t.close();
});

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: ErrorBody }> {
  const response = await fetch(`${t.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ErrorBody };
}

function assertOpenAIShape(body: ErrorBody): void {
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.doesNotMatch(body.error.message, /\n\s+at /, 'no stack trace');
}

/** Asserts the SDK raised an APIError with these fields. */
function apiError(expected: { status: number; code?: string; param?: string | null; type?: string; message?: RegExp }) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof OpenAI.APIError, `expected APIError, got ${String(error)}`);
    assert.equal(error.status, expected.status, error.message);
    if (expected.code !== undefined) assert.equal(error.code, expected.code);
    if (expected.param !== undefined) assert.equal(error.param, expected.param);
    if (expected.type !== undefined) assert.equal(error.type, expected.type);
    if (expected.message) assert.match(error.message, expected.message);
    return true;
  };
}

describe('request errors', () => {
  it('invalid JSON → 400 naming the problem', async () => {
    const response = await post('/v1/chat/completions', '{"model": "e2e-gpt", "messages": [');
    assert.equal(response.status, 400);
    assertOpenAIShape(response.body);
    assert.equal(response.body.error.type, 'invalid_request_error');
    assert.match(response.body.error.message, /not valid JSON/);
  });

  it('a body that starts with a UTF-8 byte order mark is read as JSON, and the vendor gets none (RFC 8259 lets a parser ignore it)', async () => {
    const content = `bom ${'x'.repeat(3000)}`;
    const response = await fetch(`${t.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ model: 'e2e-gpt', messages: [{ role: 'user', content }] }))]),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const sent = t.openai.requests.at(-1);
    assert.equal(sent?.text[0], '{', 'the upstream body starts with the JSON itself');
    assert.equal((JSON.parse(sent?.text ?? '') as { messages: { content: string }[] }).messages[0]?.content, content, 'the long string spliced from the client\'s text lands whole');
  });

  it('invalid JSON → 400 without quoting the body (a key sent unquoted stays out of the answer)', async () => {
    const response = await post('/v1/chat/completions', '{"model": "e2e-gpt", "user": sk-proj-AbCdEfGhIjKlMnOp}');
    assert.equal(response.status, 400);
    assertOpenAIShape(response.body);
    assert.match(response.body.error.message, /^Request body is not valid JSON: unexpected token/);
    assert.doesNotMatch(JSON.stringify(response.body), /sk-proj|AbCd/);
  });

  it('a body that is not an object → 400', async () => {
    const response = await post('/v1/chat/completions', '[1,2]');
    assert.equal(response.status, 400);
    assert.match(response.body.error.message, /must be a JSON object/);
  });

  it('a missing field is named', async () => {
    const response = await post('/v1/chat/completions', JSON.stringify({ model: MODELS.openai }));
    assert.equal(response.status, 400);
    assertOpenAIShape(response.body);
    assert.equal(response.body.error.param, 'messages');
    assert.match(response.body.error.message, /^messages is required/);
  });

  it('a mistyped field is named (through the SDK)', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: 42 as unknown as string }] }),
      apiError({ status: 400, param: 'messages[0].content', type: 'invalid_request_error', message: /messages\[0\]\.content must be a string or an array of content parts/ }),
    );
    await assert.rejects(
      client.chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: 'x' }], temperature: 7 }),
      apiError({ status: 400, param: 'temperature', message: /temperature must be between 0 and 2/ }),
    );
    await assert.rejects(
      client.embeddings.create({ model: MODELS.openaiEmbed, input: [] }),
      apiError({ status: 400, param: 'input' }),
    );
  });

  it('an unsupported feature → 400 unsupported_feature naming it (logprobs to an Anthropic model)', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: MODELS.anthropic, messages: [{ role: 'user', content: 'x' }], logprobs: true }),
      apiError({ status: 400, code: 'unsupported_feature', param: 'logprobs', message: /logprobs/ }),
    );
  });

  it('a body over the limit → 413, from content-length', async () => {
    const big = 'x'.repeat(BODY_LIMIT + 10);
    await assert.rejects(
      client.chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: big }] }),
      apiError({ status: 413, code: 'request_too_large', message: /larger than the limit of 65536 bytes/ }),
    );
  });

  it('a chunked body over the limit → 413 while streaming in', async () => {
    const { status, body } = await postChunked(`${t.origin}/v1/chat/completions`, { authorization: `Bearer ${t.apiKey}` }, {
      prefix: `{"model":"${MODELS.openai}","messages":[{"role":"user","content":"`,
      total: BODY_LIMIT * 2,
      suffix: '"}]}',
    });
    assert.equal(status, 413);
    assert.equal((JSON.parse(body) as ErrorBody).error.code, 'request_too_large');
  });

  it('no API key → 401 saying how to pass one', async () => {
    const response = await fetch(`${t.baseURL}/models`);
    assert.equal(response.status, 401);
    const body = (await response.json()) as ErrorBody;
    assertOpenAIShape(body);
    assert.equal(body.error.type, 'authentication_error');
    assert.equal(body.error.code, 'invalid_api_key');
    assert.match(body.error.message, /Missing API key.*Authorization: Bearer/);
  });

  it('an unknown key → 401 Invalid API key, never echoing it', async () => {
    const unknown = generateApiKey().key;
    await assert.rejects(
      t.client({ apiKey: unknown }).chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => {
        apiError({ status: 401, code: 'invalid_api_key', type: 'authentication_error', message: /Invalid API key/ })(error);
        assert.doesNotMatch(JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error), new RegExp(unknown.slice(3, 20)));
        return true;
      },
    );
    const garbage = await fetch(`${t.baseURL}/models`, { headers: { 'x-api-key': 'not-a-key' } });
    assert.equal(garbage.status, 401);
    assert.doesNotMatch(await garbage.text(), /not-a-key/);
  });

  it('the x-api-key header works too', async () => {
    const response = await fetch(`${t.baseURL}/models`, { headers: { 'x-api-key': t.apiKey } });
    assert.equal(response.status, 200);
  });

  it('an unknown model → 404 model_not_found', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'x' }] }),
      apiError({ status: 404, code: 'model_not_found', param: 'model', message: /gpt-nonexistent/ }),
    );
    await assert.rejects(client.embeddings.create({ model: 'nope', input: 'x' }), apiError({ status: 404, code: 'model_not_found' }));
  });

  it('missing provider credentials → 400 naming the env var', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: MODELS.noCredential, messages: [{ role: 'user', content: 'x' }] }),
      apiError({ status: 400, code: 'credential_missing', message: /E2E_UNSET_API_KEY/ }),
    );
  });

  it('an unknown route → 404 and a wrong method → 405, both in OpenAI shape', async () => {
    const missing = await fetch(`${t.baseURL}/completions`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 404);
    assertOpenAIShape((await missing.json()) as ErrorBody);
    const wrong = await fetch(`${t.baseURL}/chat/completions`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    assertOpenAIShape((await wrong.json()) as ErrorBody);
  });
});

describe('upstream errors', () => {
  it('an upstream 429 keeps its status, passes retry-after and names the provider (OpenAI)', async () => {
    t.openai.failNext({
      status: 429,
      headers: { 'retry-after': '7' },
      body: {
        error: {
          message: 'Rate limit reached for gpt-4o-mini in organization org-OperatorAcct0123 on requests per min (RPM): Limit 500, Used 499, Requested 1.',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
    });
    await assert.rejects(client.chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      apiError({ status: 429, code: 'rate_limit_exceeded', type: 'rate_limit_error', message: /e2e-openai/ })(error);
      assert.equal((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after'), '7');
      // The shared account's organization, limits and traffic are not the tenant's to read.
      assert.doesNotMatch((error as Error).message, /org-|Used 499|Limit 500/);
      return true;
    });
  });

  it('an upstream 429 passes retry-after (Anthropic, Gemini RetryInfo)', async () => {
    t.anthropic.failNext({ status: 429 });
    await assert.rejects(client.chat.completions.create({ model: MODELS.anthropic, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      apiError({ status: 429, code: 'rate_limit_exceeded', message: /e2e-anthropic/ })(error);
      assert.equal((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after'), '7');
      return true;
    });
    t.google.failNext({ status: 429 });
    await assert.rejects(client.chat.completions.create({ model: MODELS.google, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      apiError({ status: 429, code: 'rate_limit_exceeded', message: /e2e-google/ })(error);
      assert.equal((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after'), '7');
      return true;
    });
  });

  it('an upstream 401 names the provider and never leaks the upstream key', async () => {
    const fragment = `${UPSTREAM_KEYS.openai.slice(0, 8)}****${UPSTREAM_KEYS.openai.slice(-4)}`;
    t.openai.failNext({
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${fragment}. ${UPSTREAM_KEYS.openai}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    });
    await assert.rejects(client.chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      apiError({ status: 401, code: 'authentication_failed', message: /e2e-openai/ })(error);
      const everything = JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error) + (error as Error).message;
      assert.ok(!everything.includes(UPSTREAM_KEYS.openai), 'no upstream key');
      assert.ok(!everything.includes(fragment), 'no key fragment');
      return true;
    });
  });

  it('an upstream 5xx keeps its status and names the provider', async () => {
    t.anthropic.failNext({ status: 529 });
    await assert.rejects(
      client.chat.completions.create({ model: MODELS.anthropic, messages: [{ role: 'user', content: 'x' }] }),
      apiError({ status: 503, message: /e2e-anthropic/ }),
    );
  });

  it('an upstream that does not answer in first_byte_ms → 504', async () => {
    const started = performance.now();
    await assert.rejects(
      client.chat.completions.create({ model: MODELS.slow, messages: [{ role: 'user', content: 'x' }] }),
      apiError({ status: 504, code: 'provider_timeout', type: 'server_error', message: /e2e-slow/ }),
    );
    assert.ok(performance.now() - started < 3000, 'the 200 ms first-byte timeout applied');
    await assert.rejects(
      client.chat.completions.create({ model: MODELS.slow, messages: [{ role: 'user', content: 'x' }], stream: true }),
      apiError({ status: 504, code: 'provider_timeout' }),
    );
  });
});

describe('robustness', () => {
  it('survives garbage on the socket, half-sent bodies and aborted requests', async () => {
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(Number(new URL(t.origin).port), '127.0.0.1', () => {
        socket.write('GARBAGE / HTTP/9.9\r\n\r\n\u0000\u0001');
      });
      const done = (): void => {
        socket.destroy();
        resolve(text);
      };
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\r\n\r\n')) done();
      });
      socket.on('error', done);
      socket.on('close', done);
    });
    assert.match(answer, /^HTTP\/1\.1 400/);
    await new Promise<void>((resolve) => {
      const request = httpRequest(`${t.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', 'content-length': '1000' },
      });
      request.on('error', () => resolve());
      request.write('{"model":');
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 50);
    });
    const weird = await fetch(`${t.baseURL}/models/%E0%A4%A`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(weird.status, 400);
    const health = await fetch(`${t.origin}/healthz`);
    assert.equal(health.status, 200);
  });

  it('every error answer is OpenAI-shaped and carries the request id', async () => {
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'x-request-id': 'trace-123' },
      body: 'nope',
    });
    assert.equal(response.headers.get('x-request-id'), 'trace-123');
    assert.ok(response.headers.get('x-switchboard-config-version'));
    assertOpenAIShape((await response.json()) as ErrorBody);
  });
});
