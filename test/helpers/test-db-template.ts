/**
 * Migrated template databases on a shared Postgres, one per migration set (`<prefix><hash>`):
 * built once under an advisory lock, cloned per test database.
 *
 * @module
 */
import pg from 'pg';
import type { Db } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';

/** How `prepareTemplate` names, builds and prunes templates (all but `hash` for tests). */
export interface TemplateOptions {
  /** The migration set's hash: the template is `<prefix><hash>`. */
  hash: string;
  /** Default `sb_tpl_`. */
  prefix?: string;
  /** Fills a new template (default: run the migrations). */
  build?: (db: Db) => Promise<unknown>;
}

const LOCK_KEY = '7206531188202612';
/** Templates kept at most (this checkout's included): a few branches or parallel sessions. */
const KEEP = 4;
/** Another migration set's template unused for this long is dropped. */
const MAX_IDLE_MS = 24 * 3_600_000;
const STAMP = 'switchboard test template, last used ';

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `work` on a short-lived admin connection to `url` (create/drop database and the like). */
export async function withAdmin<T>(url: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Creates (once per hash, under an advisory lock) a template database; returns its name. */
export async function prepareTemplate(url: string, options: TemplateOptions): Promise<string> {
  const prefix = options.prefix ?? 'sb_tpl_';
  const template = `${prefix}${options.hash}`;
  await withAdmin(url, async (admin) => {
    await admin.query(`select pg_advisory_lock(${LOCK_KEY})`);
    try {
      const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
      if (exists.rowCount === 0) await build(url, admin, template, options.build ?? migrate);
      await pruneTemplates(admin, prefix, template);
    } finally {
      await admin.query(`select pg_advisory_unlock(${LOCK_KEY})`);
    }
  });
  return template;
}

async function build(url: string, admin: pg.Client, template: string, fill: (db: Db) => Promise<unknown>): Promise<void> {
  const building = `${template}_build`;
  await admin.query(`drop database if exists ${building} with (force)`);
  await admin.query(`create database ${building}`);
  const db = await openPostgresDb({ url: withDatabase(url, building), max: 1 });
  try {
    await fill(db);
  } finally {
    await db.close();
  }
  await admin.query(`alter database ${building} rename to ${template}`);
}

/**
 * Stamps `current` as used now, then drops the other templates with `prefix` that are idle for
 * over a day or not among the KEEP most recently used: another checkout's template stays while
 * it is in use (each of its test processes stamps it), and the disk stays bounded. A template
 * dropped under a running process anyway is rebuilt by it (createTestDb retries on 3D000).
 */
async function pruneTemplates(admin: pg.Client, prefix: string, current: string): Promise<void> {
  const stamp = (name: string) => admin.query(`comment on database ${name} is '${STAMP}${new Date().toISOString()}'`);
  await stamp(current);
  const others = await admin.query<{ datname: string; stamp: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as stamp from pg_database
      where starts_with(datname, $1) and datname <> $2 and datname not like '%\\_build'`,
    [prefix, current],
  );
  const now = Date.now();
  const byUse: { name: string; usedAt: number }[] = [];
  for (const row of others.rows) {
    let usedAt = lastUsedAt(row.stamp);
    if (usedAt === 0) {
      // Unstamped (built by older code, maybe in use right now): its idle time starts now.
      await stamp(row.datname).catch(() => undefined);
      usedAt = now;
    }
    byUse.push({ name: row.datname, usedAt });
  }
  byUse.sort((x, y) => y.usedAt - x.usedAt);
  for (const [index, other] of byUse.entries()) {
    if (index < KEEP - 1 && now - other.usedAt <= MAX_IDLE_MS) continue;
    // Fails (and is skipped) while someone is connected to it.
    await admin.query(`drop database if exists ${other.name}`).catch(() => undefined);
  }
}

/** When a template was last prepared, from its comment (0 when unstamped). */
function lastUsedAt(stamp: string | null): number {
  if (stamp === null || !stamp.startsWith(STAMP)) return 0;
  const at = Date.parse(stamp.slice(STAMP.length));
  return Number.isNaN(at) ? 0 : at;
}

/** Creates database `name` from `template` (3D000 if the template does not exist). */
export async function cloneTemplate(url: string, template: string, name: string): Promise<void> {
  await withAdmin(url, async (admin) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        return;
      } catch (error) {
        // 55006: another session is still connected to the template; it goes away quickly.
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
}
