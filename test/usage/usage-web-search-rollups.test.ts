// The hourly rollups count web searches, and every report over them shows the count next to the
// tokens and the cost: the admin usage report (`/admin/v1/usage`, what `switchboard usage --json`
// prints), the dashboard's series (JSON and CSV) and its request list (each ledger row's count).
// Searches run through the real gateway against the strict vendor mocks: native /v1/messages
// (Anthropic's usage.server_tool_use) and native /v1/responses (web_search_call items).
// PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { renderReport } from '../../src/cli/commands/usage.js';
import { parseUsageQuery } from '../../src/usage/reports/usage-query.js';
import { usageReport } from '../../src/usage/reports/usage-report.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { pricingJson, PRICES } from './ledger-harness.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';

const ANTHROPIC_KEY = 'sk-ant-rollups-0123456789abcdef';
const OPENAI_KEY = 'sk-rollups-0123456789abcdef';
const ADMIN_TOKEN = 'sba-rollups-0123456789abcdef0123456789';
const CLAUDE = 'wsr-claude';
const GPT = 'wsr-gpt';
const PASS_WEB_SEARCH = JSON.stringify({ native_fields: { 'tools.web_search': 'pass' } });

interface ReportRow {
  group: string | null;
  requests: number;
  web_search_calls: number;
  cost_usd: string;
  tokens: Record<string, number>;
}

describe('web searches in the rollups and the reports', () => {
  let db: TestDb;
  let anthropic: AnthropicMock;
  let openai: OpenAIMock;
  let served: Served;
  let tenant: Tenant;
  /** Each call's request id and the searches its vendor ran. */
  const calls: { requestId: string; model: string; searches: number }[] = [];

  before(async () => {
    [anthropic, openai] = await Promise.all([startAnthropicMock({ apiKeys: [ANTHROPIC_KEY] }), startOpenAIMock({ apiKeys: [OPENAI_KEY] })]);
    db = await createTestDb();
    const pricing = JSON.stringify(pricingJson({ ...PRICES, web_search_per_call: '0.01' }));
    for (const [provider, className, baseUrl, envVar, model, modelId] of [
      ['wsr-anthropic', 'AnthropicProvider', anthropic.baseUrl, 'WSR_ANTHROPIC_API_KEY', CLAUDE, 'claude-test-1'],
      ['wsr-openai', 'OpenAIProvider', openai.baseUrl, 'WSR_OPENAI_API_KEY', GPT, 'gpt-4o-mini'],
    ] as const) {
      await db.query(`insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ($1, $2, $3, $4::jsonb)`, [
        provider,
        className,
        baseUrl,
        JSON.stringify([envVar]),
      ]);
      await db.query(
        `insert into public.ai_models (name, provider_id, model_id, max_tokens, features, pricing)
         select $1, id, $3, 1024, $4::jsonb, $5::jsonb from public.ai_providers where name = $2`,
        [model, provider, modelId, PASS_WEB_SEARCH, pricing],
      );
    }
    tenant = await insertTenant(db, 'web-search-rollups');
    served = await serveSwitchboard(db, {
      env: { WSR_ANTHROPIC_API_KEY: ANTHROPIC_KEY, WSR_OPENAI_API_KEY: OPENAI_KEY },
      adminToken: ADMIN_TOKEN,
      usage: { flushIntervalMs: 20 },
    });
    const post = async (path: string, model: string, searches: number, body: Record<string, unknown>): Promise<void> => {
      const response = await fetch(`${served.origin}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model, ...body }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      await response.text();
      calls.push({ requestId: response.headers.get('x-request-id') ?? '', model, searches });
    };
    const searchTool = { type: 'web_search_20250305', name: 'web_search', max_uses: 5 };
    // The mocks run one search per word `search` of the last user text.
    await post('/v1/messages', CLAUDE, 2, { max_tokens: 64, tools: [searchTool], messages: [{ role: 'user', content: 'search this then search that' }] });
    await post('/v1/messages', CLAUDE, 0, { max_tokens: 64, messages: [{ role: 'user', content: 'no tool here' }] });
    await post('/v1/responses', GPT, 3, { tools: [{ type: 'web_search' }], input: 'search here search there and search again' });
    await post('/v1/responses', GPT, 1, { stream: true, tools: [{ type: 'web_search' }], input: 'search once' });
    await served.switchboard.service.usage?.flush();
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await anthropic?.close();
    await openai?.close();
  });

  const admin = async <T>(path: string): Promise<{ status: number; body: T; text: string }> => {
    const response = await fetch(`${served.origin}/admin/v1${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await response.text();
    return { status: response.status, text, body: (response.headers.get('content-type') ?? '').startsWith('application/json') ? (JSON.parse(text) as T) : (text as T) };
  };

  test('ai_usage_hourly sums each ledger row\'s web_search_calls', async () => {
    const rollups = await db.query<{ model_name: string; searches: string; requests: string }>(
      `select model_name, sum(web_search_calls)::text as searches, sum(requests)::text as requests
         from public.ai_usage_hourly where project_id = $1 group by model_name order by model_name`,
      [tenant.id],
    );
    assert.deepEqual(rollups.rows, [
      { model_name: CLAUDE, searches: '2', requests: '2' },
      { model_name: GPT, searches: '4', requests: '2' },
    ]);
    const ledger = await db.query<{ searches: string }>(`select sum(web_search_calls)::text as searches from public.ai_usage where project_id = $1`, [tenant.id]);
    assert.equal(ledger.rows[0]?.searches, '6');
  });

  test('the admin usage report shows the searches per group and in the total', async () => {
    const report = await admin<{ rows: ReportRow[]; total: ReportRow }>(`/usage?project=${tenant.id}&by=model`);
    assert.equal(report.status, 200);
    assert.deepEqual(
      report.body.rows.map((row) => [row.group, row.requests, row.web_search_calls]).sort(),
      [
        [CLAUDE, 2, 2],
        [GPT, 2, 4],
      ],
    );
    assert.equal(report.body.total.web_search_calls, 6);
    // The cost includes the searches' price ($0.01 each), as it did before they were counted.
    const ledger = await db.query<{ cost: string }>(`select sum(cost_usd)::text as cost from public.ai_usage where project_id = $1`, [tenant.id]);
    assert.equal(Number(report.body.total.cost_usd), Number(ledger.rows[0]?.cost));
    assert.ok(Number(report.body.total.cost_usd) >= 0.06);
    // Without usage, the count is 0 (not absent).
    const empty = await admin<{ total: ReportRow }>(`/usage?project=${tenant.id}&model=no-such-model`);
    assert.equal(empty.body.total.web_search_calls, 0);
  });

  test('switchboard usage prints a searches column in a window that has searches, and none otherwise', async () => {
    const table = renderReport(await usageReport(db, parseUsageQuery([['project', tenant.id], ['by', 'model']]))).split('\n');
    const header = (table[1] ?? '').split(/\s+/);
    const column = header.indexOf('searches');
    assert.equal(header[column - 1], 'reasoning', table.join('\n'));
    const searchesOf = (group: string): string | undefined => table.find((line) => line.startsWith(`${group} `))?.split(/\s+/)[column];
    assert.deepEqual([searchesOf(CLAUDE), searchesOf(GPT), searchesOf('(total)')], ['2', '4', '6']);
    const none = renderReport(await usageReport(db, parseUsageQuery([['project', tenant.id], ['model', 'no-such-model']])));
    assert.equal(none.includes('searches'), false, none);
  });

  test("the dashboard's series counts the searches per bucket, in JSON and CSV", async () => {
    const series = await admin<{ points: { t: string; requests: number; web_search_calls: number }[] }>(`/usage/series?bucket=day&project=${tenant.id}`);
    assert.equal(series.status, 200);
    const sum = (key: 'requests' | 'web_search_calls'): number => series.body.points.reduce((total, point) => total + point[key], 0);
    assert.deepEqual([sum('requests'), sum('web_search_calls')], [4, 6]);
    for (const point of series.body.points) if (point.requests === 0) assert.equal(point.web_search_calls, 0);
    const csv = await admin<string>(`/usage/series?bucket=day&project=${tenant.id}&format=csv`);
    const [header, ...lines] = csv.text.trim().split('\r\n');
    assert.equal(header, 't,requests,errors,input_tokens,output_tokens,cost_usd,p95_ms,web_search_calls');
    assert.equal(lines.reduce((total, line) => total + Number(line.split(',').at(-1)), 0), 6);
  });

  test("the dashboard's request list shows each request's searches", async () => {
    const page = await admin<{ data: { request_id: string; web_search_calls: number }[] }>(`/usage/requests?project=${tenant.id}`);
    assert.equal(page.status, 200);
    const byRequest = new Map(page.body.data.map((row) => [row.request_id, row.web_search_calls]));
    assert.deepEqual(
      calls.map((call) => byRequest.get(call.requestId)),
      calls.map((call) => call.searches),
    );
  });
});
