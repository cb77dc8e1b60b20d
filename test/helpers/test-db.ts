/**
 * Fresh migrated databases for tests, fast: migrate once per process, then clone per call.
 * With DATABASE_URL set, each call creates a Postgres database from a template named after the
 * checksum of the migration files; otherwise each call loads a new in-memory PGlite from a dump.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../src/db/db.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { openEmbeddedDb, type EmbeddedDb } from '../../src/db/pglite-adapter.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { cloneTemplate, prepareTemplate, withAdmin, withDatabase } from './test-db-template.js';

export { withAdmin, withDatabase } from './test-db-template.js';

/** A fresh database: drop it with `dispose()`. `url` is set on Postgres. */
export type TestDb = Db & { url?: string; dispose(): Promise<void> };

/** The Postgres server tests may use (from DATABASE_URL), or undefined. */
export function postgresUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  return url === undefined || url === '' ? undefined : url;
}

/**
 * For tests that need a real Postgres: `test('…', { skip: skipWithoutPostgres() }, …)` skips
 * with a message saying DATABASE_URL is unset.
 */
export function skipWithoutPostgres(): string | false {
  return postgresUrl() === undefined ? 'needs a real Postgres: DATABASE_URL is unset' : false;
}

let embeddedDump: Promise<Blob> | undefined;
let postgresTemplate: Promise<string> | undefined;

/** A fresh migrated database (Postgres when DATABASE_URL is set, else embedded). */
export async function createTestDb(): Promise<TestDb> {
  const url = postgresUrl();
  return url === undefined ? createEmbeddedTestDb() : createPostgresTestDb(url);
}

/** A fresh migrated in-memory PGlite, whatever DATABASE_URL says (for adapter parity tests). */
export async function createEmbeddedTestDb(): Promise<TestDb> {
  embeddedDump ??= loadOrBuildEmbeddedDump();
  const db = await openEmbeddedDb({ loadDataDir: await embeddedDump });
  return Object.assign(db, { dispose: () => db.close() });
}

/** A fresh migrated embedded database stored in `dataDir` (e.g. for a `serve` process to open once this one is closed). */
export async function createEmbeddedTestDbAt(dataDir: string): Promise<EmbeddedDb> {
  embeddedDump ??= loadOrBuildEmbeddedDump();
  return openEmbeddedDb({ dataDir, loadDataDir: await embeddedDump });
}

/**
 * The migrated PGlite dump, cached on disk (node_modules/.cache) per migration set and PGlite
 * version, so each test process skips initdb and migrations.
 */
async function loadOrBuildEmbeddedDump(): Promise<Blob> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const pglite = JSON.parse(await readFile(path.join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
  const cacheFile = path.join(root, 'node_modules', '.cache', 'switchboard', `pglite-${pglite.version}-${await migrationSetHash()}.tar`);
  try {
    return new Blob([await readFile(cacheFile)]);
  } catch {
    // Not cached yet: build it below.
  }
  const db = await openEmbeddedDb();
  let dump: Blob;
  try {
    await migrate(db);
    dump = await db.dumpDataDir();
  } finally {
    await db.close();
  }
  const cacheDir = path.dirname(cacheFile);
  await mkdir(cacheDir, { recursive: true });
  const partial = `${cacheFile}.${process.pid}.tmp`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, cacheFile);
  // Dumps of older migration sets are 40 MB each: keep only the current one.
  for (const name of await readdir(cacheDir)) {
    if (name.startsWith('pglite-') && name.endsWith('.tar') && path.join(cacheDir, name) !== cacheFile) {
      await rm(path.join(cacheDir, name), { force: true });
    }
  }
  return dump;
}

/** A short hash of every migration file's name and checksum. */
async function migrationSetHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await readMigrations()) hash.update(`${file.name}\n${file.checksum}\n`);
  return hash.digest('hex').slice(0, 16);
}

async function createPostgresTestDb(url: string): Promise<TestDb> {
  postgresTemplate ??= migrationSetHash().then((hash) => prepareTemplate(url, { hash }));
  const name = `sb_t_${randomBytes(6).toString('hex')}`;
  try {
    await cloneTemplate(url, await postgresTemplate, name);
  } catch (error) {
    // 3D000: the template is gone (dropped by a checkout with other migrations); build it again.
    if ((error as { code?: string }).code !== '3D000') throw error;
    postgresTemplate = migrationSetHash().then((hash) => prepareTemplate(url, { hash }));
    await cloneTemplate(url, await postgresTemplate, name);
  }
  const dbUrl = withDatabase(url, name);
  const db = await openPostgresDb({ url: dbUrl, max: 4 });
  let disposed = false;
  return Object.assign(db, {
    url: dbUrl,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await db.close();
      await withAdmin(url, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  });
}
