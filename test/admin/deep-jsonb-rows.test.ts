// A jsonb value nested thousands of levels deep, written with plain SQL (Postgres takes about
// 10,000 levels; the loader never walks it, so the gateway serves on): JSON.stringify throws
// "Maximum call stack size exceeded" past a few thousand, so every admin answer that showed the row
// (the providers and models lists, the row itself, the price history, the configuration history)
// was a 500 and the dashboard could list none of the other rows either. Now such an answer shows the
// value down to 64 levels, then a marker. PGlite and Postgres.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { serveSwitchboard, type Served } from '../usage/serve-switchboard.js';

const ADMIN_TOKEN = `sba-test-${randomBytes(16).toString('hex')}`;
const DEPTH = 5_000;
const MARKER = '[nested deeper than 64 levels: not shown]';

describe('admin answers showing rows with deeply nested jsonb', () => {
  let db: TestDb;
  let served: Served;

  before(async () => {
    db = await createTestDb();
    const deep = `{"x": ${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}}`;
    await db.query(`insert into public.ai_providers (name, provider_class, api_base_url, config) values ('deep-config', 'OpenAIProvider', 'http://127.0.0.1:9', $1::jsonb)`, [deep]);
    await db.query(
      `insert into public.ai_models (name, provider_id, model_id, features, pricing)
       select 'deep-model', id, 'gpt-4o-mini', $1::jsonb, $1::jsonb from public.ai_providers where name = 'deep-config'`,
      [deep],
    );
    served = await serveSwitchboard(db, { adminToken: ADMIN_TOKEN });
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
  });

  async function get(path: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${served.origin}/admin/v1/${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: response.status, text: await response.text() };
  }

  it('the lists, the rows, the prices and the history answer, the deep part cut at 64 levels', async () => {
    for (const path of ['providers', 'models', 'providers/deep-config', 'models/deep-model', 'models/deep-model/prices', 'history']) {
      const answer = await get(path);
      assert.equal(answer.status, 200, `${path}: ${answer.text.slice(0, 200)}`);
      assert.ok(answer.text.includes(MARKER), path);
    }
    const providers = JSON.parse((await get('providers')).text) as { name: string; config: unknown }[];
    // The other rows are shown whole.
    assert.ok(providers.some((row) => row.name === 'openai'));
    let value = (providers.find((row) => row.name === 'deep-config')?.config as { x: unknown }).x;
    let levels = 0;
    while (Array.isArray(value)) {
      value = value[0];
      levels += 1;
    }
    assert.equal(value, MARKER);
    assert.ok(levels > 50 && levels < 70, `${levels}`);
  });
});
