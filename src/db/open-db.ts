import path from 'node:path';
import type { Db } from './db.js';
import { openEmbeddedDb } from './pglite-adapter.js';
import { openPostgresDb } from './postgres-adapter.js';

export interface OpenDbOptions {
  /** A Postgres URL; when set, the embedded database is not used. */
  databaseUrl?: string;
  /** The embedded database's directory (default `./.switchboard/db`, resolved from the cwd). */
  dataDir?: string;
}

export const defaultDataDir = path.join('.switchboard', 'db');

/** Opens Postgres when `databaseUrl` is set, else the embedded database at `dataDir`. */
export async function openDb(options: OpenDbOptions = {}): Promise<Db> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') return openPostgresDb({ url: options.databaseUrl });
  return openEmbeddedDb({ dataDir: path.resolve(options.dataDir ?? defaultDataDir) });
}
