import path from 'node:path';
import type { Db } from './db.js';

export interface OpenDbOptions {
  /** A Postgres URL; when set, the embedded database is not used. */
  databaseUrl?: string;
  /** The embedded database's directory (default `./.switchboard/db`, resolved from the cwd). */
  dataDir?: string;
}

export const defaultDataDir = path.join('.switchboard', 'db');

/**
 * Opens Postgres when `databaseUrl` is set, else the embedded database at `dataDir`. Each driver
 * is imported here, when it is used: a process on Postgres never loads PGlite's code, and one that
 * opens no database (the bench gateway) loads neither driver.
 */
export async function openDb(options: OpenDbOptions = {}): Promise<Db> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    const { openPostgresDb } = await import('./postgres-adapter.js');
    return openPostgresDb({ url: options.databaseUrl });
  }
  const { openEmbeddedDb } = await import('./pglite-adapter.js');
  return openEmbeddedDb({ dataDir: path.resolve(options.dataDir ?? defaultDataDir) });
}
