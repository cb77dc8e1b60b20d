// Issue 17, item 1: Supabase's API roles `anon` and `authenticated` get nothing of Switchboard.
// Each case starts from a fresh database carrying Supabase's default privileges (every new table,
// function and sequence of schema public granted to anon, authenticated and service_role) and an
// application table of the project's own, then runs Switchboard's migrations, then sweeps every
// object of schema public and replays the attack with the public anon key's role: re-point a
// provider, read the key index, fake a migration row. PGlite and Postgres alike.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateApiKey } from '../../src/crypto/api-key.js';
import type { Queryable } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrate.js';
import { DatabaseError } from '../../src/errors.js';
import { createSupabaseLikeDb, type SupabaseLikeDb } from './supabase-database.js';

const API_ROLES = ['anon', 'authenticated'] as const;
/** The project's own objects in schema public: Switchboard must leave their grants alone. */
const APP_OBJECTS = ['app_notes', 'app_notes_id_seq', 'app_hello'];
const ATTACKER_URL = 'http://127.0.0.1:9/attacker/v1';

/** The application of the Supabase project, created before Switchboard is installed. */
const appSchema = `
  create table public.app_notes (id serial primary key, body text);
  create function public.app_hello() returns text language sql as 'select ''hello''';
`;

/** A migrations table as runners before the fix created it: no RLS, default privileges apply. */
const legacyMigrationsTable = `
  create table public.switchboard_migrations (name text primary key, checksum text not null, applied_at timestamptz not null default now());
`;

/** Every "role object: privilege" that `public`, anon or authenticated holds on a Switchboard object. */
async function apiRoleGrants(db: Queryable): Promise<string[]> {
  const result = await db.query<{ grant: string }>(
    `with roles(role) as (values ('public'), ('anon'), ('authenticated')),
     relations as (select oid, relname as name, relkind from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p', 'v', 'm', 'f', 'S'))
     select format('%s %s: %s', r.role, c.name, p.privilege) as grant
       from relations c cross join roles r
       cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) as p(privilege)
      where c.relkind <> 'S' and has_table_privilege(r.role, c.oid, p.privilege) and c.name <> all($1::text[])
     union all
     select format('%s %s: %s', r.role, c.name, p.privilege)
       from relations c cross join roles r cross join unnest(array['USAGE', 'SELECT', 'UPDATE']) as p(privilege)
      where c.relkind = 'S' and has_sequence_privilege(r.role, c.oid, p.privilege) and c.name <> all($1::text[])
     union all
     select format('%s %s(): EXECUTE', r.role, f.proname)
       from pg_proc f cross join roles r
      where f.pronamespace = 'public'::regnamespace and has_function_privilege(r.role, f.oid, 'EXECUTE') and f.proname <> all($1::text[])
     order by 1`,
    [APP_OBJECTS],
  );
  return result.rows.map((row) => row.grant);
}

/** Runs `statement` as `role` (SET LOCAL ROLE, as PostgREST does) and expects SQLSTATE 42501. */
async function refusedAs(db: SupabaseLikeDb, role: string, statement: string): Promise<void> {
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query(`set local role ${role}`);
      await tx.query(statement);
    }),
    (error: unknown) => {
      assert.ok(error instanceof DatabaseError, `${role}: ${statement}: a DatabaseError, got ${String(error)}`);
      assert.equal(error.sqlState, '42501', `${role}: ${statement}: ${error.message}`);
      assert.match(error.message, /permission denied/);
      return true;
    },
  );
}

for (const install of ['fresh', 'upgraded'] as const) {
  describe(`Supabase API roles on a ${install} install`, () => {
    let db: SupabaseLikeDb;

    before(async () => {
      db = await createSupabaseLikeDb();
      await db.exec(appSchema);
      // An install from before the fix: the runner created its table without RLS, open to anon.
      if (install === 'upgraded') await db.exec(legacyMigrationsTable);
      await migrate(db);
      const key = generateApiKey();
      await db.query(`insert into public.projects (name) values ('victim')`);
      await db.query(`insert into public.api_keys (project_id, name, prefix, key_hash) select id, 'k', $1, $2 from public.projects where name = 'victim'`, [
        key.prefix,
        key.hash,
      ]);
    });
    after(async () => {
      await db?.dispose();
    });

    it("the project's own objects keep Supabase's grants (so the setup is in effect, and the lock-down does not overreach)", async () => {
      const grants = await db.query(
        `select has_table_privilege('anon', 'public.app_notes', 'insert') as notes, has_sequence_privilege('anon', 'public.app_notes_id_seq', 'usage') as seq,
                has_function_privilege('authenticated', 'public.app_hello()', 'execute') as hello`,
      );
      assert.deepEqual(grants.rows, [{ notes: true, seq: true, hello: true }]);
    });

    it('anon, authenticated and public hold no privilege on any Switchboard table, sequence or function', async () => {
      assert.deepEqual(await apiRoleGrants(db), []);
    });

    it('every Switchboard table has row-level security (forced on the secret tables)', async () => {
      const tables = await db.query<{ relname: string; forced: boolean; enabled: boolean }>(
        `select relname, relrowsecurity as enabled, relforcerowsecurity as forced from pg_class
          where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and relname <> all($1::text[]) order by relname`,
        [APP_OBJECTS],
      );
      assert.deepEqual(
        tables.rows.filter((table) => !table.enabled).map((table) => table.relname),
        [],
      );
      assert.deepEqual(
        tables.rows.filter((table) => table.forced).map((table) => table.relname),
        // The config history, the version log and the instances (issue 13) are forced as well.
        ['ai_provider_credentials', 'ai_usage', 'ai_usage_hourly', 'api_keys', 'switchboard_config_history', 'switchboard_config_version_log', 'switchboard_instances', 'switchboard_upgrades'],
      );
      assert.ok(tables.rows.some((table) => table.relname === 'switchboard_migrations'));
    });

    it('the attack fails: re-point a provider, move a model, read the key index, fake a migration, bump the version', async () => {
      for (const role of API_ROLES) {
        await refusedAs(db, role, `update public.ai_providers set api_base_url = '${ATTACKER_URL}' where name = 'openai'`);
        await refusedAs(db, role, `update public.ai_models set is_active = false`);
        await refusedAs(db, role, `select prefix, key_hash from public.switchboard_active_api_keys()`);
        await refusedAs(db, role, `select prefix, key_hash from public.api_keys`);
        await refusedAs(db, role, `insert into public.switchboard_migrations (name, checksum) values ('29991231000000_fake.sql', 'x')`);
        await refusedAs(db, role, `update public.switchboard_config_version set version = version + 1`);
        await refusedAs(db, role, `delete from public.switchboard_upgrades`);
        await refusedAs(db, role, `select public.switchboard_lock_down('public.app_notes')`);
      }
      const provider = await db.query(`select api_base_url from public.ai_providers where name = 'openai'`);
      assert.notEqual(provider.rows[0]?.['api_base_url'], ATTACKER_URL);
      // No fake row: the runner still accepts the database.
      assert.deepEqual((await migrate(db)).applied, []);
    });

    it("Supabase's service_role (the admin side, BYPASSRLS) still writes, and the notify trigger still fires", async () => {
      const before = await db.query<{ version: string }>(`select version::text from public.switchboard_config_version`);
      await db.transaction(async (tx) => {
        await tx.query(`set local role service_role`);
        const result = await tx.query(`update public.ai_providers set display_name = 'OpenAI (admin)' where name = 'openai'`);
        assert.equal(result.rowCount, 1);
      });
      // …but cannot undo a one-time upgrade (that would let an old credential envelope be bound again).
      await refusedAs(db, 'service_role', `delete from public.switchboard_upgrades`);
      const after = await db.query<{ version: string }>(`select version::text from public.switchboard_config_version`);
      assert.equal(Number(after.rows[0]?.version), Number(before.rows[0]?.version) + 1);
    });
  });
}

describe('the migration runner creates its own table locked down', () => {
  let db: SupabaseLikeDb;
  let empty: string;

  before(async () => {
    db = await createSupabaseLikeDb();
    empty = await mkdtemp(path.join(os.tmpdir(), 'switchboard-no-migrations-'));
  });
  after(async () => {
    await db?.dispose();
    await rm(empty, { recursive: true, force: true });
  });

  it('before any migration file runs: RLS on, nothing for public, anon or authenticated', async () => {
    await migrate(db, { directory: empty });
    const table = await db.query(`select relrowsecurity as rls from pg_class where oid = 'public.switchboard_migrations'::regclass`);
    assert.deepEqual(table.rows, [{ rls: true }]);
    assert.deepEqual(await apiRoleGrants(db), []);
    for (const role of API_ROLES) {
      await refusedAs(db, role, `insert into public.switchboard_migrations (name, checksum) values ('29991231000000_fake.sql', 'x')`);
    }
  });
});
