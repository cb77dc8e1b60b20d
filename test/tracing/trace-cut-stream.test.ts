// The request span's usage is the sum over its attempts (docs/tracing.md). A stream the client
// cuts is estimated by the ledger after the answer ended (found by an attack review: its attempt
// span ended after the request's span, whose usage, cost and attempt count missed it, so a tenant
// cutting every stream showed zero cost in its traces). The request span now waits for it.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { loadTracing } from '../../src/tracing/load-tracing.js';
import type { Tracing } from '../../src/tracing/tracing.js';
import { tracingSettings } from '../../src/tracing/tracing-settings.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, type Tenant } from '../security/fixture.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

describe('the server span of a stream the client cut', () => {
  let db: TestDb;
  let vendor: MockServer;
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let sb: Switchboard;
  let gateway: Gateway;
  let origin: string;
  let tenant: Tenant;

  before(async () => {
    vendor = await startMockServer(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (content: string): string => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
      for (let index = 0; index < 200 && !response.destroyed; index++) {
        response.write(chunk('word '.repeat(20)));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (!response.destroyed) response.end('data: [DONE]\n\n');
    });
    receiver = await startOtlpReceiver();
    db = await createTestDb();
    tenant = (await seedTenants(db, `${vendor.origin}/v1`, ['acme'])).tenants['acme'] as Tenant;
    await db.query(`update public.ai_models set pricing = '{"input_per_mtok": 1, "output_per_mtok": 2}'::jsonb where name = $1`, [MODEL]);
    const settings = tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    tracing = (await loadTracing(settings, () => {})) as Tracing;
    sb = await createSwitchboard({ db, env: { [ENV_VAR]: 'sk-test' }, migrate: false, pollMs: 0, listen: false, observers: [tracing.observer], usage: { flushIntervalMs: 50 } });
    const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ [ENV_VAR]: 'sk-test' }) });
    gateway = createGateway({ service: sb.service, snapshot: () => sb.watcher.snapshot, config, tracing });
    origin = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}`;
  });
  after(async () => {
    await gateway?.close();
    await sb?.close();
    await tracing?.shutdown();
    await receiver?.close();
    await vendor?.close();
    await db?.dispose();
  });

  it('counts the cut attempt in the request span', async () => {
    const traceId = 'ab'.repeat(16);
    await new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'tell me a long story' }] });
      const req = httpRequest(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'x-request-id': 'cut-1', traceparent: `00-${traceId}-${'cd'.repeat(8)}-01` },
      });
      req.on('response', (response) => {
        let seen = 0;
        response.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > 2000) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', () => resolve());
      setTimeout(() => reject(new Error('no answer')), 10_000);
      req.end(body);
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await sb.service.usage?.flush();
    await tracing.flush();
    const spans = await receiver.waitFor((all) => all.filter((span) => span.traceId === traceId).length >= 2);
    const server = spans.find((span) => span.traceId === traceId && span.kind === 2);
    const attempt = spans.find((span) => span.traceId === traceId && span.kind === 3);
    const row = (await db.query<{ status: number; output_tokens: string; cost_usd: string | null; usage_source: string }>(`select status, output_tokens, cost_usd, usage_source from public.ai_usage where request_id = 'cut-1'`)).rows[0];
    assert.ok(server && attempt && row);
    const report = { row, attempt: attempt.attributes, server: server.attributes };
    assert.ok(Number(row.output_tokens) > 0, JSON.stringify(report));
    assert.equal(server.attributes['switchboard.attempts'], 1, JSON.stringify(report));
    assert.equal(server.attributes['gen_ai.usage.output_tokens'], attempt.attributes['gen_ai.usage.output_tokens'], JSON.stringify(report));
    assert.ok(server.endNanos >= attempt.endNanos, 'the request span ends after its attempt');
  });
});
