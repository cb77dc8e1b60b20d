import { bindLegacyCredentials, describeBinding } from '../../credentials/bind-legacy-credentials.js';
import type { Db } from '../../db/db.js';
import { migrate } from '../../db/migrate.js';
import { openDb } from '../../db/open-db.js';
import { loadProviderClasses } from '../../registry/load-provider-classes.js';
import { print, printJson, warn, type CliContext, type Command } from '../cli-context.js';
import { parseOptions } from '../parse-options.js';
import { keyringFor } from './keyring-for.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending database migrations',
  usage: [
    'Usage: switchboard migrate [--json]',
    '',
    'Applies supabase/migrations/*.sql that are not yet applied, in order, each in its own transaction.',
    'With DATABASE_URL and SWITCHBOARD_MASTER_KEY set, it then binds stored credentials sealed before origin',
    "binding to their provider's current URL (run it as a role that row-level security does not filter).",
  ].join('\n'),
  async run(args, context) {
    parseOptions(args, {});
    const db = await openDb({ databaseUrl: context.config.databaseUrl, dataDir: context.config.dataDir });
    try {
      const { applied } = await migrate(db);
      const binding = await bindLegacy(db, context);
      if (context.json) printJson(context, { applied, ...(binding === undefined ? {} : { credentialBinding: binding }) });
      else {
        print(context, applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}`);
        if (binding !== undefined) print(context, binding);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};

/**
 * Against Postgres with a master key: binds legacy credential envelopes (the embedded database is
 * bound by the gateway at start). Returns the line to print, if any.
 */
async function bindLegacy(db: Db, context: CliContext): Promise<string | undefined> {
  if (!context.config.databaseUrl) return undefined;
  const keyring = keyringFor(context);
  if (!keyring) return undefined;
  const classes = await loadProviderClasses(context.config.providersDir, (message) => warn(context, message));
  const result = await bindLegacyCredentials(db, keyring, (className) => classes.get(className)?.defaults.baseUrl);
  if (result.filtered) return 'Stored credentials were not checked for origin binding: row-level security filters them for this role.';
  return describeBinding(result);
}
