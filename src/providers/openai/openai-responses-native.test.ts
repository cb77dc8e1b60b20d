// The native Responses call (`/v1/responses` on an OpenAI row) when the vendor answers an error:
// a 200 with an `{"error"}` body instead of a Response, a failed Response whole, and the failure
// events of a stream, which are passed on as the vendor's own protocol.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { ProviderError } from '../../errors.js';
import { sendJson, sendSse, startMockServer, type MockServer } from '../../../test/helpers/mock-server.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { NativeAnswer, NativeCallOptions, NativeEvent, Provider } from '../spec/index.js';
import { OpenAIProviderClass } from './index.js';

const key = 'tenantkey0123456789abcdef';
const deps: ProviderDeps = { dispatcher: new Agent(), now: () => 1_767_225_600_000, randomId: () => 'rnd1' };
const created = { id: 'resp_1', object: 'response', status: 'in_progress', model: 'gpt-x', output: [], error: null };
const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** What the upstream answers, chosen by the request's `input`. */
const answers: Record<string, { json: unknown } | { frames: string[] }> = {
  'answered-error': { json: { error: { message: `model crashed\u001b[2J\r\nwith ${key}\u202e`, type: 'server_error', code: null } } },
  'answered-quota': { json: { error: { message: 'You exceeded your current quota: Acme spent $1,204.', type: 'insufficient_quota', code: 'insufficient_quota' } } },
  'failed-whole': { json: { ...created, status: 'failed', error: { code: 'server_error', message: `failed for ${key}` }, usage: null } },
  'stream-quota': {
    frames: [
      frame('response.created', { type: 'response.created', sequence_number: 0, response: created }),
      frame('error', { type: 'error', sequence_number: 1, code: 'insufficient_quota', message: 'Quota of org Acme: $1,204 used', param: null }),
    ],
  },
  'stream-failed-limit': {
    frames: [
      frame('response.created', { type: 'response.created', sequence_number: 0, response: created }),
      frame('response.failed', { type: 'response.failed', sequence_number: 1, response: { ...created, status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Limit 30000 TPM, used 29990' } } }),
    ],
  },
  'stream-garbled': {
    frames: [
      frame('response.created', { type: 'response.created', sequence_number: 0, response: created }),
      frame('error', { type: 'error', sequence_number: 1, code: 'server_error', message: `boom\u001b[31m for ${key}`, param: null }),
    ],
  },
};

let server: MockServer;
let provider: Provider;

before(async () => {
  server = await startMockServer((request, response) => {
    const answer = answers[String((request.body as { input?: unknown }).input)];
    if (answer === undefined) return sendJson(response, 404, { error: { message: 'unknown mode', type: 'invalid_request_error' } });
    if ('json' in answer) return sendJson(response, 200, answer.json);
    return sendSse(response, answer.frames);
  });
  provider = OpenAIProviderClass.create(
    { name: 'openai', baseUrl: `${server.origin}/v1`, authHeaderName: 'Authorization', authHeaderPrefix: 'Bearer', config: {}, requestTemplate: null },
    deps,
  );
});
after(async () => {
  await server.close();
  await deps.dispatcher.close();
});

function callNative(input: string, stream: boolean): Promise<NativeAnswer> {
  const options: NativeCallOptions = { signal: new AbortController().signal, credential: { apiKey: key }, stream };
  assert.ok(provider.native);
  return provider.native('openai-responses', { model: 'gpt-x', input }, options);
}

async function events(input: string): Promise<NativeEvent[]> {
  const answer = await callNative(input, true);
  assert.equal(answer.type, 'stream');
  const seen: NativeEvent[] = [];
  if (answer.type === 'stream') for await (const event of answer.events) seen.push(event);
  return seen;
}

describe('native Responses: a 200 whose body is an error', () => {
  // Until 2026-12-08 the client got a 200 with the vendor's error body (its words unredacted, the
  // gateway's `model` added) and the ledger a successful call.
  test('is the provider\'s retryable 502 naming the cleaned, redacted message, as on chat completions', async () => {
    await assert.rejects(callNative('answered-error', false), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.deepEqual([error.code, error.status, error.isRetryable, error.upstreamStatus], ['provider_error', 502, true, undefined]);
      assert.equal(error.message, "Provider 'openai' answered HTTP 200 with an error: model crashed [2J with [redacted] (type server_error)");
      return true;
    });
  });

  test('about the credentials or the account\'s limits: its message withheld', async () => {
    await assert.rejects(callNative('answered-quota', false), {
      status: 502,
      message: "Provider 'openai' answered HTTP 200 with an error about the credentials or the account's limits (type insufficient_quota, code insufficient_quota), its message withheld",
    });
  });

  test('a failed Response whole is an answer: passed on with its error redacted, as a stream\'s response.failed', async () => {
    const answer = await callNative('failed-whole', false);
    assert.ok(answer.type === 'json');
    assert.equal(answer.body['status'], 'failed');
    assert.deepEqual(answer.body['error'], { code: 'server_error', message: 'failed for [redacted]' });
  });
});

describe('native Responses stream: failure events', () => {
  // Until 2026-12-08 an in-stream error about the account's quota or limits was passed on with the
  // vendor's words, which an error status's body never shows.
  test('an error about the credentials or the account\'s limits has its message withheld, its code kept', async () => {
    const quota = (await events('stream-quota')).at(-1);
    assert.equal(quota?.event, 'error');
    assert.deepEqual(JSON.parse(quota?.data ?? '{}'), {
      type: 'error',
      sequence_number: 1,
      code: 'insufficient_quota',
      message: "Provider 'openai' sent an error about the credentials or the account's limits, its message withheld",
      param: null,
    });
    const failed = (await events('stream-failed-limit')).at(-1);
    assert.equal(failed?.event, 'response.failed');
    const response = (JSON.parse(failed?.data ?? '{}') as { response: { status: string; error: unknown } }).response;
    assert.equal(response.status, 'failed');
    assert.deepEqual(response.error, { code: 'rate_limit_exceeded', message: "Provider 'openai' sent an error about the credentials or the account's limits, its message withheld" });
  });

  test('any other failure event keeps the vendor\'s words (control characters included) but not the key', async () => {
    const garbled = (await events('stream-garbled')).at(-1);
    assert.equal(garbled?.event, 'error');
    assert.equal((JSON.parse(garbled?.data ?? '{}') as { message: string }).message, 'boom\u001b[31m for [redacted]');
  });
});
