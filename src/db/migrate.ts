import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseError, errorMessage } from '../errors.js';
import type { Db, Queryable } from './db.js';

export interface MigrateOptions {
  /** Directory of `<YYYYMMDDHHmmss>_<snake_name>.sql` files (default: the package's own). */
  directory?: string;
}

/** One migration file. */
export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 hex of the file (line endings normalized). */
  checksum: string;
}

/** Key of the transaction-scoped advisory lock every migrating process takes. */
export const migrationLockKey = 7_206_531_188_202_611;

const fileNamePattern = /^\d{14}_[a-z0-9_]+\.sql$/;

/**
 * The runner's bookkeeping table, created locked down: RLS on with no policy, and no grant to
 * public or Supabase's API roles (which default privileges would otherwise hand it to), so nobody
 * but its owner can record a fake migration. Installs that predate this get the same from the
 * `harden_roles` migration.
 */
const createMigrationsTable = `
  do $$
  declare
    grantee text;
  begin
    if to_regclass('public.switchboard_migrations') is not null then
      return;
    end if;
    create table public.switchboard_migrations (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    );
    comment on table public.switchboard_migrations is 'Migration files applied by Switchboard (name and sha256 of each).';
    alter table public.switchboard_migrations enable row level security;
    revoke all on public.switchboard_migrations from public;
    for grantee in select rolname from pg_catalog.pg_roles where rolname in ('anon', 'authenticated') loop
      execute format('revoke all on public.switchboard_migrations from %I', grantee);
    end loop;
  end;
  $$;
`;

/** `<package root>/supabase/migrations`: this file is `src/db/migrate.ts` or `dist/db/migrate.js`. */
export function migrationsDirectory(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'supabase', 'migrations');
}

/** The migration files of `directory`, in the order they apply. */
export async function readMigrations(directory: string = migrationsDirectory()): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    if (!fileNamePattern.test(name)) {
      throw new DatabaseError('migration_failed', `migration file ${name} is misnamed: expected <YYYYMMDDHHmmss>_<snake_name>.sql`);
    }
    const sql = (await readFile(path.join(directory, name), 'utf8')).replace(/\r\n/g, '\n');
    files.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

/**
 * Applies pending migrations in name order, each in its own transaction with its bookkeeping row,
 * under an advisory lock so concurrent migrators apply each file once. Refuses a database whose
 * applied files changed or that has migrations this code does not know.
 */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const files = await readMigrations(options.directory);
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(createMigrationsTable);
  });

  const known = new Map(files.map((file) => [file.name, file]));
  const recorded = await db.query<{ name: string; checksum: string }>('select name, checksum from public.switchboard_migrations order by name');
  for (const row of recorded.rows) {
    const file = known.get(row.name);
    if (file === undefined) {
      throw new DatabaseError('migration_failed', `database is newer than this version of Switchboard: unknown migration ${row.name}`);
    }
    checkUnchanged(file, row.checksum);
  }

  const done = new Set(recorded.rows.map((row) => row.name));
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file.name)) continue;
    const ran = await applyOne(db, file);
    if (ran) applied.push(file.name);
  }
  return { applied };
}

async function applyOne(db: Db, file: MigrationFile): Promise<boolean> {
  try {
    return await db.transaction(async (tx) => {
      await lock(tx);
      const existing = await tx.query<{ checksum: string }>('select checksum from public.switchboard_migrations where name = $1', [file.name]);
      const row = existing.rows[0];
      if (row !== undefined) {
        checkUnchanged(file, row.checksum);
        return false;
      }
      await tx.exec(file.sql);
      await tx.query('insert into public.switchboard_migrations (name, checksum) values ($1, $2)', [file.name, file.checksum]);
      return true;
    });
  } catch (error) {
    if (error instanceof DatabaseError && error.code === 'migration_failed') throw error;
    throw new DatabaseError('migration_failed', `migration ${file.name} failed: ${errorMessage(error)}`, {
      sqlState: error instanceof DatabaseError ? error.sqlState : undefined,
      isRetryable: false,
      cause: error,
    });
  }
}

function checkUnchanged(file: MigrationFile, recordedChecksum: string): void {
  if (recordedChecksum !== file.checksum) {
    throw new DatabaseError(
      'migration_failed',
      `migration ${file.name} was changed after it was applied (checksum differs); applied migrations must never be edited: add a new one`,
    );
  }
}

async function lock(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1)', [migrationLockKey]);
}
