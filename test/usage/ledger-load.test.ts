// The ledger under load in real `switchboard serve` processes on Postgres: 2,000 requests then
// SIGTERM leave exactly 2,000 rows whose sums equal the rollups'; a database cut off mid-load (a
// TCP proxy between the gateway and Postgres) does not stop serving, every buffered row arrives
// after it returns, and a buffer too small for the outage counts its losses in /metrics.
// Postgres only: the embedded database lives inside the gateway process and cannot be cut off.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { insertProjectKey, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { pricingJson, PRICES } from './ledger-harness.js';

const VENDOR_KEY = 'sk-load-0123456789abcdef';

describe('the ledger under load', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let openai: OpenAIMock;
  let apiKey: string;
  const agent = new Agent({ connections: 32, pipelining: 1 });
  const processes: ServeProcess[] = [];
  const proxies: TcpProxy[] = [];

  before(async () => {
    db = await createTestDb();
    openai = await startOpenAIMock({ apiKeys: [VENDOR_KEY] });
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('load-openai', 'OpenAIProvider', $1, '["LOAD_API_KEY"]')`,
      [openai.baseUrl],
    );
    await db.query(
      `insert into public.ai_models (name, provider_id, model_id, pricing) select 'load-gpt', id, 'gpt-4o-mini', $1 from public.ai_providers where name = 'load-openai'`,
      [pricingJson(PRICES)],
    );
    apiKey = (await insertProjectKey(db, 'load')).key;
  });
  after(async () => {
    for (const instance of processes) await instance.stop().catch(() => undefined);
    for (const proxy of proxies) await proxy.close();
    await agent.close();
    await openai?.close();
    await db?.dispose();
  });

  async function serve(databaseUrl: string, env: Record<string, string>): Promise<ServeProcess> {
    const instance = await startServeProcess({ databaseUrl, env: { LOAD_API_KEY: VENDOR_KEY, SWITCHBOARD_CONFIG_POLL_MS: '60000', ...env } });
    processes.push(instance);
    return instance;
  }

  /** `count` chat requests, `concurrency` at a time, every fourth streamed; returns their statuses. */
  async function load(instance: ServeProcess, count: number, concurrency = 16): Promise<number[]> {
    const statuses: number[] = [];
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        const stream = index % 4 === 3;
        const response = await request(`${instance.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'load-gpt', stream, messages: [{ role: 'user', content: `request ${index}` }] }),
          dispatcher: agent,
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) failures.push(text);
        statuses.push(response.statusCode);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    assert.deepEqual(failures.slice(0, 1), [], 'every request answered 200');
    return statuses;
  }

  async function metric(instance: ServeProcess, line: string): Promise<number> {
    const text = await (await fetch(`${instance.url}/metrics`)).text();
    const found = text.split('\n').find((candidate) => candidate.startsWith(`${line} `));
    return Number(found?.slice(line.length + 1) ?? NaN);
  }

  async function rowCount(where = 'true'): Promise<number> {
    return Number((await db.query<{ n: string }>(`select count(*)::text as n from public.ai_usage where ${where}`)).rows[0]?.n);
  }

  async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('2,000 requests, then SIGTERM: exactly 2,000 rows, and the rollups sum to the rows', async () => {
    // A long flush interval: what SIGTERM finds in the buffer must be written by the shutdown flush.
    const instance = await serve(db.url ?? '', { SWITCHBOARD_USAGE_FLUSH_MS: '600000', SWITCHBOARD_USAGE_FLUSH_ROWS: '300' });
    const started = Date.now();
    const statuses = await load(instance, 2_000);
    const loadMs = Date.now() - started;
    assert.deepEqual(new Set(statuses), new Set([200]));
    assert.ok((await metric(instance, 'switchboard_usage_rows_buffered')) > 0, 'rows are still buffered before SIGTERM');
    assert.equal(await instance.stop(), 0);
    assert.equal(await rowCount(), 2_000);
    assert.equal(await rowCount(`request_id is not null and status = 200 and usage_source = 'provider' and cost_usd > 0`), 2_000);
    const sums = await db.query<Record<string, string>>(
      `select (select row(count(*), sum(cost_usd), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens))::text from public.ai_usage) as rows,
              (select row(sum(requests), sum(cost_usd), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens))::text from public.ai_usage_hourly) as rollups`,
    );
    assert.equal(sums.rows[0]?.['rollups'], sums.rows[0]?.['rows']);
    console.log(`2,000 requests took ${loadMs} ms`);
  });

  test('the database cut off mid-load: requests are served, buffered rows arrive after, a too-small buffer counts its losses', async () => {
    await db.query('delete from public.ai_usage');
    const proxy = await startTcpProxy('127.0.0.1', Number(new URL(db.url ?? '').port || 5432));
    proxies.push(proxy);
    const viaProxy = new URL(db.url ?? '');
    viaProxy.port = String(proxy.port);
    const instance = await serve(viaProxy.toString(), { SWITCHBOARD_USAGE_FLUSH_MS: '100', SWITCHBOARD_USAGE_BUFFER_ROWS: '250' });

    assert.deepEqual(new Set(await load(instance, 100)), new Set([200]));
    await waitFor(async () => (await rowCount()) === 100, 10_000, 'the first 100 rows');

    proxy.cut();
    assert.deepEqual(new Set(await load(instance, 200)), new Set([200]), 'served from the snapshot while the database is away');
    assert.equal(await metric(instance, 'switchboard_usage_rows_buffered'), 200);
    proxy.restore();
    await waitFor(async () => (await rowCount()) === 300, 15_000, 'the 200 buffered rows after the database returned');
    // Once its LISTEN connection is back the watcher checks the version; nothing changed, so
    // nothing reloads (a reload would empty the credential cache before the next outage).
    await waitFor(async () => instance.logs.some((line) => String(line['msg']).startsWith('LISTEN connection restored')), 15_000, 'the LISTEN reconnect');
    assert.equal(instance.logs.filter((line) => line['msg'] === 'configuration reloaded').length, 0, 'no reload: the version did not move');
    assert.deepEqual(new Set(await load(instance, 10)), new Set([200]));
    await waitFor(async () => (await rowCount()) === 310, 10_000, 'the warm-up rows');

    proxy.cut();
    assert.deepEqual(new Set(await load(instance, 400)), new Set([200]));
    assert.equal(await metric(instance, 'switchboard_usage_rows_buffered'), 250);
    assert.equal(await metric(instance, 'switchboard_usage_rows_dropped_total{reason="buffer_full"}'), 150);
    proxy.restore();
    await waitFor(async () => (await rowCount()) === 560, 15_000, 'the 250 rows the buffer held');
    assert.equal(await metric(instance, 'switchboard_usage_rows_dropped_total{reason="buffer_full"}'), 150);
    await waitFor(async () => instance.logs.some((line) => String(line['msg'] ?? '').includes('buffer full')), 5_000, 'the loss in the log');
    assert.equal(await instance.stop(), 0);
  });
});
