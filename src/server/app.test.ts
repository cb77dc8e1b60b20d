// The gateway with an in-memory registry and a scripted provider (no database, no HTTP upstream):
// what only a fake can show, such as `return()` reaching the provider's iterator on disconnect,
// and that no failure, however unexpected, crashes the process or leaks its message.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config.js';
import { createEnvCredentialResolver } from '../credentials/env-credentials.js';
import { generateApiKey } from '../crypto/api-key.js';
import { ProviderError } from '../errors.js';
import type { CallOptions, ChatRequest, ChatResponse, Provider, StreamPart } from '../providers/spec/index.js';
import { PriceBook } from '../registry/price-book.js';
import { ApiKeyIndex } from '../registry/api-key-index.js';
import type { ConfigSnapshot } from '../registry/config-snapshot.js';
import { ProviderRegistry, type ModelEntry, type ProviderEntry } from '../registry/provider-registry.js';
import { AIService } from '../service/ai-service.js';
import { RouteTable } from '../routing/route-table.js';
import { createGateway, type Gateway } from './app.js';

type Script = (request: ChatRequest, options: CallOptions) => AsyncGenerator<StreamPart>;

/** A provider whose chat and stream behaviour each test scripts. */
class ScriptedProvider implements Provider {
  readonly specVersion = 'v1';
  readonly name = 'fake';
  chatImpl: (request: ChatRequest, options: CallOptions) => Promise<ChatResponse> = () => Promise.reject(new Error('unscripted'));
  streamImpl: Script = async function* () {
    yield* [];
    throw new Error('unscripted');
  };
  chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    return this.chatImpl(request, options);
  }
  stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart> {
    return this.streamImpl(request, options);
  }
}

const provider = new ScriptedProvider();
const key = generateApiKey();
const logs: Record<string, unknown>[] = [];
let snapshotBroken = false;
let versionZero = false;
let logThrows = false;
let gateway: Gateway;
let origin: string;

function snapshot(): ConfigSnapshot {
  const providerEntry: ProviderEntry = {
    id: 'p1',
    name: 'fake',
    displayName: null,
    className: 'Fake',
    isActive: true,
    isBuiltin: false,
    status: 'available',
    reason: undefined,
    provider,
    requiredEnvVars: [],
    features: {},
    pricing: {},
    baseUrl: 'http://fake',
    nativeFields: {},
    maxBatchSize: undefined,
    loadProblem: undefined,
  };
  const model: ModelEntry = {
    id: 'm1',
    name: 'fake-model',
    displayName: null,
    modelId: 'fake-1',
    providerName: 'fake',
    providerId: 'p1',
    contextWindow: undefined,
    maxTokens: undefined,
    features: {},
    pricing: {},
    nativeFields: {},
    isActive: true,
    status: 'available',
    reason: undefined,
  };
  const apiKeys = new ApiKeyIndex([
    { id: 'k1', projectId: 'proj1', projectName: 'unit', prefix: key.prefix, keyHash: key.hash, revokedAt: null, expiresAt: null },
  ]);
  return { version: 3, registry: new ProviderRegistry([providerEntry], [model], 3), apiKeys, prices: new PriceBook([]), routes: RouteTable.empty };
}

const fixed = snapshot();

before(async () => {
  const service = new AIService({ registry: () => fixed.registry, credentials: createEnvCredentialResolver({}) });
  gateway = createGateway({
    service,
    snapshot: () => {
      if (snapshotBroken) throw new Error('no snapshot yet');
      return versionZero ? { ...fixed, version: 0 } : fixed;
    },
    config: { ...loadConfig({}), shutdownTimeoutMs: 1000 },
    log: (line) => {
      if (logThrows) throw new Error('log sink is down');
      logs.push(line);
    },
  });
  const address = await gateway.listen(0, '127.0.0.1');
  origin = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await gateway.close();
});

function chat(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

const start: StreamPart = { type: 'stream-start', id: 'chatcmpl-f', model: 'fake-1', created: 1 };

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 3000;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('gateway with a scripted provider', () => {
  it('aborts the signal and calls return() on the parts iterator when the client disconnects', async () => {
    let aborted = false;
    let finalized = false;
    provider.streamImpl = async function* (_request, options) {
      options.signal.addEventListener('abort', () => (aborted = true));
      try {
        yield start;
        yield { type: 'text-delta', text: 'partial' };
        // Like a real upstream read: pending until the signal aborts it.
        await new Promise((_resolve, reject) => options.signal.addEventListener('abort', () => reject(options.signal.reason)));
      } finally {
        finalized = true;
      }
    };
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(
        `${origin}/v1/chat/completions`,
        { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', 'x-request-id': 'unit-disconnect' } },
        (response) => {
          response.once('data', () => {
            request.destroy();
            resolve();
          });
        },
      );
      request.on('error', () => undefined);
      request.end(JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], stream: true }));
      setTimeout(() => reject(new Error('no data')), 3000).unref();
    });
    await waitFor(() => aborted, 'the upstream signal to abort');
    await waitFor(() => finalized, "the provider iterator's finally block");
    await waitFor(() => logs.some((line) => line['request_id'] === 'unit-disconnect'), 'the log line');
    assert.equal(logs.find((line) => line['request_id'] === 'unit-disconnect')?.['status'], 499);
  });

  it('calls return() on the iterator when the client leaves between parts', async () => {
    let finalized = false;
    let release: () => void = () => undefined;
    provider.streamImpl = async function* () {
      try {
        yield start;
        await new Promise<void>((resolve) => (release = resolve));
        yield { type: 'text-delta', text: 'late' };
        yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } };
      } finally {
        finalized = true;
      }
    };
    await new Promise<void>((resolve) => {
      const request = httpRequest(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      });
      request.on('response', (response) => {
        response.once('data', () => {
          request.destroy();
          setTimeout(() => {
            release();
            resolve();
          }, 20);
        });
      });
      request.on('error', () => undefined);
      request.end(JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    await waitFor(() => finalized, "the provider iterator's finally block (return())");
  });

  it('an error in first place gets a real HTTP status, not a 200 stream', async () => {
    provider.streamImpl = async function* () {
      yield { type: 'error', error: new ProviderError('rate_limited', "Provider 'fake' failed: HTTP 429", { provider: 'fake', status: 429, retryAfter: 3 }) };
    };
    const response = await chat({ stream: true });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '3');
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'rate_limit_exceeded');
  });

  it('a plain Error thrown mid-stream becomes an error event without its message, then the stream ends', async () => {
    provider.streamImpl = async function* () {
      yield start;
      yield { type: 'text-delta', text: 'a' };
      throw new Error('secret internal detail');
    };
    const response = await chat({ stream: true }, { 'x-request-id': 'unit-midstream' });
    assert.equal(response.status, 200);
    const text = await response.text();
    const frames = text.split('\n\n').filter(Boolean);
    const last = JSON.parse((frames.at(-1) ?? '').slice(6)) as { error: { message: string; code: string } };
    assert.equal(last.error.code, 'internal_error');
    assert.equal(last.error.message, 'Internal server error (request id unit-midstream)');
    assert.ok(!text.includes('secret internal detail'));
    assert.ok(!text.includes('[DONE]'));
  });

  it('a non-Switchboard error from the provider → 500 with the request id and no detail', async () => {
    provider.chatImpl = () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'apiKey')"));
    const response = await chat({}, { 'x-request-id': 'unit-500' });
    assert.equal(response.status, 500);
    const body = (await response.json()) as { error: { message: string; type: string } };
    assert.deepEqual(body.error, { message: 'Internal server error (request id unit-500)', type: 'server_error', param: null, code: 'internal_error' });
  });

  it('a throwing logger does not break answers', async () => {
    provider.chatImpl = () =>
      Promise.resolve({ id: 'c', model: 'fake-1', created: 1, choices: [{ index: 0, content: 'ok', toolCalls: [], finishReason: 'stop' }], usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } });
    logThrows = true;
    try {
      const response = await chat({});
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { model: string }).model, 'fake-model');
    } finally {
      logThrows = false;
    }
  });

  it('no snapshot yet: /readyz 503, /v1 500, /healthz still 200 (also for HEAD)', async () => {
    snapshotBroken = true;
    try {
      assert.equal((await fetch(`${origin}/readyz`)).status, 503);
      assert.equal((await chat({})).status, 500);
      assert.equal((await fetch(`${origin}/healthz`)).status, 200);
      assert.equal((await fetch(`${origin}/healthz`, { method: 'HEAD' })).status, 200);
    } finally {
      snapshotBroken = false;
    }
    assert.equal((await fetch(`${origin}/readyz`)).status, 200);
  });

  it('a flood of /readyz runs the readiness check (a database query) once, not once per probe', async () => {
    let checks = 0;
    const probed = createGateway({
      service: new AIService({ registry: () => fixed.registry, credentials: createEnvCredentialResolver({}) }),
      snapshot: () => fixed,
      config: { ...loadConfig({}), shutdownTimeoutMs: 1000 },
      ready: async () => {
        checks += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return true;
      },
    });
    const address = await probed.listen(0, '127.0.0.1');
    try {
      const started = performance.now();
      const statuses = await Promise.all(Array.from({ length: 200 }, async () => (await fetch(`http://127.0.0.1:${address.port}/readyz`)).status));
      assert.ok(statuses.every((status) => status === 200));
      // One run per second of probing at most (one in all, unless this machine is very slow).
      assert.ok(checks <= 1 + Math.floor((performance.now() - started) / 1000), `${checks} checks`);
    } finally {
      await probed.close();
    }
  });

  it('a snapshot at config version 0 (version row unreadable): /readyz 503 with the reason, /v1 still served', async () => {
    versionZero = true;
    try {
      const ready = await fetch(`${origin}/readyz`);
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as Record<string, unknown>;
      assert.equal(body['status'], 'not_ready');
      assert.match(String(body['reason']), /config version reads 0/);
      assert.equal((await chat({})).status, 200);
    } finally {
      versionZero = false;
    }
    assert.deepEqual(await (await fetch(`${origin}/readyz`)).json(), { status: 'ready', config_version: 3 });
  });
});
