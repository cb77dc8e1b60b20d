// Tracing in the library (createSwitchboard with the tracer's observer, the ledger off): each
// upstream attempt of the five built-in classes is a client span under the caller's
// `CallContext.trace`, with the vendor named by the GenAI conventions, and each vendor gets the
// attempt's traceparent; streams and embeddings too. Nothing is written to the ledger.
// SWITCHBOARD_OTEL_PROPAGATE=off keeps the header away from vendors.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { loadTracing } from '../../src/tracing/load-tracing.js';
import type { Tracing } from '../../src/tracing/tracing.js';
import { tracingSettings } from '../../src/tracing/tracing-settings.js';
import type { RecordedRequest } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { insertLibraryRows, LIBRARY_ENV, startVendorMocks, user, type VendorMocks } from '../library/library-harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const CLIENT = 3;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

describe('tracing in the library', () => {
  let db: TestDb;
  let mocks: VendorMocks;
  let receiver: OtlpReceiver;
  const opened: { switchboard: Switchboard; tracing: Tracing }[] = [];

  before(async () => {
    [db, mocks, receiver] = await Promise.all([createTestDb(), startVendorMocks(), startOtlpReceiver()]);
    await insertLibraryRows(db, mocks);
  });
  after(async () => {
    for (const { switchboard, tracing } of opened) {
      await switchboard.close();
      await tracing.shutdown();
    }
    await receiver?.close();
    await mocks?.close();
    await db?.dispose();
  });

  async function open(env: Record<string, string>, options: { trustClientSampling?: boolean } = {}): Promise<{ switchboard: Switchboard; tracing: Tracing }> {
    const settings = tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...env });
    const tracing = await loadTracing(settings && { ...settings, ...options }, () => {});
    assert.ok(tracing, 'tracing is on');
    const switchboard = await createSwitchboard({ db, env: LIBRARY_ENV, pollMs: 0, listen: false, usage: false, observers: [tracing.observer] });
    const handle = { switchboard, tracing };
    opened.push(handle);
    return handle;
  }

  /** The one span of `traceId` once exported. */
  async function spanOf(tracing: Tracing, traceId: string): Promise<ReceivedSpan> {
    await tracing.flush();
    const spans = (await receiver.waitFor((all) => all.some((span) => span.traceId === traceId))).filter((span) => span.traceId === traceId);
    assert.equal(spans.length, 1);
    return spans[0] as ReceivedSpan;
  }

  const lastRequest = (requests: RecordedRequest[]): RecordedRequest | undefined => requests.at(-1);

  test('each class: a client span under the caller, the vendor named, the traceparent upstream', async () => {
    const { switchboard, tracing } = await open({});
    const cases = [
      { model: 'lib-gpt', provider: 'openai', requests: () => mocks.openai.requests },
      { model: 'lib-claude', provider: 'anthropic', requests: () => mocks.anthropic.requests },
      { model: 'lib-gemini', provider: 'gcp.gemini', requests: () => mocks.google.requests },
      { model: 'lib-command', provider: 'cohere', requests: () => mocks.cohere.requests },
      { model: 'lib-azure-chat', provider: 'lib-azure', requests: () => mocks.azure.requests },
    ];
    for (const { model, provider, requests } of cases) {
      const traceId = hex(16);
      const parent = hex(8);
      const response = await switchboard.chat(
        { model, messages: [user('traced hello')] },
        { trace: { traceparent: `00-${traceId}-${parent}-01`, tracestate: 'vendor=abc' } },
      );
      const span = await spanOf(tracing, traceId);
      assert.equal(span.kind, CLIENT, model);
      assert.equal(span.parentSpanId, parent, `${model}: a child of the caller's span`);
      assert.equal(span.attributes['gen_ai.provider.name'], provider, model);
      assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
      assert.equal(span.attributes['switchboard.model'], model);
      assert.equal(span.attributes['gen_ai.usage.output_tokens'], response.usage.outputTokens, model);
      assert.equal(span.attributes['gen_ai.usage.input_tokens'], response.usage.inputTokens, model);
      const upstream = lastRequest(requests());
      assert.equal(upstream?.headers['traceparent'], `00-${traceId}-${span.spanId}-01`, `${model}: the vendor got the attempt's traceparent`);
      assert.equal(upstream?.headers['tracestate'], 'vendor=abc');
    }
    // Nothing was written: the ledger is off, the recorder only observed.
    assert.equal((await db.query<{ n: string }>('select count(*)::text as n from public.ai_usage')).rows[0]?.n, '0');
  });

  test('a stream ends its span when it ends; an embedding is an embeddings span; no caller trace starts one', async () => {
    const { switchboard, tracing } = await open({});
    const traceId = hex(16);
    let text = '';
    for await (const part of switchboard.stream({ model: 'lib-claude', messages: [user('stream me please')] }, { trace: { traceparent: `00-${traceId}-${hex(8)}-01` } })) {
      if (part.type === 'text-delta') text += part.text;
    }
    assert.match(text, /stream me please/);
    const stream = await spanOf(tracing, traceId);
    assert.equal(stream.attributes['switchboard.streamed'], true);
    assert.equal(stream.attributes['gen_ai.response.model'], 'claude-test-1');
    assert.equal(stream.attributes['gen_ai.usage.output_tokens'], 4, '"Echo: stream me please"');

    const embedTrace = hex(16);
    await switchboard.embed({ model: 'lib-openai-embed', input: ['vector please'] }, { trace: { traceparent: `00-${embedTrace}-${hex(8)}-01` } });
    const embed = await spanOf(tracing, embedTrace);
    assert.equal(embed.name, 'embeddings text-embedding-3-small');
    assert.equal(embed.attributes['gen_ai.operation.name'], 'embeddings');
    assert.ok(Number(embed.attributes['gen_ai.usage.input_tokens']) > 0);

    const count = receiver.spans.length;
    await switchboard.chat({ model: 'lib-gpt', messages: [user('no parent')] });
    await tracing.flush();
    const root = (await receiver.waitFor((all) => all.length > count))[count];
    assert.equal(root?.parentSpanId, '', 'a root span');
    assert.equal(lastRequest(mocks.openai.requests)?.headers['traceparent'], `00-${root?.traceId}-${root?.spanId}-01`);
  });

  test('SWITCHBOARD_OTEL_PROPAGATE=off: spans, and no trace header upstream', async () => {
    const { switchboard, tracing } = await open({ SWITCHBOARD_OTEL_PROPAGATE: 'off' });
    const traceId = hex(16);
    await switchboard.chat({ model: 'lib-gpt', messages: [user('private')] }, { trace: { traceparent: `00-${traceId}-${hex(8)}-01`, tracestate: 'a=b' } });
    assert.equal((await spanOf(tracing, traceId)).kind, CLIENT);
    const upstream = lastRequest(mocks.openai.requests);
    assert.equal(upstream?.headers['traceparent'], undefined);
    assert.equal(upstream?.headers['tracestate'], undefined);
  });
  test("the caller's sampled flag counts only with trustClientSampling; the vendor gets the decision", async () => {
    const ratioZero = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };
    const untrusted = await open(ratioZero);
    const droppedTrace = hex(16);
    const count = receiver.spans.length;
    await untrusted.switchboard.chat({ model: 'lib-gpt', messages: [user('not kept')] }, { trace: { traceparent: `00-${droppedTrace}-${hex(8)}-01` } });
    assert.match(String(lastRequest(mocks.openai.requests)?.headers['traceparent']), new RegExp(`^00-${droppedTrace}-[0-9a-f]{16}-00$`));
    await untrusted.tracing.flush();
    assert.equal(receiver.spans.length, count, 'no span');

    const trusted = await open(ratioZero, { trustClientSampling: true });
    const keptTrace = hex(16);
    await trusted.switchboard.chat({ model: 'lib-gpt', messages: [user('kept')] }, { trace: { traceparent: `00-${keptTrace}-${hex(8)}-01` } });
    const span = await spanOf(trusted.tracing, keptTrace);
    assert.equal(lastRequest(mocks.openai.requests)?.headers['traceparent'], `00-${keptTrace}-${span.spanId}-01`);
  });

  test('shutdown with the collector not answering gives up after its deadline and says so, without throwing', async () => {
    const silent = createServer(() => {}); // takes the POST, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const warnings: string[] = [];
    const settings = tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    const tracing = await loadTracing(settings && { ...settings, shutdownMs: 300 }, (level, message) => {
      if (level === 'warn') warnings.push(message);
    });
    assert.ok(tracing);
    const switchboard = await createSwitchboard({ db, env: LIBRARY_ENV, pollMs: 0, listen: false, usage: false, observers: [tracing.observer] });
    try {
      await switchboard.chat({ model: 'lib-gpt', messages: [user('last span')] }, { trace: { traceparent: `00-${hex(16)}-${hex(8)}-01` } });
      const started = performance.now();
      await tracing.shutdown();
      assert.ok(performance.now() - started < 3_000, "not the exporter's own 10 s timeout");
      assert.match(warnings.join('\n'), /did not take the last spans within 300 ms|delivering the last spans failed/);
    } finally {
      await switchboard.close();
      silent.closeAllConnections();
      silent.close();
    }
  });
});
