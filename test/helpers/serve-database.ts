/**
 * A migrated database for `serve` processes in tracing tests, on whichever database the suite runs:
 * a Postgres database (DATABASE_URL set) the test keeps open beside the processes, or an embedded
 * data dir the test seeds, closes and hands over (one process at a time holds it).
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Queryable } from '../../src/db/db.js';
import { createEmbeddedTestDbAt, createTestDb, postgresUrl } from './test-db.js';

export interface ServeDatabase {
  /** What startServeProcess needs to open it. */
  target: { databaseUrl: string } | { dataDir: string };
  dispose(): Promise<void>;
}

/** A fresh migrated database, seeded by `seed` before any process opens it. */
export async function createServeDatabase(seed: (db: Queryable) => Promise<void>): Promise<ServeDatabase> {
  if (postgresUrl() !== undefined) {
    const db = await createTestDb();
    await seed(db);
    const url = db.url;
    if (url === undefined) throw new Error('a Postgres test database has a url');
    return { target: { databaseUrl: url }, dispose: () => db.dispose() };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sb-serve-'));
  const db = await createEmbeddedTestDbAt(dataDir);
  try {
    await seed(db);
  } finally {
    await db.close();
  }
  return { target: { dataDir }, dispose: () => rm(dataDir, { recursive: true, force: true }) };
}
