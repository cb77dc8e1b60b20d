/**
 * A provider row's static `config.headers` often carry a secret (an AI gateway's or proxy's token:
 * `cf-aig-authorization`, `helicone-auth`, `x-portkey-api-key`). An upstream that echoes such a
 * value in its error must not hand it to the tenant's client: the values count as the call's
 * secrets, like the credential's own headers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { sendJson, startMockServer, type MockServer } from '../../../test/helpers/mock-server.js';
import type { ProviderSettings } from '../provider-class.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, StreamPart } from '../spec/index.js';
import { OpenAIProviderClass } from '../openai/index.js';
import { CustomProviderClass } from './index.js';

const GATEWAY_TOKEN = '7f3kq92mzt4w8pl1xv'; // no vendor key shape: only the row says it is a secret
const deps: ProviderDeps = { dispatcher: new Agent(), now: () => 1_767_225_600_000, randomId: () => 'rnd1' };
const request: ChatRequest = { model: 'm-1', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };
const call = (): CallOptions => ({ signal: new AbortController().signal, credential: {} });

/**
 * A gateway in front of a model: every call must carry its token in `x-gateway-token` (else 401),
 * and it refuses the model, naming the token it was given, as some gateways do.
 */
async function startGateway(): Promise<MockServer> {
  return startMockServer((recorded, response) => {
    const token = recorded.headers['x-gateway-token'];
    if (token !== GATEWAY_TOKEN) return sendJson(response, 401, { error: { message: 'missing or wrong x-gateway-token' } });
    sendJson(response, 400, { error: { message: `gateway token ${token} may not use model m-1`, type: 'invalid_request_error' } });
  });
}

let gateway: MockServer;
before(async () => {
  gateway = await startGateway();
});
after(async () => {
  await gateway.close();
  await deps.dispatcher.close();
});

function settings(overrides: Partial<ProviderSettings>): ProviderSettings {
  return {
    name: 'gw',
    baseUrl: `${gateway.origin}/v1`,
    authHeaderName: 'Authorization',
    authHeaderPrefix: 'Bearer',
    config: { headers: { 'X-Gateway-Token': GATEWAY_TOKEN } },
    requestTemplate: undefined,
    ...overrides,
  };
}

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('the call did not fail');
}

async function drain(stream: AsyncIterable<StreamPart>): Promise<void> {
  for await (const part of stream) void part;
}

function assertScrubbed(error: Error): void {
  assert.equal(gateway.requests.at(-1)?.headers['x-gateway-token'], GATEWAY_TOKEN, 'the token went upstream');
  assert.match(error.message, /may not use model m-1/);
  assert.ok(!error.message.includes(GATEWAY_TOKEN.slice(0, 8)), error.message);
  assert.ok(!error.message.includes(GATEWAY_TOKEN.slice(-8)), error.message);
}

describe('config.headers values are redacted from upstream errors', () => {
  test('CustomProvider (OpenAI-compatible), a chat call', async () => {
    const provider = CustomProviderClass.create(settings({}), deps);
    assertScrubbed(await failure(() => provider.chat(request, call())));
  });

  test('CustomProvider (OpenAI-compatible), a stream', async () => {
    const provider = CustomProviderClass.create(settings({}), deps);
    assertScrubbed(await failure(() => drain(provider.stream(request, call()))));
  });

  test('OpenAIProvider with a gateway token in config.headers', async () => {
    const provider = OpenAIProviderClass.create(settings({}), deps);
    assertScrubbed(await failure(() => provider.chat(request, { ...call(), credential: { apiKey: 'vendor-key-0123456789' } })));
  });

  test('CustomProvider with a request template', async () => {
    const template = { path: '/generate', body: { prompt: '{{prompt}}' }, response: { text: 'output.text' } };
    const provider = CustomProviderClass.create(settings({ requestTemplate: template }), deps);
    assertScrubbed(await failure(() => provider.chat(request, call())));
    assert.equal(gateway.requests.at(-1)?.url, '/v1/generate');
  });

  test('short values (a version, a flag) are not treated as secrets', async () => {
    const provider = CustomProviderClass.create(settings({ config: { headers: { 'X-Gateway-Token': GATEWAY_TOKEN, 'x-scope': 'model' } } }), deps);
    const error = await failure(() => provider.chat(request, call()));
    assert.match(error.message, /may not use model m-1/);
  });
});
