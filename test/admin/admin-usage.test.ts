// GET /admin/v1/usage and /admin/v1/usage/requests/{id} over the real stack (createSwitchboard +
// AdminService + createGateway, as `serve` wires them): the report equals the exact sums of the
// ledger rows, filters and grouping are query parameters, bad filters are 400 in the API's error
// shape naming the parameter, and only the admin token reads usage (a project's own API key gets 401,
// so no project reads another's usage here). PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { generateApiKey } from '../../src/crypto/api-key.js';
import type { UsageReport } from '../../src/usage/reports/usage-report.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { serveSwitchboard, type Served } from '../usage/serve-switchboard.js';
import { expect, hourOf, insertRows, makeRows, seedProjects, type LedgerRow, type SeedProject } from '../usage/usage-fixture.js';

const ADMIN_TOKEN = `sba-test-${randomBytes(16).toString('hex')}`;
const END = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);

type Json = Record<string, unknown>;

describe('admin API: usage', () => {
  let db: TestDb;
  let served: Served;
  let origin: string;
  let projects: SeedProject[];
  let rows: LedgerRow[];
  let projectKey: string;

  before(async () => {
    db = await createTestDb();
    projects = await seedProjects(db, ['adm-use-a', 'adm-use-b']);
    rows = makeRows(projects, 120, END, 48, 21);
    await insertRows(db, rows);
    const generated = generateApiKey();
    await db.query(`insert into public.api_keys (project_id, name, prefix, key_hash) values ($1, 'real', $2, $3)`, [
      (projects[0] as SeedProject).id,
      generated.prefix,
      generated.hash,
    ]);
    projectKey = generated.key;
    served = await serveSwitchboard(db, { adminToken: ADMIN_TOKEN });
    origin = served.origin;
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
  });

  async function get<T = Json>(path: string, token: string | null = ADMIN_TOKEN): Promise<{ status: number; body: T }> {
    const response = await fetch(`${origin}/admin/v1${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as T };
  }

  test('the report equals the sums of the rows; grouping and filters are query parameters', async () => {
    const all = await get<UsageReport>('/usage');
    assert.equal(all.status, 200);
    const expected = expect(rows);
    assert.equal(all.body.total.requests, expected.requests);
    assert.equal(all.body.total.cost_usd, expected.cost);
    const [a] = projects as [SeedProject];
    const since = new Date(END.getTime() - 20 * 3_600_000);
    const filtered = await get<UsageReport>(`/usage?project=${a.name}&since=20h&by=model`);
    assert.equal(filtered.status, 200);
    assert.equal(filtered.body.by, 'model');
    assert.equal(filtered.body.filters.project_id, a.id);
    const selected = rows.filter((row) => row.projectId === a.id && hourOf(row.startedAt) >= hourOf(since));
    assert.equal(filtered.body.total.cost_usd, expect(selected).cost);
    for (const row of filtered.body.rows) {
      const group = selected.filter((candidate) => candidate.model === row.group);
      assert.equal(row.requests, group.length, String(row.group));
      assert.equal(row.cost_usd, expect(group).cost, String(row.group));
    }
  });

  test('bad filters are 400 in the API error shape, naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/usage?since=yesterday', 'since'],
      ['/usage?by=colour', 'by'],
      ['/usage?project=no-such-project', 'project'],
      ['/usage?key=nosuchprefix', 'key'],
      ['/usage?colour=red', 'colour'],
      ['/usage?since=1h&until=2h', 'since'],
      ['/usage?model=a&model=b', 'model'],
    ];
    for (const [path, param] of cases) {
      const answer = await get<{ error: { message: string; type: string; param: string | null; code: string } }>(path);
      assert.equal(answer.status, 400, path);
      assert.equal(answer.body.error.param, param, path);
      assert.equal(typeof answer.body.error.message, 'string');
      assert.equal(answer.body.error.type, 'invalid_request_error', path);
    }
  });

  test("only the admin token reads usage: none, a wrong one, or a project's own API key get 401", async () => {
    for (const token of [null, `${ADMIN_TOKEN}x`, projectKey]) {
      for (const path of ['/usage', `/usage?project=${(projects[1] as SeedProject).name}`, `/usage/requests/${(rows[0] as LedgerRow).requestId}`]) {
        const answer = await get<{ error: { code: string } }>(path, token);
        assert.equal(answer.status, 401, `${path} with ${token === projectKey ? 'a project key' : String(token)}`);
        assert.equal(answer.body.error.code, 'invalid_api_key');
        assert.equal(JSON.stringify(answer.body).includes('cost_usd'), false);
      }
    }
  });

  test('explain: 404 for a request with no ledger rows; the row of a known request', async () => {
    const missing = await get<{ error: { code: string; message: string } }>('/usage/requests/no-such-request');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    const row = rows[0] as LedgerRow;
    const known = await get<{ request_id: string; attempts: { status: number; project_id: string; model: string; cost_usd: string | null }[] }>(`/usage/requests/${row.requestId}`);
    assert.equal(known.status, 200);
    assert.equal(known.body.request_id, row.requestId);
    assert.deepEqual(
      known.body.attempts.map((attempt) => [attempt.status, attempt.project_id, attempt.model, attempt.cost_usd]),
      [[row.status, row.projectId, row.model, row.costPico === null ? null : expect([row]).cost]],
    );
  });

  test('openapi.json documents both routes and the filters', async () => {
    const document = (await (await fetch(`${origin}/admin/v1/openapi.json`)).json()) as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    const report = document.paths['/admin/v1/usage']?.get;
    assert.deepEqual(report?.parameters?.map((parameter) => parameter.name), ['project', 'key', 'model', 'provider', 'route', 'since', 'until', 'by']);
    assert.ok(document.paths['/admin/v1/usage/requests/{request_id}']?.get);
  });
});
