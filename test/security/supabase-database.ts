/**
 * A fresh, unmigrated database that looks like a Supabase project's before Switchboard arrives:
 * the roles `anon`, `authenticated` and `service_role` (cluster-wide, created idempotently when
 * missing) and Supabase's long-standing default privileges on schema public, which hand every new
 * table, function and sequence to all three. Postgres when DATABASE_URL is set (a throwaway
 * database), else an in-memory PGlite.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/db.js';
import { openEmbeddedDb } from '../../src/db/pglite-adapter.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { postgresUrl, withAdmin, withDatabase } from '../helpers/test-db.js';

/** Supabase's API roles (no login, no inherit) and its admin role (bypasses RLS). */
const supabaseRoles: Record<string, string> = {
  anon: 'nologin noinherit',
  authenticated: 'nologin noinherit',
  service_role: 'nologin noinherit bypassrls',
};

/** Roles are shared by every database of the server: tolerate another test creating one first. */
function createRoleSql(role: string, attributes: string): string {
  return `
    do $$
    begin
      if not exists (select 1 from pg_roles where rolname = '${role}') then
        create role ${role} ${attributes};
      end if;
    exception when duplicate_object or unique_violation then
      null;
    end;
    $$;`;
}

/** The lines of Supabase's schema setup that matter here (what `supabase start` still runs). */
const supabaseDefaults = `
  grant usage on schema public to anon, authenticated, service_role;
  alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
  alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
  alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
`;

export type SupabaseLikeDb = Db & { dispose(): Promise<void> };

/** A fresh database with Supabase's roles and default privileges and nothing else. */
export async function createSupabaseLikeDb(): Promise<SupabaseLikeDb> {
  const url = postgresUrl();
  let db: Db;
  let drop: () => Promise<void>;
  if (url === undefined) {
    db = await openEmbeddedDb();
    drop = () => Promise.resolve();
  } else {
    const name = `sb_supa_${randomBytes(6).toString('hex')}`;
    await withAdmin(url, (admin) => admin.query(`create database ${name}`));
    db = await openPostgresDb({ url: withDatabase(url, name), max: 3 });
    drop = () => withAdmin(url, (admin) => admin.query(`drop database if exists ${name} with (force)`)).then(() => undefined);
  }
  for (const [role, attributes] of Object.entries(supabaseRoles)) await db.exec(createRoleSql(role, attributes));
  await db.exec(supabaseDefaults);
  return Object.assign(db, {
    async dispose() {
      await db.close();
      await drop();
    },
  });
}
