// The bad-input battery of chat completions, repeated on /v1/responses, plus what is specific to
// it (stateful fields, built-in tools, input items): every case answers OpenAI's error shape with
// the right status and `param`, through the SDK where it can send the request, and nothing crashes.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { generateApiKey } from '../../src/crypto/api-key.js';
import { MODELS, UPSTREAM_KEYS, type TestGateway } from '../helpers/gateway.js';
import { GPT_SMALL_MODEL, startResponsesGateway } from './responses-helpers.js';

const BODY_LIMIT = 64 * 1024;

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startResponsesGateway({ config: { bodyLimitBytes: BODY_LIMIT } });
  client = t.client();
});
after(async () => {
  await t.close();
});

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: ErrorBody }> {
  const response = await fetch(`${t.baseURL}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as ErrorBody };
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

/** Both paths: the native one (OpenAI) and the normalized one (Anthropic). */
const bothPaths = [MODELS.openai, MODELS.anthropic] as const;

describe('request errors on /v1/responses', () => {
  it('invalid JSON, a non-object body and missing fields → 400 naming the problem', async () => {
    const broken = await post('{"model": "e2e-gpt", "input": [');
    assert.equal(broken.status, 400);
    assertOpenAIShape(broken.body);
    assert.equal(broken.body.error.type, 'invalid_request_error');
    assert.match(broken.body.error.message, /not valid JSON/);
    const array = await post('[1,2]');
    assert.equal(array.status, 400);
    assert.match(array.body.error.message, /must be a JSON object/);
    for (const model of bothPaths) {
      const missing = await post(JSON.stringify({ model }));
      assert.equal(missing.status, 400);
      assertOpenAIShape(missing.body);
      assert.equal(missing.body.error.param, 'input');
      assert.match(missing.body.error.message, /^input is required/);
    }
    const noModel = await post(JSON.stringify({ input: 'x' }));
    assert.equal(noModel.body.error.param, 'model');
  });

  it('mistyped fields are named, on both paths (through the SDK)', async () => {
    for (const model of bothPaths) {
      await assert.rejects(
        client.responses.create({ model, input: 'x', temperature: 7 }),
        apiError({ status: 400, param: 'temperature', type: 'invalid_request_error', message: /temperature must be between 0 and 2/ }),
      );
      await assert.rejects(
        client.responses.create({ model, input: 42 as unknown as string }),
        apiError({ status: 400, param: 'input', message: /input must be a string or an array/ }),
      );
      await assert.rejects(
        client.responses.create({ model, input: 'x', reasoning: { effort: 'ultra' as 'high' } }),
        apiError({ status: 400, param: 'reasoning.effort' }),
      );
      await assert.rejects(
        client.responses.create({ model, input: 'x', max_output_tokens: 0 }),
        apiError({ status: 400, param: 'max_output_tokens' }),
      );
      await assert.rejects(
        client.responses.create({ model, input: 'x', metadata: { n: 1 as unknown as string } }),
        apiError({ status: 400, param: 'metadata.n' }),
      );
      await assert.rejects(
        client.responses.create({ model, input: 'x', text: { format: { type: 'xml' as 'text' } } }),
        apiError({ status: 400, param: 'text.format.type' }),
      );
    }
    assert.equal(t.openai.requests.filter((request) => request.url.endsWith('/responses')).length, 0, 'nothing bad reached OpenAI');
  });

  it('bad input items are named', async () => {
    const model = MODELS.anthropic;
    await assert.rejects(
      client.responses.create({ model, input: [{ role: 'user', content: 42 as unknown as string }] }),
      apiError({ status: 400, param: 'input[0].content', message: /input\[0\]\.content must be a string or an array of content parts/ }),
    );
    await assert.rejects(
      client.responses.create({ model, input: [{ role: 'user', content: 'x' }, { type: 'function_call_output', output: 'y' } as unknown as OpenAI.Responses.ResponseInputItem] }),
      apiError({ status: 400, param: 'input[1].call_id' }),
    );
    await assert.rejects(
      client.responses.create({ model, input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1', detail: 'auto' }] }] }),
      apiError({ status: 400, code: 'unsupported_feature', param: 'input[0].content[0].file_id' }),
    );
    await assert.rejects(
      client.responses.create({ model, input: [{ role: 'robot' as 'user', content: 'x' }] }),
      apiError({ status: 400, param: 'input[0].role' }),
    );
  });

  it('item_reference items get the same 400 on both paths, saying what to do, before any upstream call', async () => {
    // The Vercel AI SDK assumes store defaults to true and refers to earlier output items by id.
    const before = t.openai.requests.length;
    for (const model of bothPaths) {
      const input: OpenAI.Responses.ResponseInput = [
        { role: 'user', content: 'weather in Oslo' },
        { type: 'item_reference', id: 'msg_0123456789abcdef' },
        { role: 'user', content: 'and tomorrow?' },
      ];
      await assert.rejects(
        client.responses.create({ model, input }),
        apiError({
          status: 400,
          code: 'unsupported_feature',
          param: 'input[1].type',
          type: 'invalid_request_error',
          message: /'item_reference' is not supported.*does not keep.*Send the items themselves.*providerOptions: \{ openai: \{ store: false \} \}/,
        }),
      );
    }
    assert.equal(t.openai.requests.length, before, 'OpenAI was not called (it would answer 404: items are not persisted under store: false)');
  });

  it('stateful fields are refused with a clear 400; store: false is accepted', async () => {
    for (const model of bothPaths) {
      await assert.rejects(
        client.responses.create({ model, input: 'x', previous_response_id: 'resp_123' }),
        apiError({ status: 400, code: 'unsupported_feature', param: 'previous_response_id', message: /stateless.*does not keep responses/ }),
      );
      await assert.rejects(
        client.responses.create({ model, input: 'x', store: true }),
        apiError({ status: 400, code: 'unsupported_feature', param: 'store', message: /store: false or leave it out/ }),
      );
      await assert.rejects(client.responses.create({ model, input: 'x', conversation: 'conv_1' }), apiError({ status: 400, param: 'conversation' }));
      await assert.rejects(client.responses.create({ model, input: 'x', background: true }), apiError({ status: 400, param: 'background' }));
      const accepted = await client.responses.create({ model, input: 'stateless please', store: false });
      assert.equal(accepted.output_text, 'Echo: stateless please');
    }
  });

  it("built-in tools and non-function tool choices → 400 naming them (normalized path); Codex's web_search and image_generation are left out", async () => {
    await assert.rejects(
      client.responses.create({ model: MODELS.google, input: 'x', tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }),
      apiError({ status: 400, code: 'unsupported_feature', param: 'tools[0].type', message: /'file_search' tools are not supported/ }),
    );
    // What the Codex CLI may offer on every request: the call is served without them.
    const before = t.google.requests.length;
    const served = await client.responses.create({ model: MODELS.google, input: 'x', tools: [{ type: 'web_search' }, { type: 'image_generation' }] });
    assert.equal(served.status, 'completed');
    const sent = t.google.requests.slice(before).map((request) => (request.body as { tools?: unknown }).tools);
    assert.deepEqual(sent, [undefined], 'no tool reached the vendor');
    await assert.rejects(
      client.responses.create({ model: MODELS.google, input: 'x', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search_preview' } }),
      apiError({ status: 400, code: 'unsupported_feature', param: 'tool_choice.type' }),
    );
    await assert.rejects(
      client.responses.create({ model: MODELS.cohere, input: 'x', tool_choice: { type: 'file_search' } }),
      apiError({ status: 400, code: 'unsupported_feature', param: 'tool_choice.type' }),
    );
    await assert.rejects(
      client.responses.create({ model: MODELS.anthropic, input: 'x', include: ['message.output_text.logprobs'] }),
      apiError({ status: 400, code: 'unsupported_feature', param: 'include' }),
    );
  });

  it('the row\'s output limit holds on both paths and names max_output_tokens', async () => {
    await assert.rejects(
      client.responses.create({ model: MODELS.anthropic, input: 'x', max_output_tokens: 5000 }),
      apiError({ status: 400, param: 'max_output_tokens', message: /max_output_tokens is too large/ }),
    );
    const before = t.openai.requests.length;
    await assert.rejects(
      client.responses.create({ model: GPT_SMALL_MODEL, input: 'x', max_output_tokens: 500 }),
      apiError({ status: 400, param: 'max_output_tokens', message: /max_output_tokens is too large: 500.*at most 100/ }),
    );
    assert.equal(t.openai.requests.length, before, 'refused before OpenAI (native path)');
    const within = await client.responses.create({ model: GPT_SMALL_MODEL, input: 'small enough', max_output_tokens: 100 });
    assert.equal(within.output_text, 'Echo: small enough');
  });

  it('a body over the limit → 413, from content-length and while streaming in', async () => {
    await assert.rejects(
      client.responses.create({ model: MODELS.openai, input: 'x'.repeat(BODY_LIMIT + 10) }),
      apiError({ status: 413, code: 'request_too_large', message: /larger than the limit of 65536 bytes/ }),
    );
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        `${t.baseURL}/responses`,
        { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      request.write(`{"model":"${MODELS.openai}","input":"`);
      const chunk = 'y'.repeat(16 * 1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < BODY_LIMIT * 2) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once('drain', pump);
        }
        request.end('"}');
      };
      pump();
    });
    assert.equal(status, 413);
    assert.equal((JSON.parse(body) as ErrorBody).error.code, 'request_too_large');
  });

  it('no key, an unknown key, an unknown model, missing credentials and a wrong method', async () => {
    const none = await fetch(`${t.baseURL}/responses`, { method: 'POST', body: JSON.stringify({ model: MODELS.openai, input: 'x' }) });
    assert.equal(none.status, 401);
    const noneBody = (await none.json()) as ErrorBody;
    assertOpenAIShape(noneBody);
    assert.equal(noneBody.error.code, 'invalid_api_key');
    const unknown = generateApiKey().key;
    await assert.rejects(
      t.client({ apiKey: unknown }).responses.create({ model: MODELS.openai, input: 'x' }),
      apiError({ status: 401, code: 'invalid_api_key', type: 'authentication_error' }),
    );
    await assert.rejects(
      client.responses.create({ model: 'gpt-nonexistent', input: 'x' }),
      apiError({ status: 404, code: 'model_not_found', param: 'model', message: /gpt-nonexistent/ }),
    );
    await assert.rejects(
      client.responses.create({ model: MODELS.noCredential, input: 'x' }),
      apiError({ status: 400, code: 'credential_missing', message: /E2E_UNSET_API_KEY/ }),
    );
    const wrong = await fetch(`${t.baseURL}/responses`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    assertOpenAIShape((await wrong.json()) as ErrorBody);
  });
});

describe('upstream errors on /v1/responses', () => {
  it('an upstream 429 keeps its status and retry-after, natively and normalized', async () => {
    t.openai.failNext({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
    });
    await assert.rejects(client.responses.create({ model: MODELS.openai, input: 'x' }), (error: unknown) => {
      apiError({ status: 429, code: 'rate_limit_exceeded', type: 'rate_limit_error', message: /e2e-openai/ })(error);
      assert.equal((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after'), '7');
      return true;
    });
    t.anthropic.failNext({ status: 429 });
    await assert.rejects(
      client.responses.create({ model: MODELS.anthropic, input: 'x', stream: true }),
      apiError({ status: 429, code: 'rate_limit_exceeded', message: /e2e-anthropic/ }),
    );
  });

  it('an upstream 401 names the provider and never leaks the upstream key (native path)', async () => {
    t.openai.failNext({
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${UPSTREAM_KEYS.openai}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    });
    await assert.rejects(client.responses.create({ model: MODELS.openai, input: 'x' }), (error: unknown) => {
      apiError({ status: 401, code: 'authentication_failed', message: /e2e-openai/ })(error);
      assert.ok(!(JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error) + (error as Error).message).includes(UPSTREAM_KEYS.openai));
      return true;
    });
  });

  it('an upstream that does not answer in first_byte_ms → 504, streaming or not', async () => {
    await assert.rejects(client.responses.create({ model: MODELS.slow, input: 'x' }), apiError({ status: 504, code: 'provider_timeout' }));
    await assert.rejects(client.responses.create({ model: MODELS.slow, input: 'x', stream: true }), apiError({ status: 504, code: 'provider_timeout' }));
  });

  it('a failure mid-stream arrives as an error event and response.failed, and the answer ends', async () => {
    t.anthropic.failNextStream({ afterChunks: 2 });
    const stream = await client.responses.create({ model: MODELS.anthropic, input: 'one two three four', stream: true });
    const types: string[] = [];
    let failed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.failed') failed = event.response;
    }
    assert.deepEqual(types.slice(-2), ['error', 'response.failed']);
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.error?.message ?? '', /e2e-anthropic/);
  });

  it('items open when the vendor fails mid-stream are incomplete in response.failed, never in_progress', async () => {
    const failedOutput = async (body: OpenAI.Responses.ResponseCreateParamsStreaming): Promise<OpenAI.Responses.ResponseOutputItem[]> => {
      const stream = await client.responses.create(body);
      let failed: OpenAI.Responses.Response | undefined;
      for await (const event of stream) if (event.type === 'response.failed') failed = event.response;
      assert.equal(failed?.status, 'failed');
      assert.doesNotMatch(JSON.stringify(failed?.output), /in_progress/);
      return failed?.output ?? [];
    };
    // Two words of text, then Anthropic's in-stream overloaded_error.
    t.anthropic.failNextStream({ afterChunks: 2 });
    const text = await failedOutput({ model: MODELS.anthropic, input: 'one two three four', stream: true });
    assert.deepEqual(text.map((item) => [item.type, 'status' in item ? item.status : undefined]), [['message', 'incomplete']]);
    assert.equal(text[0]?.type === 'message' && text[0].content[0]?.type === 'output_text' ? text[0].content[0].text : undefined, 'Echo: one');

    // A tool call with half its arguments, then the error.
    t.anthropic.failNextStream({ afterChunks: 2 });
    const tool = { type: 'function' as const, name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } } }, strict: false };
    const call = await failedOutput({ model: MODELS.anthropic, input: 'look up paris', tools: [tool], stream: true });
    assert.deepEqual(call.map((item) => [item.type, 'status' in item ? item.status : undefined]), [['function_call', 'incomplete']]);
    const args = call[0]?.type === 'function_call' ? call[0].arguments : '';
    assert.ok(args.length > 0 && '{"query":"look up paris"}'.startsWith(args), `the arguments so far: ${args}`);
  });
});

describe('robustness of /v1/responses', () => {
  it('survives garbage, half-sent bodies and aborted streams; the server keeps serving', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(t.origin).port), '127.0.0.1', () => socket.write('POST /v1/responses HTTP/1.1\r\nContent-Length: 5\r\n\r\n\u0000\u0001'));
      socket.on('data', () => socket.destroy());
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await new Promise<void>((resolve) => {
      const request = httpRequest(`${t.baseURL}/responses`, {
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
    const controller = new AbortController();
    const stream = await client.responses.create({ model: MODELS.google, input: 'a b c d e f', stream: true }, { signal: controller.signal });
    let deltas = 0;
    try {
      for await (const event of stream) {
        if (event.type !== 'response.output_text.delta') continue;
        deltas += 1;
        controller.abort();
      }
    } catch (error) {
      assert.ok(error instanceof OpenAI.APIUserAbortError, String(error));
    }
    assert.ok(deltas >= 1, 'the client aborted mid-stream');
    const after = await client.responses.create({ model: MODELS.cohere, input: 'still here' });
    assert.equal(after.output_text, 'Echo: still here');
    assert.equal((await fetch(`${t.origin}/healthz`)).status, 200);
  });
});
