// NUL (and malformed percent-encoding) in what the admin API hands to the database: path segments,
// query parameters and JSON bodies. Postgres text and jsonb cannot hold U+0000, so each is refused
// with a clean 400 in OpenAI's shape before any query, never with the database's wording.
// Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, startDashboardServer, type DashboardServer } from './dashboard-harness.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

const DB_WORDING = /byte sequence|invalid input syntax|unsupported unicode|UTF8|0x00|22021|22P05|database/i;

describe('admin API: NUL and malformed encodings are refused before any query', () => {
  let db: TestDb;
  let server: DashboardServer;

  before(async () => {
    db = await createTestDb();
    server = await startDashboardServer(db);
    assert.equal((await server.post('/projects', { name: 'nul-proj' })).status, 201);
  });

  after(async () => {
    await server?.close();
    await db?.dispose();
  });

  async function send(method: string, path: string, body?: string): Promise<{ status: number; error: { message: string; code: string; param: string | null } }> {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.origin}/admin/v1${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const parsed = (await response.json()) as { error: { message: string; code: string; param: string | null } };
    return { status: response.status, error: parsed.error };
  }

  function assertClean400(answer: Awaited<ReturnType<typeof send>>, label: string, param?: string): void {
    assert.equal(answer.status, 400, `${label}: ${JSON.stringify(answer.error)}`);
    assert.equal(answer.error.code, 'invalid_request', label);
    assert.doesNotMatch(answer.error.message, DB_WORDING, label);
    if (param !== undefined) assert.equal(answer.error.param, param, label);
  }

  const idRoutes: [string, string][] = [
    ['GET', '/providers/{}'],
    ['PATCH', '/providers/{}'],
    ['DELETE', '/providers/{}'],
    ['POST', '/providers/{}/activate'],
    ['GET', '/models/{}'],
    ['POST', '/models/{}/deactivate'],
    ['GET', '/models/{}/prices'],
    ['GET', '/projects/{}'],
    ['GET', '/projects/{}/credentials'],
    ['DELETE', '/projects/nul-proj/credentials/{}'],
    ['DELETE', '/api-keys/{}'],
    ['GET', '/usage/requests/{}'],
    ['GET', '/routes/{}'],
    ['GET', '/routes/{}/comparison'],
    ['POST', '/history/{}/revert'],
    ['DELETE', '/budgets/{}'],
    ['DELETE', '/rate-limits/{}'],
  ];

  for (const segment of ['abc%00def', '%00', 'abc%zz', 'abc%C3%28', 'abc%ED%A0%80', 'abc%']) {
    test(`a path segment ${segment} is a 400 on every route that takes one`, async () => {
      for (const [method, pattern] of idRoutes) {
        const path = pattern.replace('{}', segment);
        const body = method === 'PATCH' ? '{"display_name":"x"}' : undefined;
        assertClean400(await send(method, path, body), `${method} ${path}`);
      }
    });
  }

  test('without the admin token, a malformed path is a 401 like any other', async () => {
    for (const segment of ['abc%00def', 'abc%zz']) {
      const response = await fetch(`${server.origin}/admin/v1/providers/${segment}`);
      assert.equal(response.status, 401, segment);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
    }
  });

  test('a query parameter holding NUL, in its name or value, is a 400 naming it', async () => {
    for (const [path, param] of [
      ['/api-keys?project=nul%00proj', 'project'],
      ['/usage?project=nul%00proj', 'project'],
      ['/usage/series?model=a%00b', 'model'],
      ['/usage/requests?project=nul%00proj', 'project'],
      ['/history?table=ai%00providers', 'table'],
      ['/routes/r?project=nul%00proj', 'project'],
      ['/routes/r/comparison?from=%00', 'from'],
    ] as const) {
      assertClean400(await send('GET', path), path, param);
    }
    assertClean400(await send('GET', '/usage?pro%00ject=x'), 'NUL in a name');
    assertClean400(await send('GET', '/api-keys?project=%zz'), 'malformed percent-encoding');
    assertClean400(await send('GET', '/api-keys?project=%C3%28'), 'invalid UTF-8');
  });

  test('"\\u0000" in a JSON body string or key is a 400 naming the field', async () => {
    const provider = { name: 'nul-prov', provider_class: 'OpenAIProvider', api_base_url: 'http://127.0.0.1:9/v1', required_env_vars: [] };
    for (const [method, path, body, param] of [
      ['POST', '/providers', { ...provider, display_name: 'a\u0000b' }, 'display_name'],
      ['POST', '/providers', { ...provider, config: { note: 'a\u0000b' } }, 'config.note'],
      ['POST', '/providers', { ...provider, config: { 'no\u0000te': 1 } }, 'config'],
      ['POST', '/projects', { name: 'nul-two', description: 'x\u0000' }, 'description'],
      ['PUT', '/projects/nul-proj/credentials/openai', { api_key: 'sk-\u0000abc' }, 'api_key'],
      ['POST', '/api-keys', { project: 'nul-proj', name: 'k\u0000' }, 'name'],
      ['PUT', '/model-access', { project: 'nul-proj', models: ['a\u0000'] }, 'models.0'],
    ] as const) {
      assertClean400(await send(method, path, JSON.stringify(body)), `${method} ${path} ${param}`, param);
    }
    // The provider was never created.
    assert.equal((await send('GET', '/providers/nul-prov')).status, 404);
  });
});
