// The dashboard's usage and price routes over the real stack: GET /admin/v1/usage/series (points
// from the hourly rollups in hour or day buckets of a time zone, empty buckets as zeros, CSV),
// GET /admin/v1/usage/requests (keyset pages of ledger rows, newest first, filters), and
// GET /admin/v1/models/{name}/prices. With 100,000 generated ledger rows every call answers a
// bounded body, the series reads only the rollups and the request pages use the keyset indexes
// (their speed is reported by bench/dashboard.mjs, not asserted). PGlite, and Postgres with DATABASE_URL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Queryable, QueryResult, SqlParam } from '../../src/db/db.js';
import { selectUsageSeries, usagePageStatement } from '../../src/db/sql/usage-dashboard.js';
import { LATENCY_BUCKETS } from '../../src/usage/reports/latency-percentile.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ADMIN_TOKEN, startDashboardServer, type DashboardServer, type ErrorBody } from './dashboard-harness.js';

interface Point {
  t: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: string;
  p95_ms: number | null;
}
interface Series {
  bucket: string;
  tz: string;
  points: Point[];
}
interface LedgerItem {
  id: string;
  request_id: string;
  started_at: string;
  project_id: string;
  model_name: string;
  status: number;
  input_tokens: string;
  output_tokens: string;
  cost_usd: string | null;
  duration_ms: number;
}
interface Page {
  data: LedgerItem[];
  next_before: string | null;
}

const GENERATED = 100_000;
// Generated rows: one every 25 s back from END (about 29 days).
const END = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);

describe('admin API: usage series, request pages and prices', () => {
  let db: TestDb;
  let server: DashboardServer;
  let projectA: string;

  before(async () => {
    db = await createTestDb();
    const projects = await db.query<{ id: string; name: string }>(`insert into public.projects (name) values ('use-a'), ('use-b') returning id, name`);
    projectA = projects.rows.find((row) => row.name === 'use-a')?.id as string;
    const projectB = projects.rows.find((row) => row.name === 'use-b')?.id as string;
    // Four exact rows in November 2025 (far from the generated ones): two UTC days, one New York day.
    await db.query(
      `insert into public.ai_usage (request_id, started_at, ended_at, project_id, requested_model, model_name, provider_name, endpoint, status,
                                    usage_source, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, cost_usd)
       values ('tz-1', '2025-11-30T22:10:00Z', '2025-11-30T22:10:01Z', $1, 'tz-model', 'tz-model', 'tz-provider', 'chat', 200, 'provider', 10, 5, 3, 1, 0.5),
              ('tz-2', '2025-11-30T23:30:00Z', '2025-11-30T23:30:00.2Z', $1, 'tz-model', 'tz-model', 'tz-provider', 'chat', 500, 'provider', 7, 0, 0, 0, null),
              ('tz-3', '2025-12-01T01:00:00Z', '2025-12-01T01:00:02Z', $1, 'tz-model', 'tz-model', 'tz-provider', 'chat', 200, 'provider', 1, 0, 2, 0, 0.25),
              ('tz-4', '2025-12-01T06:00:00Z', '2025-12-01T06:00:01Z', $2, 'tz-model', 'tz-model', 'tz-provider', 'chat', 429, 'provider', 1, 0, 0, 0, 0)`,
      [projectA, projectB],
    );
    // 100,000 generated rows in one statement.
    await db.query(
      `insert into public.ai_usage (request_id, started_at, ended_at, project_id, requested_model, model_name, provider_name, endpoint, status,
                                    usage_source, input_tokens, output_tokens, cost_usd)
       select 'gen-' || g, $1::timestamptz - g * interval '25 seconds', $1::timestamptz - g * interval '25 seconds' + (g % 2000) * interval '1 millisecond',
              case when g % 2 = 0 then $2 else $3 end::uuid, 'gen-model-' || (g % 3), 'gen-model-' || (g % 3), 'gen-provider', 'chat',
              case when g % 10 = 0 then 500 when g % 10 = 1 then 429 else 200 end, 'provider', 100, 20, 0.000123
         from generate_series(1, ${GENERATED}) as g`,
      [END, projectA, projectB],
    );
    await db.exec('analyze public.ai_usage; analyze public.ai_usage_hourly');
    server = await startDashboardServer(db);
  });
  after(async () => {
    await server?.close();
    await db?.dispose();
  });

  test('series: day buckets honour the time zone; empty buckets are zeros; totals are exact', async () => {
    const window = 'since=2025-11-30T00:00:00Z&until=2025-12-02T00:00:00Z&model=tz-model';
    const utc = await server.get<Series>(`/usage/series?bucket=day&tz=UTC&${window}`);
    assert.equal(utc.status, 200, JSON.stringify(utc.body));
    assert.deepEqual(
      utc.body.points.map((point) => [point.t, point.requests, point.errors, point.input_tokens, point.output_tokens, point.cost_usd]),
      [
        ['2025-11-30T00:00:00.000Z', 2, 1, 22, 4, '0.500000000000'],
        ['2025-12-01T00:00:00.000Z', 2, 1, 2, 2, '0.250000000000'],
      ],
    );
    const newYork = await server.get<Series>(`/usage/series?bucket=day&tz=America/New_York&${window}`);
    assert.equal(newYork.body.tz, 'America/New_York');
    // Local days: Nov 29 19:00 EST .. ; all four rows fall on Nov 30 (17:10, 18:30, 20:00) and Dec 1 (01:00).
    assert.deepEqual(
      newYork.body.points.map((point) => [point.t, point.requests]),
      [
        ['2025-11-29T05:00:00.000Z', 0],
        ['2025-11-30T05:00:00.000Z', 3],
        ['2025-12-01T05:00:00.000Z', 1],
      ],
    );
    const hourly = await server.get<Series>(`/usage/series?bucket=hour&since=2025-11-30T22:00:00Z&until=2025-12-01T02:00:00Z&model=tz-model`);
    assert.deepEqual(hourly.body.points.map((point) => point.requests), [1, 1, 0, 1]);
    assert.ok((hourly.body.points[0]?.p95_ms ?? 0) >= 1000);
    assert.equal(hourly.body.points[2]?.p95_ms, null);
    const errors = await server.get<Series>(`/usage/series?bucket=day&status=5xx&${window}`);
    assert.deepEqual(errors.body.points.map((point) => point.requests), [1, 0]);
    const clientErrors = await server.get<Series>(`/usage/series?bucket=day&status=4xx&project=use-b&${window}`);
    assert.deepEqual(clientErrors.body.points.map((point) => point.requests), [0, 1]);
  });

  test('series as CSV', async () => {
    const response = await fetch(`${server.origin}/admin/v1/usage/series?bucket=day&format=csv&since=2025-11-30T00:00:00Z&until=2025-12-02T00:00:00Z&model=tz-model`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(
      await response.text(),
      't,requests,errors,input_tokens,output_tokens,cost_usd,p95_ms,web_search_calls\r\n' +
        '2025-11-30T00:00:00.000Z,2,1,22,4,0.500000000000,1024,0\r\n' +
        '2025-12-01T00:00:00.000Z,2,1,2,2,0.250000000000,2048,0\r\n',
    );
  });

  test('requests: keyset pages newest first, no gaps or repeats, filters', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let previous: LedgerItem | undefined;
    for (let page = 0; page < 5; page++) {
      const answer: { status: number; body: Page } = await server.get<Page>(`/usage/requests?limit=200${cursor ? `&before=${cursor}` : ''}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.data.length, 200);
      for (const row of answer.body.data) {
        assert.equal(seen.has(row.id), false);
        seen.add(row.id);
        if (previous) assert.ok(previous.started_at > row.started_at || (previous.started_at === row.started_at && Number(previous.id) > Number(row.id)));
        previous = row;
      }
      cursor = answer.body.next_before;
      assert.ok(cursor);
    }
    assert.equal(previous?.request_id, 'gen-1000');
    const first = (await server.get<Page>('/usage/requests?limit=1')).body.data[0];
    assert.equal(first?.request_id, 'gen-1');
    assert.equal(first?.input_tokens, '100');
    assert.equal(first?.cost_usd, '0.000123000000');
    assert.equal(first?.duration_ms, 1);

    const filtered = await server.get<Page>('/usage/requests?project=use-a&status=5xx&model=gen-model-2&limit=20');
    assert.equal(filtered.body.data.length, 20);
    for (const row of filtered.body.data) {
      assert.equal(row.project_id, projectA);
      assert.equal(row.status, 500);
      assert.equal(row.model_name, 'gen-model-2');
    }
    const old = await server.get<Page>('/usage/requests?until=2025-12-02T00:00:00Z&since=2025-11-01');
    assert.deepEqual(old.body.data.map((row) => row.request_id), ['tz-4', 'tz-3', 'tz-2', 'tz-1']);
    assert.equal(old.body.next_before, null);
  });

  test(`with ${GENERATED.toLocaleString('en')} ledger rows every call answers a bounded body (its time only logged)`, async (t) => {
    // Speed is measured by bench/dashboard.mjs, not asserted here: the structure that makes these
    // calls fast is (series points from the rollups, below; keyset pages of at most `limit` rows).
    const paths = [
      '/usage/series?bucket=hour',
      '/usage/series?bucket=day&tz=Europe/Paris',
      '/usage/series?bucket=day&since=30d&project=use-a&status=5xx',
      '/usage/requests?limit=200',
      '/usage/requests?project=use-b&limit=200',
      '/usage/requests?model=gen-model-1&status=4xx&limit=200',
      '/usage/requests?since=7d&until=6d&limit=200',
      '/usage/requests?project=use-a&model=gen-model-0&status=2xx&since=10d&limit=200',
    ];
    for (const path of paths) {
      const started = performance.now();
      const answer = await server.get<Page | Series>(path);
      const elapsed = performance.now() - started;
      assert.equal(answer.status, 200, path);
      t.diagnostic(`${db.url === undefined ? 'pglite' : 'postgres'} ${path}: ${elapsed.toFixed(1)} ms`);
      if ('points' in answer.body) {
        // One point per bucket of the window (24 hours, or 7 / 30 days and the partial one), never per row.
        assert.ok(answer.body.points.length > 0 && answer.body.points.length <= 32, `${path}: ${answer.body.points.length} points`);
        continue;
      }
      const first = answer.body;
      assert.ok(first.data.length > 0 && first.data.length <= 200, `${path}: ${first.data.length} rows`);
      const next = first.next_before;
      if (next) {
        const second = await server.get<Page>(`${path}&before=${next}`);
        assert.equal(second.status, 200, `${path} (page 2)`);
        assert.ok(second.body.data.length <= 200, `${path} (page 2): ${second.body.data.length} rows`);
        assert.ok(second.body.data.every((row) => !first.data.some((seen) => seen.id === row.id)), `${path} (page 2) repeats rows`);
      }
    }
  });

  test('the series reads the hourly rollups, never the ledger', async () => {
    // The series statement as the endpoint builds it, EXPLAINed instead of run.
    let plan = '';
    const explaining = {
      query: async <Row>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>> => {
        const result = await db.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, params);
        plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');
        return { rows: [] as Row[] } as unknown as QueryResult<Row>;
      },
      exec: (sql: string) => db.exec(sql),
    } as Queryable;
    const since = new Date(END.getTime() - 30 * 86_400_000);
    for (const filters of [{}, { projectId: projectA, status: '5xx' as const }, { model: 'gen-model-1' }]) {
      await selectUsageSeries(explaining, { ...filters, since, until: END }, 'day', 'Europe/Paris', LATENCY_BUCKETS);
      assert.match(plan, /ai_usage_hourly/, `${JSON.stringify(filters)}\n${plan}`);
      assert.doesNotMatch(plan, /\bai_usage(?![_\w])/, `${JSON.stringify(filters)} reads the ledger\n${plan}`);
    }
  });

  test('the largest chart (90 days of hours, 2,160 points) answers', async (t) => {
    // 2,160 points with a latency histogram each (about 0.3 s of query and 0.3 s of transfer on an
    // idle Postgres); its time is logged, not asserted.
    const started = performance.now();
    const answer = await server.get<Series>('/usage/series?bucket=hour&since=90d&tz=Asia/Kolkata');
    assert.equal(answer.status, 200);
    assert.ok(answer.body.points.length >= 2160);
    assert.equal(answer.body.points.reduce((sum, point) => sum + point.requests, 0), GENERATED);
    t.diagnostic(`${db.url === undefined ? 'pglite' : 'postgres'} 90d hourly: ${(performance.now() - started).toFixed(1)} ms`);
  });

  test('request pages use the keyset indexes (no sequential scan, no sort of the ledger)', async () => {
    const cases = [
      {},
      { projectId: projectA },
      { model: 'gen-model-1', status: '5xx' as const },
      { since: new Date(END.getTime() - 7 * 86_400_000), until: new Date(END.getTime() - 6 * 86_400_000) },
    ];
    for (const filters of cases) {
      for (const before of [undefined, { startedAt: new Date(END.getTime() - 86_400_000).toISOString(), id: '99999999' }]) {
        const statement = usagePageStatement(filters, before, 200);
        const plan = (await db.query<{ 'QUERY PLAN': string }>(`explain ${statement.sql}`, statement.params)).rows.map((row) => row['QUERY PLAN']).join('\n');
        assert.match(plan, /Index Scan( Backward)? using ai_usage_(project_)?started_id_idx/, `${JSON.stringify(filters)}\n${plan}`);
        assert.doesNotMatch(plan, /Seq Scan|Sort/, `${JSON.stringify(filters)}\n${plan}`);
      }
    }
  });

  test('prices: current, history and scheduled rows of a model and its provider', async () => {
    assert.equal((await server.post('/providers', { name: 'price-openai', provider_class: 'OpenAIProvider', pricing: { input_per_mtok: 1, output_per_mtok: 2 } })).status, 201);
    assert.equal((await server.post('/models', { name: 'price-model', provider: 'price-openai', model_id: 'gpt-x', pricing: { input_per_mtok: 3 } })).status, 201);
    const patch = await fetch(`${server.origin}/admin/v1/models/price-model`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pricing: { input_per_mtok: 4 } }),
    });
    assert.equal(patch.status, 200);
    await db.query(
      `insert into public.ai_price_history (model_id, pricing, effective_from, source) select id, '{"input_per_mtok": 5}', now() + interval '7 days', 'admin' from public.ai_models where name = 'price-model'`,
    );
    const prices = await server.get<{
      model: string;
      current: { pricing: unknown; source: string } | null;
      history: { pricing: unknown }[];
      scheduled: { pricing: unknown; effective_from: string }[];
      provider: { name: string; current: { pricing: unknown } | null } | null;
    }>('/models/price-model/prices');
    assert.equal(prices.status, 200);
    assert.deepEqual(prices.body.current?.pricing, { input_per_mtok: 4 });
    assert.deepEqual(prices.body.history.map((row) => row.pricing), [{ input_per_mtok: 4 }, { input_per_mtok: 3 }]);
    assert.deepEqual(prices.body.scheduled.map((row) => row.pricing), [{ input_per_mtok: 5 }]);
    assert.ok(new Date(prices.body.scheduled[0]?.effective_from ?? 0) > new Date());
    assert.equal(prices.body.provider?.name, 'price-openai');
    assert.deepEqual(prices.body.provider?.current?.pricing, { input_per_mtok: 1, output_per_mtok: 2 });
    assert.equal((await server.get<ErrorBody>('/models/no-such-model/prices')).status, 404);
  });

  test('auth (401) and bad input (400 naming the parameter)', async () => {
    for (const path of ['/usage/series', '/usage/requests', '/models/price-model/prices']) {
      assert.equal((await server.get(path, null)).status, 401, path);
      assert.equal((await server.get(path, 'wrong')).status, 401, path);
    }
    const cases: [string, string][] = [
      ['/usage/series?tz=Mars/Olympus', 'tz'],
      ['/usage/series?tz=../../etc', 'tz'],
      ['/usage/series?bucket=week', 'bucket'],
      ['/usage/series?format=xml', 'format'],
      ['/usage/series?status=3xx', 'status'],
      ['/usage/series?bucket=hour&since=2020-01-01', 'since'],
      ['/usage/series?since=1h&until=2h', 'since'],
      ['/usage/series?by=model', 'by'],
      ['/usage/series?project=no-such-project', 'project'],
      ['/usage/requests?limit=201', 'limit'],
      ['/usage/requests?limit=abc', 'limit'],
      ['/usage/requests?before=not-a-cursor', 'before'],
      ['/usage/requests?before=MjAyNS0xMS0zMA', 'before'],
      ['/usage/requests?since=yesterday', 'since'],
      ['/usage/requests?bucket=day', 'bucket'],
      ['/usage/requests?key=nosuchprefix', 'key'],
    ];
    for (const [path, param] of cases) {
      const answer = await server.get<ErrorBody>(path);
      assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.param, param, path);
      assert.equal(answer.body.error.type, 'invalid_request_error', path);
    }
  });
});
