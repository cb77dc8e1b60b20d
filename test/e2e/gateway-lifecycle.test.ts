// Streaming behaviour and the gateway's lifecycle: client disconnects abort the upstream, upstream
// errors mid-stream surface as SDK errors, graceful close finishes a stream in flight, one log
// line per request without secrets, metrics, health, and zero database queries on the hot path.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MODELS, startTestGateway, UPSTREAM_KEYS, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startTestGateway();
  client = t.client();
});
after(async () => {
  await t.close();
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function logOf(gateway: TestGateway, requestId: string): Record<string, unknown>[] {
  return gateway.logs.filter((line) => line['request_id'] === requestId);
}

const vendors = [
  ['OpenAI', MODELS.openai, () => t.openai],
  ['Anthropic', MODELS.anthropic, () => t.anthropic],
  ['Gemini', MODELS.google, () => t.google],
] as const;

describe('streaming', () => {
  for (const [vendor, model, mock] of vendors) {
    it(`a client that disconnects aborts the upstream request (${vendor})`, async () => {
      const requestId = `disconnect-${vendor}`;
      mock().hangNextStream({ afterChunks: 1 });
      const controller = new AbortController();
      const stream = await client.chat.completions.create(
        { model, messages: [{ role: 'user', content: 'never ending story' }], stream: true },
        { signal: controller.signal, headers: { 'x-request-id': requestId } },
      );
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false);
      const second = await iterator.next();
      assert.equal(second.value?.choices[0]?.delta.content, 'Echo:');
      const upstream = mock().requests.at(-1);
      assert.ok(upstream && !upstream.aborted);
      controller.abort();
      await waitFor(() => upstream.aborted, 'the mock sees the upstream request aborted');
      await waitFor(() => logOf(t, requestId).length === 1, 'the request log line');
      assert.equal(logOf(t, requestId)[0]?.['status'], 499);
    });

    it(`an upstream error mid-stream surfaces as an SDK error (${vendor})`, async () => {
      mock().failNextStream({ afterChunks: 2 });
      const stream = await client.chat.completions.create(
        { model, messages: [{ role: 'user', content: 'one two three four' }], stream: true },
        { headers: { 'x-request-id': `midstream-${vendor}` } },
      );
      let text = '';
      await assert.rejects(
        (async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        })(),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.APIError, String(error));
          assert.match(error.message, new RegExp(`e2e-${vendor === 'Gemini' ? 'google' : vendor.toLowerCase()}`));
          return true;
        },
      );
      assert.equal(text, 'Echo: one');
      const line = logOf(t, `midstream-${vendor}`)[0];
      assert.equal(line?.['status'], 200);
      assert.equal(typeof line?.['error_code'], 'string');
    });
  }

  it('forwards chunks as they arrive, before the upstream has finished', async () => {
    t.openai.hangNextStream({ afterChunks: 2 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: MODELS.openai, messages: [{ role: 'user', content: 'a b c d e f' }], stream: true },
      { signal: controller.signal },
    );
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text === 'Echo: a') break;
    }
    assert.equal(text, 'Echo: a');
    controller.abort();
  });
});

describe('request ids and logs', () => {
  it('writes exactly one line per request, echoing a sane x-request-id', async () => {
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', 'x-request-id': 'abc-123.x:y_z' },
      body: JSON.stringify({ model: MODELS.openai, messages: [{ role: 'user', content: 'TOP-SECRET-PROMPT words' }] }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-request-id'), 'abc-123.x:y_z');
    assert.equal(response.headers.get('x-switchboard-config-version'), String(t.watcher.snapshot.version));
    await response.text();
    const lines = logOf(t, 'abc-123.x:y_z');
    assert.equal(lines.length, 1);
    const line = lines[0] ?? {};
    assert.equal(line['method'], 'POST');
    assert.equal(line['route'], '/v1/chat/completions');
    assert.equal(line['project'], 'e2e');
    assert.equal(line['model'], MODELS.openai);
    assert.equal(line['provider'], 'e2e-openai');
    assert.equal(line['status'], 200);
    assert.equal(line['input_tokens'], 2);
    assert.equal(line['output_tokens'], 3);
    for (const field of ['duration_ms', 'upstream_ms', 'overhead_ms']) assert.equal(typeof line[field], 'number', field);
    assert.ok((line['duration_ms'] as number) >= (line['upstream_ms'] as number));
    assert.equal(typeof line['time'], 'string');
  });

  it('replaces an insane x-request-id with a generated one', async () => {
    for (const bad of ['has spaces', 'x'.repeat(129), 'semi;colon']) {
      const response = await fetch(`${t.origin}/healthz`, { headers: { 'x-request-id': bad } });
      const echoed = response.headers.get('x-request-id') ?? '';
      assert.notEqual(echoed, bad);
      assert.match(echoed, /^[0-9a-f-]{36}$/);
      assert.equal(logOf(t, echoed).length, 1);
    }
  });

  it('never logs keys or prompt and answer text', () => {
    const text = JSON.stringify(t.logs);
    assert.ok(t.logs.length > 5);
    assert.ok(!text.includes(t.apiKey));
    for (const key of Object.values(UPSTREAM_KEYS)) assert.ok(!text.includes(key));
    assert.ok(!text.includes('TOP-SECRET-PROMPT'));
    assert.ok(!text.includes('Echo:'));
  });
});

describe('operations endpoints', () => {
  it('/healthz and /readyz', async () => {
    const health = await fetch(`${t.origin}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${t.origin}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', config_version: t.watcher.snapshot.version });
  });

  it('/metrics: requests, latency split, tokens and errors, without secrets', async () => {
    await client.chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: 'count me' }] });
    await client.chat.completions.create({ model: 'unknown-model', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined);
    const response = await fetch(`${t.origin}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^switchboard_requests_total\{route="\/v1\/chat\/completions",model="e2e-gpt",provider="e2e-openai",status="200"\} \d+$/m);
    assert.match(text, /^switchboard_requests_total\{route="\/v1\/chat\/completions",model="",provider="",status="404"\} 1$/m);
    assert.match(text, /^switchboard_upstream_duration_seconds_count\{route="\/v1\/chat\/completions",provider="e2e-openai"\} \d+$/m);
    assert.match(text, /^switchboard_gateway_overhead_seconds_bucket\{route="\/v1\/chat\/completions",le="\+Inf"\} \d+$/m);
    assert.match(text, /^switchboard_request_duration_seconds_sum\{route="\/v1\/chat\/completions"\} [\d.e-]+$/m);
    assert.match(text, /^switchboard_tokens_total\{model="e2e-gpt",direction="output"\} \d+$/m);
    assert.match(text, /^switchboard_errors_total\{code="no_such_model"\} 1$/m);
    assert.ok(!text.includes('unknown-model'), 'unknown model names are not labels');
    assert.ok(!text.includes(t.apiKey));
    for (const key of Object.values(UPSTREAM_KEYS)) assert.ok(!text.includes(key));
  });
});

describe('hot path', () => {
  it('makes zero database queries during a burst of 50 requests', async () => {
    assert.ok(t.queryCount() > 0, 'the counting proxy sees the startup queries');
    const before = t.queryCount();
    const requests: Promise<unknown>[] = [];
    for (let index = 0; index < 50; index++) {
      const model = [MODELS.openai, MODELS.anthropic, MODELS.google][index % 3] ?? MODELS.openai;
      switch (index % 5) {
        case 0:
          requests.push(client.chat.completions.create({ model, messages: [{ role: 'user', content: `burst ${index}` }] }));
          break;
        case 1:
          requests.push(
            (async () => {
              const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `burst ${index}` }], stream: true });
              for await (const chunk of stream) void chunk;
            })(),
          );
          break;
        case 2:
          requests.push(client.embeddings.create({ model: MODELS.openaiEmbed, input: `burst ${index}` }));
          break;
        case 3:
          requests.push(client.models.list());
          break;
        default:
          requests.push(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined));
      }
    }
    await Promise.all(requests);
    assert.equal(t.queryCount() - before, 0);
  });
});

describe('graceful close', () => {
  it('finishes a stream in flight, then stops', async () => {
    const slow = await startTestGateway({ googleChunkDelayMs: 60, config: { logBodies: true, shutdownTimeoutMs: 10_000 } });
    try {
      const slowClient = slow.client();
      const stream = await slowClient.chat.completions.create({
        model: MODELS.google,
        messages: [{ role: 'user', content: 'one two three four five six' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const iterator = stream[Symbol.asyncIterator]();
      let text = '';
      const first = await iterator.next();
      text += first.value?.choices[0]?.delta.content ?? '';
      const closing = slow.gateway.close();
      let closed = false;
      void closing.then(() => (closed = true));
      let usage: OpenAI.CompletionUsage | null | undefined;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        text += next.value.choices[0]?.delta.content ?? '';
        usage = next.value.usage ?? usage;
      }
      assert.equal(text, 'Echo: one two three four five six');
      assert.equal(usage?.completion_tokens, 7);
      await closing;
      assert.ok(closed);
      await assert.rejects(fetch(`${slow.origin}/healthz`), 'no longer accepting connections');
      // logBodies is on for this gateway: the prompt and the answer are in its log.
      const line = slow.logs.find((entry) => entry['route'] === '/v1/chat/completions');
      assert.match(JSON.stringify(line?.['request_body']), /one two three/);
      assert.equal(line?.['response_text'], 'Echo: one two three four five six');
    } finally {
      await slow.close();
    }
  });

  it('destroys what is left after shutdownTimeoutMs', async () => {
    const short = await startTestGateway({ config: { shutdownTimeoutMs: 200 } });
    try {
      short.openai.hangNextStream({ afterChunks: 1 });
      const stream = await short
        .client()
        .chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: 'hang on' }], stream: true });
      const consumed = (async () => {
        for await (const chunk of stream) void chunk;
      })();
      const started = performance.now();
      await short.gateway.close();
      assert.ok(performance.now() - started < 2000);
      await assert.rejects(consumed);
      await waitFor(() => short.openai.requests.at(-1)?.aborted === true, 'the upstream request aborted');
    } finally {
      await short.close();
    }
  });
});
