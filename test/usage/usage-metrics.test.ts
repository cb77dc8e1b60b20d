// /metrics spend and tokens per project and model, end to end: real chat requests of two projects
// through the gateway (createSwitchboard + createGateway as `serve` wires them) to the strict
// OpenAI mock; after the ledger is flushed, every exported spend equals the exact SQL sum of that
// project's and model's cost_usd, and every token counter the sum of its bucket column.
// Each recorded row's `usage explain` sums to its cost_usd. The labels are project and model names only. PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Switchboard } from '../../src/service/switchboard.js';
import { explainUsage } from '../../src/usage/reports/usage-explain.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';
import { ENV_VAR, MODEL, seedTenants, upstreamKey, type SeededTenants, type Tenant } from '../security/fixture.js';

const KEY = upstreamKey('metrics');

describe('/metrics usage counters', () => {
  let db: TestDb;
  let mock: OpenAIMock;
  let served: Served;
  let switchboard: Switchboard;
  let origin: string;
  let seeded: SeededTenants;

  before(async () => {
    mock = await startOpenAIMock({ apiKeys: [KEY] });
    db = await createTestDb();
    seeded = await seedTenants(db, mock.baseUrl, ['met-a', 'met-b']);
    await db.query(`update public.ai_models set pricing = '{"input_per_mtok": 0.15, "output_per_mtok": 0.6, "per_request": 0.000001}' where name = $1`, [MODEL]);
    served = await serveSwitchboard(db, { env: { [ENV_VAR]: KEY }, usage: { flushIntervalMs: 20 } });
    ({ switchboard, origin } = served);
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await mock?.close();
  });

  test('spend and tokens per project and model equal the sums of the recorded ledger rows', async () => {
    const requests: [string, number][] = [['met-a', 3], ['met-b', 2]];
    for (const [name, count] of requests) {
      const tenant = seeded.tenants[name] as Tenant;
      const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey: tenant.apiKey, maxRetries: 0 });
      for (let index = 0; index < count; index++) {
        await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `hello ${name} ${'x'.repeat(index * 7)}` }] });
      }
    }
    await switchboard.service.usage?.flush();
    const text = await (await fetch(`${origin}/metrics`)).text();
    const sums = await db.query<{ project: string; cost: string; input: string; output: string; rows: string }>(
      `select p.name as project, sum(u.cost_usd)::text as cost, sum(u.input_tokens)::text as input, sum(u.output_tokens)::text as output,
              count(*)::text as rows
         from public.ai_usage u join public.projects p on p.id = u.project_id where u.model_name = $1 group by p.name order by p.name`,
      [MODEL],
    );
    assert.deepEqual(sums.rows.map((row) => [row.project, row.rows]), [['met-a', '3'], ['met-b', '2']]);
    for (const row of sums.rows) {
      const labels = `project="${row.project}",model="${MODEL}"`;
      assert.ok(Number(row.cost) > 0);
      assert.ok(text.includes(`\nswitchboard_usage_cost_usd_total{${labels}} ${row.cost}\n`), `spend of ${row.project}: ${row.cost}`);
      assert.ok(text.includes(`\nswitchboard_usage_tokens_total{${labels},bucket="input"} ${row.input}\n`), `input of ${row.project}`);
      assert.ok(text.includes(`\nswitchboard_usage_tokens_total{${labels},bucket="output"} ${row.output}\n`), `output of ${row.project}`);
    }
    // Every recorded row is explained with the same arithmetic that priced it.
    const ids = await db.query<{ requestId: string; cost: string }>(`select request_id as "requestId", cost_usd::text as cost from public.ai_usage`);
    assert.equal(ids.rowCount, 5);
    for (const row of ids.rows) {
      const attempt = (await explainUsage(db, row.requestId)).attempts[0];
      assert.deepEqual([attempt?.matches, attempt?.computed_cost_usd, attempt?.buckets.at(-1)?.bucket], [true, row.cost, 'per_request']);
    }
    // Only project and model names label the series: no ids, no keys.
    const series = text.split('\n').filter((line) => line.startsWith('switchboard_usage_cost_usd_total{'));
    assert.equal(series.length, 2);
    for (const tenant of Object.values(seeded.tenants)) {
      assert.equal(text.includes(tenant.id), false);
      assert.equal(text.includes(tenant.apiKey), false);
    }
  });
});
