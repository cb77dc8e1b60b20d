import { SwitchboardError } from '../../errors.js';
import { print, printJson, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { parseOptions } from '../parse-options.js';
import { withDb } from './with-db.js';

export const sqlCommand: Command = {
  name: 'sql',
  summary: 'run one SQL statement and print its rows',
  usage: 'Usage: switchboard sql "<statement>" [--json]\n\nRuns the statement on the configured database (migrated first) and prints the rows as a table.',
  async run(args, context) {
    const { positionals } = parseOptions(args, {}, true);
    const statement = positionals.join(' ').trim();
    if (statement === '') throw new SwitchboardError('invalid_request', 'sql needs a statement, e.g. switchboard sql "select name from ai_providers"');
    const result = await withDb(context, (db) => db.query(statement), { actor: false });
    if (context.json) printJson(context, result.rows);
    else if (result.rows.length > 0 || /^\s*(select|with|values|table|show)\b/i.test(statement)) print(context, formatTable(result.rows));
    else print(context, `OK (${result.rowCount} row${result.rowCount === 1 ? '' : 's'} affected)`);
    return 0;
  },
};
