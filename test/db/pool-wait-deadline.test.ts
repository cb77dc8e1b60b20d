// Found by a review (fixed): waiting for a pool connection had no deadline of its own and the
// wrong answer. With every connection of the pool busy (here the pool's only one waits on a lock
// another session holds; a frozen connection does the same), a credential load waited pg-pool's
// 10 s connect timeout, not its own `credentialLoadTimeoutMs`, and that timeout (a plain Error,
// "timeout exceeded when trying to connect") reached the client as a 500 `database_error`, where a
// database that does not answer is a 503 `database_unavailable` everywhere else. Both now answer
// 503 in OpenAI's shape: the credential load after its own deadline, an admin call after the
// pool's connect timeout. Postgres only (the embedded database has no pool).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import type { Db } from '../../src/db/db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { adminServiceFor } from '../../src/service/admin/admin-for-switchboard.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { insertProjectKey } from '../helpers/serve-process.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';

const ADMIN_TOKEN = `sba-test-${randomBytes(16).toString('hex')}`;
const LOCK = 4_242_001;

describe('a request while every pool connection is busy', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let pooled: Db;
  let holder: Db;
  let switchboard: Switchboard;
  let gateway: Gateway;
  let origin: string;
  let key: string;
  let releaseLock: () => void = () => undefined;
  let held: Promise<unknown> = Promise.resolve();
  let waiting: Promise<unknown> = Promise.resolve();

  before(async () => {
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('busy-openai', 'OpenAIProvider', 'http://127.0.0.1:9/v1', '["BUSY_OPENAI_KEY"]'::jsonb)`,
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'busy-model', id, 'gpt-4o-mini' from public.ai_providers where name = 'busy-openai'`);
    key = (await insertProjectKey(db, 'busy')).key;
    // One connection, a connect timeout well under pg-pool's default 10 s.
    pooled = await openPostgresDb({ url: db.url!, max: 1, connectTimeoutMs: 1_000 });
    holder = await openPostgresDb({ url: db.url!, max: 1 });
    switchboard = await createSwitchboard({
      db: pooled,
      env: { SWITCHBOARD_ALLOWED_ENV_VARS: 'BUSY_*', BUSY_OPENAI_KEY: 'sk-busy-0123456789' },
      keyring: createKeyring(createMasterKey(randomBytes(32))),
      migrate: false,
      listen: false,
      pollMs: 600_000,
      usage: false,
      governance: false,
      credentialLoadTimeoutMs: 300,
    });
    const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({}), adminToken: ADMIN_TOKEN });
    gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config, admin: adminServiceFor(switchboard) });
    origin = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}`;

    // Another session takes a lock; the pool's only connection then waits on it.
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    held = holder.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [LOCK]);
      locked();
      await new Promise<void>((resolve) => (releaseLock = resolve));
    });
    await isLocked;
    waiting = pooled.query('select pg_advisory_xact_lock($1)', [LOCK]);
    // Until Postgres shows the pooled connection waiting on that lock (a condition, not a delay).
    for (;;) {
      const { rows } = await db.query<{ n: string }>(`select count(*) as n from pg_locks where locktype = 'advisory' and objid = $1 and not granted`, [LOCK]);
      if (rows[0]?.n !== '0') break;
    }
  });

  after(async () => {
    releaseLock();
    await held.catch(() => undefined);
    await waiting.catch(() => undefined);
    await gateway?.close();
    await switchboard?.close().catch(() => undefined);
    await pooled?.close().catch(() => undefined);
    await holder?.close().catch(() => undefined);
    await db?.dispose();
  });

  function assertUnavailable(status: number, body: { error: { type: string; code: string; message: string; param: unknown } }): void {
    assert.equal(status, 503, JSON.stringify(body));
    assert.equal(body.error.type, 'server_error');
    assert.equal(body.error.code, 'database_unavailable');
    assert.equal(body.error.param, null);
    assert.match(body.error.message, /request id/);
  }

  test('a credential load answers 503 database_unavailable after its own deadline', async () => {
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'busy-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assertUnavailable(response.status, (await response.json()) as never);
  });

  test('an admin call answers 503 database_unavailable after the connect timeout', async () => {
    const response = await fetch(`${origin}/admin/v1/projects`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assertUnavailable(response.status, (await response.json()) as never);
  });

  test('the library sees a retryable database_unavailable, not a database_error', async () => {
    await assert.rejects(pooled.query('select 1'), (error: Error & { code?: string; isRetryable?: boolean }) => {
      assert.equal(error.code, 'database_unavailable', error.message);
      assert.equal(error.isRetryable, true);
      assert.doesNotMatch(error.message, /postgres:\/\//);
      return true;
    });
    await assert.rejects(pooled.query('select 1', [], { timeoutMs: 200 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'database_unavailable', error.message);
      return true;
    });
  });
});
