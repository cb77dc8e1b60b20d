import { generateApiKey } from '../../crypto/api-key.js';
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKeyListing } from '../../db/sql/api-keys.js';
import { SwitchboardError } from '../../errors.js';
import { line, print, printJson, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { parseOptions, requireOption } from '../parse-options.js';
import { directOrServer } from './server-admin.js';
import { withDb } from './with-db.js';

type Row = Record<string, unknown>;

/** An admin API key row in the shape the direct path prints. */
const keyOf = (row: Row): ApiKeyListing => ({
  id: String(row['id']),
  projectName: String(row['project']),
  name: (row['name'] ?? null) as string | null,
  prefix: String(row['prefix']),
  createdAt: row['created_at'] as Date,
  revokedAt: (row['revoked_at'] ?? null) as Date | null,
  expiresAt: (row['expires_at'] ?? null) as Date | null,
});

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list and revoke gateway API keys',
  usage: [
    'Usage:',
    '  switchboard keys create --project <name> [--name <label>] [--json]   prints the key once',
    '  switchboard keys list [--project <name>] [--json]                    never shows secrets',
    '  switchboard keys revoke <id>',
  ].join('\n'),
  async run(args, context) {
    const [action, ...rest] = args;
    if (action === 'create') {
      const { values } = parseOptions(rest, { project: { type: 'string' }, name: { type: 'string' } });
      const projectName = requireOption(values.project, '--project');
      const created = await directOrServer(
        context,
        async () => {
          const generated = generateApiKey();
          const row = await withDb(context, (db) =>
            insertApiKey(db, { projectName, name: values.name ?? null, prefix: generated.prefix, keyHash: generated.hash }),
          );
          return row && { id: row.id, key: generated.key };
        },
        async (server) => {
          const row = await server.call('POST', 'api-keys', { project: projectName, ...(values.name === undefined ? {} : { name: values.name }) });
          return { id: String(row['id']), key: String(row['key']) };
        },
      );
      if (!created) throw new SwitchboardError('not_found', `no project named '${projectName}' (create it with: switchboard projects create ${projectName})`);
      if (context.json) printJson(context, { id: created.id, key: created.key, project: projectName });
      else print(context, line`Created API key ${created.id} for project '${projectName}'. It is shown only once:\n\n  ${created.key}\n`);
      return 0;
    }
    if (action === 'list') {
      const { values } = parseOptions(rest, { project: { type: 'string' } });
      const keys = await directOrServer(
        context,
        () => withDb(context, (db) => listApiKeys(db, values.project)),
        async (server) => (await server.call<Row[]>('GET', `api-keys${values.project === undefined ? '' : `?project=${encodeURIComponent(values.project)}`}`)).map(keyOf),
      );
      if (context.json) printJson(context, keys);
      else print(context, formatTable(keys, ['id', 'projectName', 'name', 'prefix', 'createdAt', 'revokedAt']));
      return 0;
    }
    if (action === 'revoke') {
      const { positionals } = parseOptions(rest, {}, true);
      const id = positionals[0];
      if (!id || !uuidPattern.test(id)) throw new SwitchboardError('invalid_request', 'keys revoke needs a key id (see switchboard keys list)');
      const revoked = await directOrServer(
        context,
        () => withDb(context, (db) => revokeApiKey(db, id)),
        (server) => server.call('DELETE', `api-keys/${id}`).then(() => true),
      );
      if (!revoked) throw new SwitchboardError('not_found', `no active API key with id ${id}`);
      if (context.json) printJson(context, { id, revoked: true });
      else print(context, line`Revoked API key ${id}.`);
      return 0;
    }
    throw new SwitchboardError('invalid_request', `keys needs 'create', 'list' or 'revoke' (got '${action ?? ''}')`);
  },
};
