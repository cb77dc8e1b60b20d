// Found by an attack review (live configuration, database briefly unreachable): a `switchboard serve` process whose
// Postgres connection dies while a configuration reload is in flight (a failover, a restart, a
// pooler or an operator's pg_terminate_backend). The documented behaviour: "keeps serving the last
// good snapshot when a reload fails, and logs why". The reload is made to be in flight for sure by
// a writer holding a lock on ai_models (as a long migration or an `alter table` does), then its
// backend is terminated. The process must still answer afterwards. Postgres only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { insertProjectKey, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';

describe('a database connection lost during a configuration reload', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let gateway: ServeProcess | undefined;
  let locker: pg.Client | undefined;
  let key: string;

  before(async () => {
    db = await createTestDb();
    assert.ok(db.url);
    await db.query(`insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('kill-openai', 'OpenAIProvider', 'http://127.0.0.1:9', '["KILL_OPENAI_API_KEY"]')`);
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'kill-gpt', id, 'gpt-4o-mini' from public.ai_providers where name = 'kill-openai'`);
    key = (await insertProjectKey(db, 'kill')).key;
    gateway = await startServeProcess({ databaseUrl: db.url, env: { KILL_OPENAI_API_KEY: 'sk-kill-0123456789abcdef', SWITCHBOARD_CONFIG_POLL_MS: '200' } });
  });

  after(async () => {
    await locker?.end().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
    await db?.dispose();
  });

  test('the process survives and keeps serving its last snapshot', async () => {
    const url = (gateway as ServeProcess).url;
    assert.equal((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status, 200);

    // A writer holds ai_models (a long migration, an `alter table` in an open transaction).
    locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table public.ai_models in access exclusive mode');
    // Another writer changes a provider: every instance reloads the registry, which waits for the lock.
    await db.query(`update public.ai_providers set display_name = 'changed' where name = 'kill-openai'`);

    let reloadPid: number | undefined;
    const start = performance.now();
    while (reloadPid === undefined && performance.now() - start < 5000) {
      const waiting = await db.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid() and query ilike '%ai_models%'`,
      );
      reloadPid = waiting.rows[0]?.pid;
      if (reloadPid === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(reloadPid !== undefined, 'the reload waits for the lock');

    // The reload's connection is lost (failover, restart, pooler, pg_terminate_backend).
    await db.query('select pg_terminate_backend($1)', [reloadPid]);
    await locker.query('rollback');
    await new Promise((resolve) => setTimeout(resolve, 500));

    let status: number | string;
    try {
      status = (await fetch(`${url}/healthz`)).status;
    } catch (error) {
      status = `no answer (${(error as Error).message}); stderr: ${(gateway as ServeProcess).output().stderr.slice(-600)}`;
    }
    assert.equal(status, 200, 'the gateway process is still up');
  });
});
