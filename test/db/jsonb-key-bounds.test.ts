// Found by a review (fixed): `features`, `pricing` and `config` are bounded to 64 keys (at the top
// and in `native_fields`) by the admin API and the CLI, and a reload skips a larger row, but plain
// SQL wrote one all the same, and every reload of every instance warned about it again. A CHECK
// constraint (migration 20261207183000_jsonb_key_bounds.sql) now refuses it in the database; it is
// NOT VALID, so a database already holding such a row still migrates (the loader keeps skipping it).
// Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrationsDirectory } from '../../src/db/migrate.js';
import { DatabaseError } from '../../src/errors.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/** A jsonb object literal of `count` keys. */
const keys = (count: number): string => JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, index) => [`key_${index}`, index])));

const constraints = [
  ['ai_providers', 'ai_providers_features_keys'],
  ['ai_providers', 'ai_providers_pricing_keys'],
  ['ai_providers', 'ai_providers_config_keys'],
  ['ai_models', 'ai_models_features_keys'],
  ['ai_models', 'ai_models_pricing_keys'],
] as const;

describe('jsonb key bounds in the database', () => {
  let db: TestDb;

  before(async () => {
    db = await createTestDb();
    await db.query(`insert into public.ai_providers (name, provider_class, api_base_url) values ('bounded', 'OpenAIProvider', 'http://127.0.0.1:9/v1')`);
  });
  after(async () => {
    await db?.dispose();
  });

  /** Asserts `sql` is refused by the check constraint `constraint`. */
  async function assertRefused(sql: string, params: string[], constraint: string): Promise<void> {
    await assert.rejects(db.query(sql, params), (error: unknown) => {
      assert.ok(error instanceof DatabaseError, String(error));
      assert.equal(error.code, 'invalid_request', error.message);
      assert.equal(error.sqlState, '23514');
      assert.equal(error.constraint, constraint);
      return true;
    });
  }

  const insertModel = `insert into public.ai_models (name, provider_id, model_id, features, pricing)
    select $1, id, 'gpt-4o-mini', $2::jsonb, $3::jsonb from public.ai_providers where name = 'bounded'`;

  test('an object of 64 keys is written, of 65 refused, at the top and in native_fields', async () => {
    await db.query(insertModel, ['at-64', keys(64), keys(64)]);
    await assertRefused(insertModel, ['features-65', keys(65), '{}'], 'ai_models_features_keys');
    await assertRefused(insertModel, ['pricing-65', '{}', keys(65)], 'ai_models_pricing_keys');
    await assertRefused(insertModel, ['native-65', JSON.stringify({ tools: true, native_fields: JSON.parse(keys(65)) }), '{}'], 'ai_models_features_keys');
    const stored = await db.query<{ name: string }>(`select name from public.ai_models where provider_id = (select id from public.ai_providers where name = 'bounded')`);
    assert.deepEqual(stored.rows.map((row) => row.name), ['at-64']);
  });

  test("an update of a provider's features, pricing or config past 64 keys is refused", async () => {
    for (const column of ['features', 'pricing', 'config']) {
      await assertRefused(`update public.ai_providers set ${column} = $1::jsonb where name = 'bounded'`, [keys(65)], `ai_providers_${column}_keys`);
    }
    await db.query(`update public.ai_providers set config = $1::jsonb where name = 'bounded'`, [keys(64)]);
  });

  test('the migration applies over rows written before it (NOT VALID), and refuses new ones', async () => {
    // As a database migrated before the bound: no constraints, an oversized row already there.
    for (const [table, constraint] of constraints) await db.query(`alter table public.${table} drop constraint ${constraint}`);
    await db.query(insertModel, ['old-wide', keys(200), '{}']);
    const file = await readFile(path.join(migrationsDirectory(), '20261207183000_jsonb_key_bounds.sql'), 'utf8');
    await db.transaction((tx) => tx.exec(file));
    const present = await db.query<{ conname: string; convalidated: boolean }>(
      `select conname, convalidated from pg_constraint where conname like 'ai\\_%\\_keys' order by conname`,
    );
    assert.deepEqual(present.rows, constraints.map(([, conname]) => ({ conname, convalidated: false })).sort((a, b) => a.conname.localeCompare(b.conname)));
    assert.equal((await db.query(`select 1 from public.ai_models where name = 'old-wide'`)).rowCount, 1);
    await assertRefused(insertModel, ['new-wide', keys(200), '{}'], 'ai_models_features_keys');
  });
});
