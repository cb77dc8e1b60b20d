import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { ProviderError, SwitchboardError } from '../../errors.js';
import { sendJson, startMockServer, type MockServer } from '../../../test/helpers/mock-server.js';
import type { ProviderSettings } from '../provider-class.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, Provider, StreamPart } from '../spec/index.js';
import { CustomProviderClass } from './index.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

const deps: ProviderDeps = { dispatcher: new Agent(), now: () => 1_767_225_600_000, randomId: () => 'rnd1' };
const call = (extra: Partial<CallOptions> = {}): CallOptions => ({
  signal: new AbortController().signal,
  credential: { apiKey: 'gen-key' },
  ...extra,
});
const words = (text: string) => text.split(/\s+/).filter(Boolean);

/**
 * A small JSON API that is not OpenAI-compatible: POST /api/generate {model, prompt,
 * max_new_tokens?, temperature?, stop?, tag?} → {output: {text, stop_reason}, stats: {in, out},
 * request_id}. Strict like a real server: unknown fields → 422, wrong key → 401.
 */
async function startGenerateApi(): Promise<MockServer> {
  let counter = 0;
  return startMockServer((request, response) => {
    if (request.method !== 'POST' || !request.url.startsWith('/api/generate')) return sendJson(response, 404, { detail: 'Not Found' });
    if (request.headers['x-api-key'] !== 'gen-key') return sendJson(response, 401, { detail: 'invalid key gen-***' });
    const body = request.body as Record<string, unknown>;
    const unknown = Object.keys(body).find((key) => !['model', 'prompt', 'max_new_tokens', 'temperature', 'stop', 'tag'].includes(key));
    if (unknown) return sendJson(response, 422, { detail: `unknown field: ${unknown}` });
    if (typeof body['prompt'] !== 'string') return sendJson(response, 422, { detail: 'prompt must be a string' });
    if (body['prompt'].includes('OVERLOAD')) return sendJson(response, 503, { error: 'model overloaded, retry later' });
    // A 200 whose body is an error instead of the answer (as vLLM or a LiteLLM proxy in front of it do).
    if (body['prompt'].includes('ANSWERED-ERROR')) {
      return sendJson(response, 200, { error: { message: `GPU fell over\u001b[31m\r\nkey=${String(request.headers['x-api-key'])}\u202e`, type: 'InternalServerError', code: 500 } });
    }
    if (body['prompt'].includes('ANSWERED-QUOTA')) return sendJson(response, 200, { error: { message: 'Team Acme spent $50 of $50', code: 'insufficient_quota' } });
    const userLine = body['prompt'].split('\n').findLast((line) => line.startsWith('User: ')) ?? '';
    let text = `Generated: ${userLine.slice('User: '.length)}`;
    let reason = 'eos';
    const limit = body['max_new_tokens'];
    if (typeof limit === 'number' && words(text).length > limit) {
      text = words(text).slice(0, limit).join(' ');
      reason = 'max_len';
    }
    counter += 1;
    sendJson(response, 200, {
      output: { text, stop_reason: reason },
      stats: { in: words(body['prompt']).length, out: words(text).length },
      request_id: `gen-${counter}`,
    });
  });
}

const template = {
  path: '/generate',
  body: {
    model: '{{model}}',
    prompt: '{{prompt}}',
    max_new_tokens: '{{max_tokens}}',
    temperature: '{{ temperature }}',
    stop: '{{stop}}',
    tag: 'user={{user}};system={{system}}',
  },
  response: {
    text: 'output.text',
    finish_reason: 'output.stop_reason',
    finish_reason_map: { eos: 'stop', max_len: 'length' },
    input_tokens: 'stats.in',
    output_tokens: 'stats.out',
    id: 'request_id',
  },
};

let api: MockServer;
function settings(requestTemplate: unknown): ProviderSettings {
  return {
    name: 'gen-api',
    baseUrl: `${api.origin}/api`,
    authHeaderName: 'X-API-Key',
    authHeaderPrefix: '',
    config: {},
    requestTemplate,
  };
}
let provider: Provider;

const chatRequest: ChatRequest = {
  model: 'tiny-7b',
  messages: [
    { role: 'system', content: 'Be brief' },
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    { role: 'assistant', content: 'hello' },
    { role: 'user', content: [{ type: 'text', text: 'tell me a joke' }] },
  ],
  temperature: 0.2,
};

before(async () => {
  api = await startGenerateApi();
  provider = CustomProviderClass.create(settings(template), deps);
});
afterEach(() => void api.requests.splice(0));
after(async () => {
  await api.close();
  await deps.dispatcher.close();
});

describe('CustomProvider template mode', () => {
  test('renders typed placeholders, drops undefined ones, and reads the answer by path', async () => {
    const response = await provider.chat(chatRequest, call());
    assert.equal(api.requests[0]?.url, '/api/generate');
    assert.equal(api.requests[0]?.headers['x-api-key'], 'gen-key');
    assert.deepEqual(api.requests[0]?.body, {
      model: 'tiny-7b',
      prompt: 'System: Be brief\nUser: hi\nAssistant: hello\nUser: tell me a joke\nAssistant:',
      temperature: 0.2,
      tag: 'user=;system=Be brief',
    });
    assert.deepEqual(withoutLedgerUsage(response), {
      id: 'gen-1',
      model: 'tiny-7b',
      created: 1_767_225_600,
      choices: [{ index: 0, content: 'Generated: tell me a joke', toolCalls: [], finishReason: 'stop' }],
      usage: { inputTokens: 13, outputTokens: 5, totalTokens: 18 },
    });
  });

  test('max_tokens falls back to the model limit; finish_reason_map maps max_len to length', async () => {
    const response = await provider.chat({ ...chatRequest, stop: ['###'], user: 'u1' }, call({ model: { maxOutputTokens: 2 } }));
    const body = api.requests[0]?.body as Record<string, unknown>;
    assert.equal(body['max_new_tokens'], 2);
    assert.deepEqual(body['stop'], ['###']);
    assert.equal(body['tag'], 'user=u1;system=Be brief');
    assert.equal(response.choices[0]?.content, 'Generated: tell');
    assert.equal(response.choices[0]?.finishReason, 'length');
  });

  test('stream() calls once and yields start, the whole text, finish', async () => {
    const parts: StreamPart[] = [];
    for await (const part of provider.stream(chatRequest, call())) parts.push(part);
    assert.equal(api.requests.length, 1);
    assert.deepEqual(withoutLedgerUsage(parts), [
      { type: 'stream-start', id: parts[0]?.type === 'stream-start' ? parts[0].id : '', model: 'tiny-7b', created: 1_767_225_600 },
      { type: 'text-delta', text: 'Generated: tell me a joke' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 13, outputTokens: 5, totalTokens: 18 } },
    ]);
  });

  test('a response without the text path is a 502 naming the path', async () => {
    const broken = CustomProviderClass.create(settings({ ...template, response: { text: 'output.generated_text' } }), deps);
    await assert.rejects(broken.chat(chatRequest, call()), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 502);
      assert.match(error.message, /output\.generated_text/);
      return true;
    });
  });

  test('API errors are mapped by status and body fields; the key never appears', async () => {
    const overloaded: ChatRequest = { model: 'tiny-7b', messages: [{ role: 'user', content: [{ type: 'text', text: 'OVERLOAD' }] }] };
    await assert.rejects(provider.chat(overloaded, call()), { code: 'provider_unavailable', status: 503, message: /model overloaded/ });
    await assert.rejects(
      provider.chat(chatRequest, call({ credential: { apiKey: 'gen-wrong' } })),
      (error: unknown) => error instanceof ProviderError && error.code === 'authentication_failed' && !error.message.includes('gen-wrong'),
    );
    const extra = CustomProviderClass.create(settings({ ...template, body: { prompt: '{{prompt}}', top_k: 5 } }), deps);
    await assert.rejects(extra.chat(chatRequest, call()), { code: 'invalid_request', status: 422, message: /unknown field: top_k/ });
  });

  // Until 2026-12-08 it said only "returned no text at 'output.text'", hiding the vendor's reason.
  // Its code 500 is its status (since 2026-12-08), as on OpenAI-compatible rows; an error without one is a 502.
  test('an {"error": …} body with HTTP 200 is the provider\'s retryable error naming the cleaned message, as on OpenAI-compatible rows', async () => {
    const asking = (text: string): ChatRequest => ({ model: 'tiny-7b', messages: [{ role: 'user', content: [{ type: 'text', text }] }] });
    await assert.rejects(provider.chat(asking('ANSWERED-ERROR'), call()), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.deepEqual([error.code, error.status, error.isRetryable, error.upstreamStatus], ['provider_error', 500, true, 500]);
      assert.equal(error.message, "Provider 'gen-api' answered HTTP 200 with an error: GPU fell over [31m key=[redacted] (type InternalServerError, code 500)");
      return true;
    });
    await assert.rejects(provider.chat(asking('ANSWERED-QUOTA'), call()), {
      status: 502,
      message: "Provider 'gen-api' answered HTTP 200 with an error about the credentials or the account's limits (code insufficient_quota), its message withheld",
    });
    const streamed = provider.stream(asking('ANSWERED-ERROR'), call())[Symbol.asyncIterator]();
    await assert.rejects(streamed.next(), { status: 500, message: /answered HTTP 200 with an error: GPU fell over/ });
  });

  test('messages placeholder sends OpenAI wire messages; the default path is /chat/completions', async () => {
    const wire = CustomProviderClass.create(settings({ body: { model: '{{model}}', messages: '{{messages}}' }, response: { text: 'x' } }), deps);
    await assert.rejects(wire.chat(chatRequest, call()));
    assert.equal(api.requests[0]?.url, '/api/chat/completions');
    assert.deepEqual((api.requests[0]?.body as Record<string, unknown>)['messages'], [
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'tell me a joke' },
    ]);
  });

  test('tools, tool results and images are unsupported_feature, and nothing is sent', async () => {
    const cases: [ChatRequest, string][] = [
      [{ ...chatRequest, tools: [{ name: 'lookup' }] }, 'tools'],
      [{ ...chatRequest, responseFormat: { type: 'json_object' } }, 'response_format'],
      [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'image', url: 'https://example.com/cat.png' }] }] }, 'messages'],
      [
        {
          model: 'm',
          messages: [
            { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] },
            { role: 'tool', toolCallId: 'c1', content: 'r' },
          ],
        },
        'messages',
      ],
    ];
    for (const [request, param] of cases) {
      await assert.rejects(provider.chat(request, call()), (error: unknown) => {
        assert.ok(error instanceof SwitchboardError);
        assert.equal(error.code, 'unsupported_feature');
        assert.equal(error.param, param);
        return true;
      });
    }
    assert.equal(api.requests.length, 0);
    assert.equal(provider.embed, undefined);
  });
});

describe('CustomProvider template validation at create()', () => {
  const rejects = (requestTemplate: unknown, field: RegExp, reason: RegExp) =>
    assert.throws(() => CustomProviderClass.create(settings(requestTemplate), deps), (error: unknown) => {
      assert.ok(error instanceof SwitchboardError);
      assert.equal(error.code, 'config_row_invalid');
      assert.match(error.param ?? '', field);
      assert.match(error.message, reason);
      return true;
    });

  test('unknown placeholders, bad paths and missing response.text are rejected with the reason', () => {
    rejects({ ...template, body: { inputs: ['{{prompt_text}}'] } }, /^request_template\.body\.inputs\.0$/, /unknown placeholder \{\{prompt_text\}\}/);
    rejects({ ...template, body: { a: 'x {{ model.name }}' } }, /^request_template\.body\.a$/, /unknown placeholder/);
    rejects({ ...template, response: { text: 'output..text' } }, /^request_template\.response\.text$/, /dot path/);
    rejects({ ...template, response: { finish_reason: 'x' } }, /^request_template\.response\.text$/, /expected string/);
    rejects({ ...template, response: { text: 'a', finish_reason_map: { eos: 'stop' } } }, /finish_reason_map$/, /needs response\.finish_reason/);
    rejects({ ...template, response: { text: 'a', finish_reason: 'b', finish_reason_map: { eos: 'done' } } }, /finish_reason_map\.eos$/, /invalid/i);
    rejects({ ...template, path: '/generate?stream=false' }, /^request_template\.path$/, /without query/);
    rejects({ ...template, respones: {} }, /^request_template/, /unrecognized/i);
    rejects({ path: '/generate', response: template.response }, /^request_template\.body$/, /invalid/i);
    rejects('not an object', /^request_template$/, /expected object/i);
  });
});
