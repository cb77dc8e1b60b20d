import { actorDb } from '../../db/actor-db.js';
import type { Db } from '../../db/db.js';
import { migrate } from '../../db/migrate.js';
import { openDb } from '../../db/open-db.js';
import { DatabaseError } from '../../errors.js';
import type { CliContext } from '../cli-context.js';
import { readEndpoint } from './endpoint-file.js';
import { isHeldByServer } from './server-admin.js';

/**
 * Opens the configured database, runs `work`, and always closes it. An embedded database is
 * migrated first (so a fresh data dir works for any command); a Postgres database is left as it
 * is unless `migrate: true` (schema changes there are `switchboard migrate`'s or `serve`'s job).
 */
export async function withDb<T>(context: CliContext, work: (db: Db) => Promise<T>, options: { migrate?: boolean; actor?: boolean } = {}): Promise<T> {
  const db = await openDb({ databaseUrl: context.config.databaseUrl, dataDir: context.config.dataDir }).catch((error: unknown) => {
    throw withServerHint(error, context);
  });
  try {
    if (options.migrate ?? db.kind === 'embedded') await migrate(db);
    // Config rows the command writes are recorded in the history as written by the CLI.
    // (`switchboard sql` opts out: a raw statement is plain SQL, and may not run in a transaction.)
    return await work(options.actor === false ? db : actorDb(db, 'cli'));
  } finally {
    await db.close();
  }
}

/**
 * A data dir held by a running `serve` that publishes its admin endpoint: the commands that can go
 * through its admin API (server-admin.ts); the others say where the same can be done while it runs.
 */
function withServerHint(error: unknown, context: CliContext): unknown {
  const url = isHeldByServer(error) ? readEndpoint(context.config.dataDir)?.url : undefined;
  if (url === undefined) return error;
  return new DatabaseError(
    'database_locked',
    `${(error as Error).message}. The server holding it answers at ${url}: while it runs, use its dashboard (${url}/admin/) ` +
      'or admin API for this; the providers, models, projects, keys, credentials, routes, budgets, limits, access and usage commands go through that API themselves',
    { cause: error },
  );
}
