import { actorDb } from '../../db/actor-db.js';
import type { Db } from '../../db/db.js';
import { migrate } from '../../db/migrate.js';
import { openDb } from '../../db/open-db.js';
import type { CliContext } from '../cli-context.js';

/**
 * Opens the configured database, runs `work`, and always closes it. An embedded database is
 * migrated first (so a fresh data dir works for any command); a Postgres database is left as it
 * is unless `migrate: true` (schema changes there are `switchboard migrate`'s or `serve`'s job).
 */
export async function withDb<T>(context: CliContext, work: (db: Db) => Promise<T>, options: { migrate?: boolean; actor?: boolean } = {}): Promise<T> {
  const db = await openDb({ databaseUrl: context.config.databaseUrl, dataDir: context.config.dataDir });
  try {
    if (options.migrate ?? db.kind === 'embedded') await migrate(db);
    // Config rows the command writes are recorded in the history as written by the CLI.
    // (`switchboard sql` opts out: a raw statement is plain SQL, and may not run in a transaction.)
    return await work(options.actor === false ? db : actorDb(db, 'cli'));
  } finally {
    await db.close();
  }
}
