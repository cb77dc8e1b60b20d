// Found by a review (fixed): a reload is one synchronous step over every model row, and it copied
// each row's `features` (and `pricing`, and `native_fields`) with an object spread after another
// spread, which V8 runs in time quadratic in the keys. Anyone who can write config rows (an admin,
// a stolen admin token, SQL) could stall every instance: 2,000 model rows of 256 keys blocked the
// event loop for 3.8 s per reload, of 512 keys 13 s, of 1,000 keys 94 s. Now an object over 64
// keys (top level or `native_fields`) is refused before it is parsed (the row is unavailable, with
// a logged reason; the admin API refuses it when written) and the merges are linear.
// Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

const ROWS = 2_000;
const KEYS = 512;

/** The longest the event loop went without running a 10 ms interval while `work` ran, ms. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(worst, performance.now() - last);
}

describe('a reload over model rows with oversized features', () => {
  let db: TestDb;
  let switchboard: Switchboard;
  const warnings: string[] = [];

  before(async () => {
    db = await createTestDb();
    await db.query(`insert into public.ai_providers (name, provider_class, api_base_url) values ('wide', 'OpenAIProvider', 'http://127.0.0.1:9/v1')`);
    await db.query(
      `insert into public.ai_models (name, provider_id, model_id, features) select 'narrow-model', id, 'gpt-4o-mini', '{"tools": true, "native_fields": {"top_k": "pass"}}'::jsonb from public.ai_providers where name = 'wide'`,
    );
    switchboard = await createSwitchboard({
      db,
      env: {},
      migrate: false,
      listen: false,
      pollMs: 0,
      usage: false,
      governance: false,
      log: (level, message) => void (level === 'warn' && warnings.push(message)),
    });
  });
  after(async () => {
    await switchboard?.close();
    await db?.dispose();
  });

  test(`${ROWS} rows of ${KEYS} keys neither stall the event loop nor stop the reload`, async () => {
    // Written with SQL before the database refused them (20261207183000_jsonb_key_bounds.sql; the
    // admin API refuses them too): rows an older database may still hold, which the loader skips.
    await db.query('alter table public.ai_models drop constraint ai_models_features_keys');
    await db.query(
      `insert into public.ai_models (name, provider_id, model_id, features)
       select 'wide-' || n, p.id, 'gpt-4o-mini', (select jsonb_object_agg('key_' || k, k) from generate_series(1, ${KEYS}) k)
       from public.ai_providers p, generate_series(1, ${ROWS}) n where p.name = 'wide'`,
    );
    const stall = await longestStall(() => switchboard.reload());
    // 13,000 ms before the fix (PGlite); after it about 500 ms on PGlite (its synchronous read of
    // the 13 MB of rows) and 70 ms on Postgres.
    assert.ok(stall < 3_000, `the reload blocked the event loop for ${Math.round(stall)} ms`);
    const available = switchboard.models().map((model) => model.name);
    assert.ok(available.includes('narrow-model'), available.join(', '));
    assert.deepEqual(available.filter((name) => name.startsWith('wide-')), []);
    assert.ok(warnings.includes(`model 'wide-1' is unavailable: invalid features: more than 64 keys`), warnings.slice(-3).join(' | '));
    const narrow = switchboard.watcher.snapshot.registry.models.get('narrow-model');
    assert.deepEqual(narrow?.nativeFields, { top_k: 'pass' });
  });
});
