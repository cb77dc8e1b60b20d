import { migrate } from '../../db/migrate.js';
import { openDb } from '../../db/open-db.js';
import { print, printJson, type Command } from '../cli-context.js';
import { parseOptions } from '../parse-options.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending database migrations',
  usage: 'Usage: switchboard migrate [--json]\n\nApplies supabase/migrations/*.sql that are not yet applied, in order, each in its own transaction.',
  async run(args, context) {
    parseOptions(args, {});
    const db = await openDb({ databaseUrl: context.config.databaseUrl, dataDir: context.config.dataDir });
    try {
      const { applied } = await migrate(db);
      if (context.json) printJson(context, { applied });
      else print(context, applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
