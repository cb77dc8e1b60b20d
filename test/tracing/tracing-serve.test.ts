// Traces from a real `switchboard serve` process: with an OTLP endpoint set, a chat call and a
// streamed call each produce a server span and an upstream attempt span (GenAI attributes,
// Switchboard's project and cost) in the client's trace, the vendor gets the attempt's
// traceparent, and the attempt span of a stream ends when the stream does. With tracing off
// (the switch off, the endpoint still set), nothing is sent and no OpenTelemetry module is ever
// loaded: a loader hook in the process lists every module it loaded (the same list shows that the
// server loads undici's dispatcher without undici's index).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { insertProjectKey, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { pricingJson, PRICES } from '../usage/ledger-harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
import { createServeDatabase, type ServeDatabase } from '../helpers/serve-database.js';

const VENDOR_KEY = 'sk-otel-0123456789abcdef';
const MODEL = 'otel-gpt';
const CHUNK_DELAY_MS = 40;
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
const hook = path.join(path.dirname(fileURLToPath(import.meta.url)), 'module-watch.mjs');

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

describe('traces from a serve process', () => {
  let database: ServeDatabase;
  let receiver: OtlpReceiver;
  let openai: OpenAIMock;
  let apiKey: string;
  let workDir: string;
  const running: ServeProcess[] = [];

  before(async () => {
    [receiver, openai] = await Promise.all([startOtlpReceiver(), startOpenAIMock({ apiKeys: [VENDOR_KEY], chunkDelayMs: CHUNK_DELAY_MS })]);
    workDir = await mkdtemp(path.join(tmpdir(), 'sb-trace-'));
    database = await createServeDatabase(async (db) => {
      await db.query(
        `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('otel-openai', 'OpenAIProvider', $1, '["OTEL_TEST_API_KEY"]')`,
        [openai.baseUrl],
      );
      await db.query(
        `insert into public.ai_models (name, provider_id, model_id, pricing) select $1, id, 'gpt-4o-mini', $2 from public.ai_providers where name = 'otel-openai'`,
        [MODEL, pricingJson(PRICES)],
      );
      apiKey = (await insertProjectKey(db, 'tracing')).key;
    });
  });
  after(async () => {
    for (const instance of running) await instance.stop().catch(() => undefined);
    await receiver?.close();
    await openai?.close();
    await database?.dispose();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  async function serve(name: string, env: Record<string, string>): Promise<{ instance: ServeProcess; modules: string }> {
    // One process at a time (an embedded database has one owner).
    for (const instance of running.splice(0)) await instance.stop().catch(() => undefined);
    const modules = path.join(workDir, `${name}.modules`);
    const instance = await startServeProcess({
      ...database.target,
      nodeArgs: ['--import', hook],
      env: { OTEL_TEST_API_KEY: VENDOR_KEY, SWITCHBOARD_CONFIG_POLL_MS: '60000', MODULE_WATCH_FILE: modules, ...env },
      startTimeoutMs: 60_000,
    });
    running.push(instance);
    return { instance, modules };
  }

  /** The modules the process loaded (after it exited). */
  async function loaded(modules: string): Promise<string[]> {
    return (await readFile(modules, 'utf8')).split('\n').filter((line) => line !== '');
  }

  function chat(instance: ServeProcess, traceparent: string | undefined, body: Record<string, unknown>, key: string | null = apiKey): Promise<Response> {
    return fetch(`${instance.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(traceparent ? { traceparent } : {}),
      },
      body: JSON.stringify({ model: MODEL, ...body }),
    });
  }

  /** A chat call whose request line names the whole URL (`POST http://host:port/v1/… HTTP/1.1`); its status. */
  function absoluteFormChat(instance: ServeProcess, traceparent: string, body: Record<string, unknown>): Promise<number> {
    const payload = JSON.stringify({ model: MODEL, ...body });
    const target = new URL(instance.url);
    return new Promise((resolve, reject) => {
      const call = request(
        {
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path: `${instance.url}/v1/chat/completions`,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, traceparent },
        },
        (answer) => {
          answer.resume();
          answer.on('end', () => resolve(answer.statusCode ?? 0));
        },
      );
      call.on('error', reject);
      call.end(payload);
    });
  }

  const inTrace = (spans: ReceivedSpan[], traceId: string): ReceivedSpan[] => spans.filter((span) => span.traceId === traceId);
  const twoSpans = (traceId: string) => (spans: ReceivedSpan[]) => inTrace(spans, traceId).length >= 2;

  /** The server span and the attempt span of one request, checked for the common shape. */
  function requestSpans(spans: ReceivedSpan[], traceId: string, clientSpanId: string): { server: ReceivedSpan; attempt: ReceivedSpan } {
    const trace = inTrace(spans, traceId);
    assert.equal(trace.length, 2, `one server and one attempt span: ${JSON.stringify(trace.map((span) => span.name))}`);
    const server = trace.find((span) => span.kind === SERVER);
    const attempt = trace.find((span) => span.kind === CLIENT);
    assert.ok(server && attempt, 'a server span and a client span');
    assert.equal(server.parentSpanId, clientSpanId, "the server span is a child of the client's span");
    assert.equal(attempt.parentSpanId, server.spanId, 'the attempt span is a child of the server span');
    assert.equal(server.name, 'POST /v1/chat/completions');
    assert.equal(attempt.name, 'chat gpt-4o-mini');
    assert.equal(server.resource['service.name'], 'switchboard-test');
    assert.ok(attempt.startNanos >= server.startNanos && attempt.endNanos <= server.endNanos, 'the attempt lies within the request');
    for (const span of [server, attempt]) {
      assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
      assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
      assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini');
      assert.equal(span.attributes['switchboard.project'], 'tracing');
      assert.equal(span.statusCode, 0);
    }
    assert.equal(server.attributes['gen_ai.request.model'], MODEL, 'the server span: the name the client asked for');
    assert.equal(attempt.attributes['gen_ai.request.model'], 'gpt-4o-mini', "the attempt span: the vendor's model id");
    assert.equal(attempt.attributes['switchboard.model'], MODEL);
    assert.equal(attempt.attributes['switchboard.provider'], 'otel-openai');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(server.attributes['http.route'], '/v1/chat/completions');
    assert.equal(server.attributes['url.path'], '/v1/chat/completions', 'the path only, also for an absolute-form target');
    const input = Number(attempt.attributes['gen_ai.usage.input_tokens']);
    const cacheRead = Number(attempt.attributes['gen_ai.usage.cache_read.input_tokens']);
    const output = Number(attempt.attributes['gen_ai.usage.output_tokens']);
    assert.ok(input > 0 && output > 0, `tokens ${input} in, ${output} out`);
    // The cost of exactly those tokens at the model's prices (input excludes the cached ones), plus the per-request price.
    const perToken = (input - cacheRead) * Number(PRICES.input_per_mtok) + cacheRead * Number(PRICES.cached_input_per_mtok) + output * Number(PRICES.output_per_mtok);
    const expected = perToken / 1e6 + Number(PRICES.per_request);
    assert.ok(Math.abs(Number(attempt.attributes['switchboard.cost_usd']) - expected) < 1e-12, `cost ${attempt.attributes['switchboard.cost_usd']} = ${expected}`);
    for (const name of ['gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.usage.cache_read.input_tokens', 'switchboard.cost_usd']) {
      assert.equal(server.attributes[name], attempt.attributes[name], `the server span sums its attempts: ${name}`);
    }
    return { server, attempt };
  }

  test('tracing on: a chat call and a streamed call produce their spans in the client trace', async () => {
    const { instance, modules } = await serve('on', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'switchboard-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    await instance.waitForLog((line) => typeof line['msg'] === 'string' && line['msg'].startsWith('tracing on: spans to'));

    // A chat call whose system prompt hits the (mock) prompt cache.
    const chatTrace = hex(16);
    const chatParent = hex(8);
    const before = openai.requests.length;
    const answer = await chat(instance, `00-${chatTrace}-${chatParent}-01`, {
      messages: [
        { role: 'system', content: 'use the cache' },
        { role: 'user', content: 'hello traces' },
      ],
    });
    assert.equal(answer.status, 200, await answer.clone().text());
    const usage = ((await answer.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    const chatSpans = requestSpans(await receiver.waitFor(twoSpans(chatTrace)), chatTrace, chatParent);
    assert.equal(chatSpans.attempt.attributes['gen_ai.usage.input_tokens'], usage.prompt_tokens);
    assert.equal(chatSpans.attempt.attributes['gen_ai.usage.output_tokens'], usage.completion_tokens);
    assert.equal(chatSpans.attempt.attributes['gen_ai.usage.cache_read.input_tokens'], 3);
    assert.equal(chatSpans.attempt.attributes['gen_ai.usage.cache_creation.input_tokens'], 0);
    assert.equal(chatSpans.attempt.attributes['switchboard.streamed'], false);
    assert.equal(chatSpans.attempt.attributes['server.address'], '127.0.0.1');
    // The vendor got the attempt span's traceparent (and no other trace header from the client).
    assert.equal(openai.requests[before]?.headers['traceparent'], `00-${chatTrace}-${chatSpans.attempt.spanId}-01`);

    // A streamed call: the attempt span ends when the stream does (5 chunks CHUNK_DELAY_MS apart).
    const streamTrace = hex(16);
    const streamParent = hex(8);
    const streamed = await chat(instance, `00-${streamTrace}-${streamParent}-01`, {
      stream: true,
      messages: [{ role: 'user', content: 'one two three four' }],
    });
    assert.equal(streamed.status, 200);
    const text = await streamed.text();
    assert.match(text, /data: \[DONE\]/);
    const streamSpans = requestSpans(await receiver.waitFor(twoSpans(streamTrace)), streamTrace, streamParent);
    assert.equal(streamSpans.attempt.attributes['switchboard.streamed'], true);
    assert.equal(streamSpans.attempt.attributes['gen_ai.usage.output_tokens'], 5, '"Echo: one two three four"');
    const attemptMs = Number(streamSpans.attempt.endNanos - streamSpans.attempt.startNanos) / 1e6;
    assert.ok(attemptMs >= 4 * CHUNK_DELAY_MS, `the attempt span lasts the whole stream: ${attemptMs} ms`);
    assert.ok(Number(streamSpans.attempt.attributes['switchboard.ttft_ms']) < attemptMs);

    // An absolute-form target (as a proxy sends it): the span's url.path is its path, not the host.
    const absoluteTrace = hex(16);
    const absoluteParent = hex(8);
    assert.equal(await absoluteFormChat(instance, `00-${absoluteTrace}-${absoluteParent}-01`, say('through a proxy')), 200);
    requestSpans(await receiver.waitFor(twoSpans(absoluteTrace)), absoluteTrace, absoluteParent);

    // A client asking to stay out of traces (-00) is traced all the same (the ratio, 1 here, decides),
    // and the vendor is told it is sampled.
    const optOutTrace = hex(16);
    const optOutParent = hex(8);
    const optOutAt = openai.requests.length;
    assert.equal((await chat(instance, `00-${optOutTrace}-${optOutParent}-00`, { messages: [{ role: 'user', content: 'do not trace me' }] })).status, 200);
    const optOut = requestSpans(await receiver.waitFor(twoSpans(optOutTrace)), optOutTrace, optOutParent);
    assert.equal(openai.requests[optOutAt]?.headers['traceparent'], `00-${optOutTrace}-${optOut.attempt.spanId}-01`);

    // Without a traceparent, a request starts its own trace; a malformed one is ignored the same way.
    for (const traceparent of [undefined, `00-${'0'.repeat(32)}-${hex(8)}-01`]) {
      const count = receiver.spans.length;
      assert.equal((await chat(instance, traceparent, { messages: [{ role: 'user', content: 'no parent' }] })).status, 200);
      const spans = (await receiver.waitFor((all) => all.length >= count + 2)).slice(count);
      const server = spans.find((span) => span.kind === SERVER);
      assert.equal(server?.parentSpanId, '', 'a root span');
      assert.notEqual(server?.traceId, '0'.repeat(32));
      assert.equal(spans.find((span) => span.kind === CLIENT)?.traceId, server?.traceId);
    }

    // An upstream failure: the attempt span has the error; the server span has the 4xx status.
    openai.failNext({ status: 429 });
    const failTrace = hex(16);
    const failed = await chat(instance, `00-${failTrace}-${hex(8)}-01`, { messages: [{ role: 'user', content: 'fail' }] });
    assert.equal(failed.status, 429);
    const failSpans = inTrace(await receiver.waitFor(twoSpans(failTrace)), failTrace);
    const failedAttempt = failSpans.find((span) => span.kind === CLIENT);
    assert.equal(failedAttempt?.statusCode, ERROR);
    assert.equal(failedAttempt?.attributes['error.type'], 'rate_limited');
    assert.equal(failSpans.find((span) => span.kind === SERVER)?.attributes['http.response.status_code'], 429);

    assert.equal(await instance.stop(), 0);
    const opentelemetry = (await loaded(modules)).filter((line) => line.includes('/@opentelemetry/'));
    assert.ok(opentelemetry.length > 0, 'with tracing on, the watch sees OpenTelemetry loaded');
    assert.ok(receiver.requests.every((request) => request.contentType.startsWith('application/json')), 'OTLP/HTTP JSON');
  });

  /** The traceparent the vendor got for the last call since `from`: its trace id and flags. */
  function upstreamTrace(from: number): { traceId: string; spanId: string; flags: string } {
    const sent = openai.requests.slice(from).at(-1)?.headers['traceparent'];
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(typeof sent === 'string' ? sent : '');
    assert.ok(match, `a traceparent upstream: ${String(sent)}`);
    return { traceId: match[1] as string, spanId: match[2] as string, flags: match[3] as string };
  }

  const say = (content: string): Record<string, unknown> => ({ messages: [{ role: 'user', content }] });

  test("an untrusted client's sampled flag does not decide: ratio 0 keeps its -01 trace out, and the vendor gets flag 00", async () => {
    const spans = receiver.spans.length;
    const { instance } = await serve('ratio-0', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    const clientTrace = hex(16);
    const clientSpan = hex(8);
    const before = openai.requests.length;
    assert.equal((await chat(instance, `00-${clientTrace}-${clientSpan}-01`, say('force a trace'))).status, 200);
    const upstream = upstreamTrace(before);
    assert.equal(upstream.traceId, clientTrace, "the client's trace id is continued");
    assert.notEqual(upstream.spanId, clientSpan, "not the client's own header");
    assert.equal(upstream.flags, '00', "the vendor is told our decision: not sampled");
    // Shutdown exports whatever was queued: nothing was.
    assert.equal(await instance.stop(), 0);
    assert.deepEqual(receiver.spans.slice(spans).map((span) => `${span.name} ${span.traceId}`), [], 'no span at all');
  });

  test('SWITCHBOARD_OTEL_TRUST_CLIENT_SAMPLING=1: the client flag decides again, over a ratio of 0', async () => {
    const spans = receiver.spans.length;
    const { instance } = await serve('trusted', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'switchboard-test',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
      SWITCHBOARD_OTEL_TRUST_CLIENT_SAMPLING: '1',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    const keptTrace = hex(16);
    const keptParent = hex(8);
    let before = openai.requests.length;
    assert.equal((await chat(instance, `00-${keptTrace}-${keptParent}-01`, say('trusted edge'))).status, 200);
    const { attempt } = requestSpans(await receiver.waitFor(twoSpans(keptTrace)), keptTrace, keptParent);
    assert.equal(openai.requests[before]?.headers['traceparent'], `00-${keptTrace}-${attempt.spanId}-01`);
    // The edge said "not sampled", and a request without a traceparent gets the ratio (0).
    const droppedTrace = hex(16);
    before = openai.requests.length;
    assert.equal((await chat(instance, `00-${droppedTrace}-${hex(8)}-00`, say('edge says no'))).status, 200);
    assert.equal(upstreamTrace(before).flags, '00');
    assert.equal((await chat(instance, undefined, say('no parent'))).status, 200);
    assert.equal(await instance.stop(), 0);
    assert.deepEqual(
      receiver.spans.slice(spans).filter((span) => span.traceId !== keptTrace).map((span) => `${span.name} ${span.traceId}`),
      [],
      'only the trace the edge sampled',
    );
  });

  test('a request without a project key (refused, a probe, an unknown route) exports no span; an upstream 401 keeps its span', async () => {
    const spans = receiver.spans.length;
    const { instance } = await serve('auth', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'switchboard-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    // Wrong key, no key: 401, and no span (the ratio is 1 and the client says sampled).
    const refused: string[] = [];
    for (const key of ['sk-wrong-0123456789abcdef', null]) {
      const traceId = hex(16);
      refused.push(traceId);
      const answer = await chat(instance, `00-${traceId}-${hex(8)}-01`, say('let me in'), key);
      assert.equal(answer.status, 401);
      assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
    }
    // No key on routes that need none, or on no route at all: no span either (probes, scans).
    for (const path of ['/healthz', '/readyz', '/v1/nope', '/wp-login.php']) {
      const traceId = hex(16);
      refused.push(traceId);
      const answer = await fetch(`${instance.url}${path}`, { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
      assert.ok([200, 404].includes(answer.status), `${path}: ${answer.status}`);
      await answer.arrayBuffer();
    }
    // A request with the key, after them: once its spans are in, theirs would be too (one queue, in order).
    const keyedTrace = hex(16);
    assert.equal((await chat(instance, `00-${keyedTrace}-${hex(8)}-01`, say('with my key'))).status, 200);
    await receiver.waitFor(twoSpans(keyedTrace));
    assert.deepEqual(receiver.spans.filter((span) => refused.includes(span.traceId)).map((span) => span.name), [], 'no span of a refused request');
    // The vendor refusing its own key is an attempt: that request keeps its spans (last: it blocks the credential).
    openai.failAlways({ status: 401 });
    const upstreamRefusal = hex(16);
    const failed = await chat(instance, `00-${upstreamRefusal}-${hex(8)}-01`, say('vendor says no'));
    openai.failAlways(undefined);
    assert.equal(failed.status, 401);
    const failSpans = inTrace(await receiver.waitFor((all) => inTrace(all, upstreamRefusal).some((span) => span.kind === SERVER)), upstreamRefusal);
    assert.equal(failSpans.find((span) => span.kind === SERVER)?.attributes['http.response.status_code'], 401);
    assert.ok(failSpans.some((span) => span.kind === CLIENT && span.attributes['error.type'] === 'authentication_failed'), 'its attempt span');

    assert.equal(await instance.stop(), 0);
    const mine = receiver.spans.slice(spans);
    assert.deepEqual(mine.filter((span) => refused.includes(span.traceId)).map((span) => span.name), [], 'no span of a refused request');
    assert.ok(mine.length >= 4, `${mine.length} spans`);
    assert.deepEqual(
      mine.filter((span) => span.traceId !== keyedTrace && span.traceId !== upstreamRefusal).map((span) => `${span.name} ${span.traceId}`),
      [],
      'the two traced requests only',
    );
  });

  test('tracing off: nothing is sent and no OpenTelemetry module is loaded', async () => {
    const posts = receiver.requests.length;
    const { instance, modules } = await serve('off', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      SWITCHBOARD_OTEL: 'off',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    const before = openai.requests.length;
    const traceparent = `00-${hex(16)}-${hex(8)}-01`;
    assert.equal((await chat(instance, traceparent, { messages: [{ role: 'user', content: 'quiet' }] })).status, 200);
    const streamed = await chat(instance, traceparent, { stream: true, messages: [{ role: 'user', content: 'quiet stream' }] });
    assert.match(await streamed.text(), /data: \[DONE\]/);
    assert.equal(await instance.stop(), 0);

    assert.equal(receiver.requests.length, posts, 'nothing reached the OTLP endpoint');
    for (const request of openai.requests.slice(before)) assert.equal(request.headers['traceparent'], undefined, 'no traceparent upstream');
    const lines = await loaded(modules);
    assert.ok(lines.some((line) => line.includes('/src/tracing/load-tracing.ts')), 'the watch saw the process load its modules');
    assert.deepEqual(lines.filter((line) => line.includes('opentelemetry') || line.includes('/src/tracing/otel-tracing.ts')), []);
    // The same watch: a process on Postgres never loads PGlite's code (openDb imports the driver it uses).
    const pglite = lines.filter((line) => line.includes('/@electric-sql/pglite/'));
    if ('databaseUrl' in database.target) assert.deepEqual(pglite, [], 'no PGlite module in a process on Postgres');
    else assert.ok(pglite.length > 0, 'the embedded database loads PGlite');
    // And it loads undici's dispatcher and request API from their own files, never undici's index
    // (fetch, WebSocket, caches, mocks: 3.4 MB more live heap; src/providers/shared/undici.ts).
    const undici = lines.filter((line) => line.includes('/node_modules/undici/'));
    assert.ok(undici.some((line) => line.endsWith('/undici/lib/dispatcher/agent.js')), 'the watch saw undici load');
    assert.deepEqual(undici.filter((line) => /\/undici\/(index\.js|lib\/web\/)/.test(line)), [], "no undici index, fetch or WebSocket in the server");
  });
});
