// Usage reports over the hourly rollups: rows inserted with plain SQL into ai_usage (the trigger
// fills ai_usage_hourly), then every total, grouping and filter compared with sums the test computes
// exactly (integers; costs as pico-USD BigInt), and p50/p95 with the nearest-rank value of the raw
// latencies within the documented bucket precision. Reports must not read ai_usage: after the
// detail rows are deleted the same report comes back. PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SwitchboardError } from '../../src/errors.js';
import { LATENCY_BUCKET_RATIO } from '../../src/usage/reports/latency-percentile.js';
import { parseUsageQuery, type UsageQuery } from '../../src/usage/reports/usage-query.js';
import { usageReport, type UsageReportRow } from '../../src/usage/reports/usage-report.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { expect, hourOf, insertRows, makeRows, percentile, picoToDecimal, seedProjects, type LedgerRow, type SeedProject } from './usage-fixture.js';

const END = new Date('2026-11-30T12:00:00Z');

function assertRow(actual: UsageReportRow, rows: readonly LedgerRow[], label: string): void {
  const expected = expect(rows);
  assert.equal(actual.requests, expected.requests, `${label}: requests`);
  assert.equal(actual.errors, expected.errors, `${label}: errors`);
  assert.equal(actual.error_rate, Math.round((expected.errors / expected.requests) * 10_000) / 10_000, `${label}: error rate`);
  const tokens = actual.tokens;
  assert.deepEqual([tokens.input, tokens.cached_input, tokens.cache_write_5m, tokens.cache_write_1h, tokens.output, tokens.reasoning], expected.tokens, `${label}: tokens`);
  assert.equal(actual.cost_usd, expected.cost, `${label}: cost`);
  assert.equal(actual.unpriced_requests, expected.unpriced, `${label}: unpriced`);
  for (const [field, values, quantile] of [
    ['latency_p50_ms', expected.durations, 0.5],
    ['latency_p95_ms', expected.durations, 0.95],
    ['ttft_p50_ms', expected.ttfts, 0.5],
    ['ttft_p95_ms', expected.ttfts, 0.95],
  ] as const) {
    const want = percentile(values, quantile);
    const got = actual[field];
    if (want === null) {
      assert.equal(got, null, `${label}: ${field}`);
      continue;
    }
    assert.ok(got !== null, `${label}: ${field} missing`);
    // The documented precision: the true value is in (reported / 2^(1/4), reported] (bucket 0: [0, 1 ms]).
    assert.ok(want.exact <= got && (got === 1 || want.exact > (got - 0.1) / LATENCY_BUCKET_RATIO), `${label}: ${field} ${got} vs exact ${want.exact}`);
    assert.equal(got, want.reported, `${label}: ${field} bucket`);
  }
}

describe('usage reports from the rollups', () => {
  let db: TestDb;
  let projects: SeedProject[];
  let rows: LedgerRow[];
  const report = (params: Record<string, string>) => usageReport(db, parseUsageQuery(Object.entries(params), END));

  before(async () => {
    db = await createTestDb();
    projects = await seedProjects(db, ['rep-alpha', 'rep-beta']);
    rows = makeRows(projects, 400, END, 72);
    await insertRows(db, rows);
  });
  after(async () => {
    await db?.dispose();
  });

  test('the rollups hold fewer rows than the ledger, and the total equals the exact sums of the rows', async () => {
    const rollups = await db.query<{ n: string }>(`select count(*)::text as n from public.ai_usage_hourly`);
    assert.ok(Number(rollups.rows[0]?.n) < rows.length, 'several ledger rows share a rollup row');
    const result = await report({});
    assert.equal(result.by, null);
    assert.deepEqual(result.rows, []);
    assertRow(result.total, rows, 'total');
    assert.ok(result.total.unpriced_requests > 0 && result.total.errors > 0, 'the data has unpriced and failed requests');
  });

  const groupings: [string, (row: LedgerRow, projects: SeedProject[]) => string | null][] = [
    ['model', (row) => row.model],
    ['provider', (row) => row.provider],
    ['project', (row, all) => all.find((project) => project.id === row.projectId)?.name ?? null],
    ['key', (row, all) => {
      for (const project of all) {
        const index = project.keys.findIndex((key) => key.id === row.apiKeyId);
        if (index >= 0) return `key${index} (${project.keys[index]?.prefix})`;
      }
      return null;
    }],
    ['day', (row) => row.startedAt.toISOString().slice(0, 10)],
    ['hour', (row) => `${hourOf(row.startedAt).toISOString().slice(0, 13)}:00Z`],
    ['arm', (row) => row.arm],
    ['route', (row) => row.route],
  ];
  for (const [by, labelOf] of groupings) {
    test(`by ${by}: one row per group with that group's exact sums, adding up to the total`, async () => {
      const result = await report({ by });
      const groups = new Map<string | null, LedgerRow[]>();
      for (const row of rows) {
        const label = labelOf(row, projects);
        groups.set(label, [...(groups.get(label) ?? []), row]);
      }
      assert.deepEqual(new Set(result.rows.map((row) => row.group)), new Set(groups.keys()));
      assert.equal(result.rows.length, groups.size);
      for (const row of result.rows) assertRow(row, groups.get(row.group) ?? [], `${by}=${row.group}`);
      const sum = result.rows.reduce((total, row) => total + BigInt(row.cost_usd.replace('.', '')), 0n);
      assert.equal(picoToDecimal(sum), result.total.cost_usd);
      if (by === 'project') assert.deepEqual(result.rows.map((row) => row.group_id).sort(), projects.map((project) => project.id).sort());
      if (by === 'day' || by === 'hour') assert.deepEqual(result.rows.map((row) => row.group), [...groups.keys()].sort());
    });
  }

  test('filters: project (name or id), key (id or prefix), model, provider, route, since/until (whole hours), combined', async () => {
    const [alpha, beta] = projects as [SeedProject, SeedProject];
    const key = beta.keys[1] as { id: string; prefix: string };
    const since = new Date(END.getTime() - 30 * 3_600_000 + 17 * 60_000);
    const until = new Date(END.getTime() - 6 * 3_600_000);
    const inWindow = (row: LedgerRow) => hourOf(row.startedAt) >= hourOf(since) && hourOf(row.startedAt) < until;
    const cases: [Record<string, string>, (row: LedgerRow) => boolean][] = [
      [{ project: 'rep-alpha' }, (row) => row.projectId === alpha.id],
      [{ project: beta.id }, (row) => row.projectId === beta.id],
      [{ key: key.id }, (row) => row.apiKeyId === key.id],
      [{ key: key.prefix }, (row) => row.apiKeyId === key.id],
      [{ model: 'rep-claude' }, (row) => row.model === 'rep-claude'],
      [{ provider: 'rep-google' }, (row) => row.provider === 'rep-google'],
      [{ route: 'chat-cheap' }, (row) => row.route === 'chat-cheap'],
      [{ since: since.toISOString(), until: until.toISOString() }, inWindow],
      [{ since: '30h' }, (row) => hourOf(row.startedAt) >= hourOf(new Date(END.getTime() - 30 * 3_600_000))],
      [{ project: 'rep-alpha', model: 'rep-gpt', since: '2d' }, (row) => row.projectId === alpha.id && row.model === 'rep-gpt' && hourOf(row.startedAt) >= hourOf(new Date(END.getTime() - 48 * 3_600_000))],
    ];
    for (const [params, keep] of cases) {
      const selected = rows.filter(keep);
      assert.ok(selected.length > 0 && selected.length < rows.length, `${JSON.stringify(params)} selects some rows`);
      const result = await report(params);
      assertRow(result.total, selected, JSON.stringify(params));
    }
    const nothing = await report({ model: 'no-such-model' });
    assert.equal(nothing.total.requests, 0);
    assert.equal(nothing.total.cost_usd, '0.000000000000');
    assert.equal(nothing.total.latency_p50_ms, null);
  });

  test('bad filters are invalid_request errors naming the parameter', async () => {
    const cases: [[string, string][], string, RegExp][] = [
      [[['project', 'no-such-project']], 'project', /No project named/],
      [[['key', 'nosuchprefix']], 'key', /No API key/],
      [[['since', 'yesterday']], 'since', /ISO time/],
      [[['until', '2026-13-45']], 'until', /ISO time/],
      [[['by', 'colour']], 'by', /by must be one of/],
      [[['since', '1h'], ['until', '2h']], 'since', /earlier than until/],
      [[['model', 'a'], ['model', 'b']], 'model', /more than once/],
      [[['project', '']], 'project', /needs a value/],
      [[['colour', 'red']], 'colour', /Unknown usage filter/],
    ];
    for (const [params, param, message] of cases) {
      await assert.rejects(
        (async () => usageReport(db, parseUsageQuery(params, END)))(),
        (error: unknown) => {
          assert.ok(error instanceof SwitchboardError, String(error));
          assert.equal(error.status, 400);
          assert.equal(error.param, param);
          assert.match(error.message, message);
          return true;
        },
        JSON.stringify(params),
      );
    }
  });

  test('times: ISO dates and date-times (UTC unless offset) and durations back from now', () => {
    const parse = (since: string): Date | undefined => parseUsageQuery([['since', since]], END).since;
    const cases: [string, string][] = [
      ['2026-11-01', '2026-11-01T00:00:00.000Z'],
      ['2026-11-01T10:30', '2026-11-01T10:30:00.000Z'],
      ['2026-11-01T10:30:00+02:00', '2026-11-01T08:30:00.000Z'],
      ['2026-11-01 10:30:15Z', '2026-11-01T10:30:15.000Z'],
      ['90m', '2026-11-30T10:30:00.000Z'],
      ['24h', '2026-11-29T12:00:00.000Z'],
      ['7d', '2026-11-23T12:00:00.000Z'],
      ['2w', '2026-11-16T12:00:00.000Z'],
    ];
    for (const [text, iso] of cases) assert.equal(parse(text)?.toISOString(), iso, text);
    const query: UsageQuery = parseUsageQuery([['by', 'day']], END);
    assert.deepEqual(query, { by: 'day' });
  });

  test('reports read only the rollups: with the detail rows gone the report is unchanged', async () => {
    const before = await report({ by: 'model' });
    await db.query(`delete from public.ai_usage`);
    assert.deepEqual(await report({ by: 'model' }), before);
  });
});
