import { text } from 'node:stream/consumers';
import { CredentialStore } from '../../credentials/credential-store.js';
import { loadProviderClasses } from '../../registry/load-provider-classes.js';
import { listCredentials, selectCredentialTarget, type CredentialListing } from '../../db/sql/credentials.js';
import type { Db } from '../../db/db.js';
import { SwitchboardError } from '../../errors.js';
import { line, print, printJson, warn, type CliContext, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { parseOptions, requireOption } from '../parse-options.js';
import { keyringFor } from './keyring-for.js';
import { directOrServer, type ServerAdmin } from './server-admin.js';
import { withDb } from './with-db.js';

export const credentialsCommand: Command = {
  name: 'credentials',
  summary: 'store, list and delete per-project provider credentials (encrypted)',
  usage: [
    'Usage:',
    '  switchboard credentials set --project <p> --provider <name> (--api-key-stdin | --json-stdin | --api-key <k>)',
    '  switchboard credentials list [--project <p>] [--json]      shows the last four characters only',
    '  switchboard credentials delete --project <p> --provider <name>',
    '',
    '--api-key-stdin (or --api-key -) reads the key from stdin, e.g.: printf %s "$OPENAI_API_KEY" | switchboard credentials set ... --api-key-stdin',
    '--json-stdin reads {"api_key": "...", "organization"?, "base_url"?, "headers"?} from stdin.',
    '--api-key <k> works but leaks the key into shell history and the process list (a warning says so).',
  ].join('\n'),
  async run(args, context) {
    const [action, ...rest] = args;
    if (action === 'set') return setCredential(rest, context);
    if (action === 'list') {
      const { values } = parseOptions(rest, { project: { type: 'string' } });
      const rows = await directOrServer(
        context,
        () => withDb(context, (db) => listCredentials(db, values.project)),
        (server) => listThroughServer(server, values.project),
      );
      if (context.json) printJson(context, rows);
      else print(context, formatTable(rows, ['projectName', 'providerName', 'keyHint', 'updatedAt']));
      return 0;
    }
    if (action === 'delete') {
      const { values } = parseOptions(rest, { project: { type: 'string' }, provider: { type: 'string' } });
      const project = requireOption(values.project, '--project');
      const provider = requireOption(values.provider, '--provider');
      const deleted = await directOrServer(
        context,
        () => withDb(context, async (db) => {
          const target = await resolveTarget(db, project, provider);
          return new CredentialStore(db, undefined, {}).delete(target.projectId, target.providerId);
        }),
        (server) => server.call('DELETE', credentialPath(project, provider)).then(() => true),
      );
      if (!deleted) throw new SwitchboardError('not_found', `no stored credential for project '${values.project}' and provider '${values.provider}'`);
      if (context.json) printJson(context, { deleted: true });
      else print(context, line`Deleted the credential of project '${values.project}' for provider '${values.provider}'.`);
      return 0;
    }
    throw new SwitchboardError('invalid_request', `credentials needs 'set', 'list' or 'delete' (got '${action ?? ''}')`);
  },
};

async function setCredential(args: string[], context: CliContext): Promise<number> {
  const { values } = parseOptions(args, {
    project: { type: 'string' },
    provider: { type: 'string' },
    'api-key': { type: 'string' },
    'api-key-stdin': { type: 'boolean' },
    'json-stdin': { type: 'boolean' },
  });
  const project = requireOption(values.project, '--project');
  const provider = requireOption(values.provider, '--provider');
  const sources = [values['api-key'] !== undefined, values['api-key-stdin'] === true, values['json-stdin'] === true].filter(Boolean).length;
  if (sources !== 1) throw new SwitchboardError('invalid_request', 'give exactly one of --api-key-stdin, --api-key <key> or --json-stdin');
  // `--api-key -` reads stdin like --api-key-stdin; any other value is the key itself.
  const keyInArgv = values['api-key'] !== undefined && values['api-key'] !== '-' ? values['api-key'] : undefined;
  let payload: unknown;
  if (values['json-stdin']) {
    try {
      payload = JSON.parse(await text(context.stdin));
    } catch {
      throw new SwitchboardError('invalid_request', '--json-stdin: stdin is not a JSON object');
    }
  } else {
    payload = { api_key: keyInArgv ?? (await text(context.stdin)).trim() };
  }
  const keyHint = await directOrServer(
    context,
    // The database first: while a server holds it, no master key is read or generated here.
    () => withDb(context, async (db) => {
      const target = await resolveTarget(db, project, provider);
      const keyring = keyringFor(context);
      // The credential is bound to the provider's origin now: a row without api_base_url takes its class's default.
      const classes = await loadProviderClasses(context.config.providersDir, (message) => warn(context, message));
      const classBaseUrl = (className: string): string | undefined => classes.get(className)?.defaults.baseUrl;
      return (await new CredentialStore(db, keyring, {}, { classBaseUrl }).set(target.projectId, target.providerId, payload)).keyHint;
    }),
    // The server encrypts under its own master key and binds the key to the provider's origin itself.
    async (server) => String((await server.call('PUT', credentialPath(project, provider), payload as Record<string, unknown>))['key_hint']),
  );
  if (context.json) printJson(context, { project, provider, keyHint });
  else print(context, line`Stored the credential of project '${project}' for provider '${provider}' (key ${keyHint}).`);
  // After the store, so a failure stays one line; the key is in the shell history either way.
  if (keyInArgv !== undefined) context.stderr.write(`${apiKeyArgumentWarning}\n`);
  return 0;
}

/** Printed on stderr when a key is given as `--api-key <key>`. */
export const apiKeyArgumentWarning =
  'switchboard: warning: --api-key put the key in your shell history and in the process list (ps) that every local user can read; ' +
  'next time use --api-key-stdin: printf %s "$KEY" | switchboard credentials set --project <p> --provider <name> --api-key-stdin';

const credentialPath = (project: string, provider: string): string =>
  `projects/${encodeURIComponent(project)}/credentials/${encodeURIComponent(provider)}`;

/** `credentials list` through a running server's admin API: per project, as the direct path orders them. */
async function listThroughServer(server: ServerAdmin, project: string | undefined): Promise<CredentialListing[]> {
  const projects = project === undefined ? (await server.call<{ name: string }[]>('GET', 'projects')).map((row) => row.name).sort() : [project];
  const rows: CredentialListing[] = [];
  for (const name of projects) {
    const listed = await server.call<Record<string, unknown>[]>('GET', `projects/${encodeURIComponent(name)}/credentials`);
    listed.sort((a, b) => (String(a['provider']) < String(b['provider']) ? -1 : 1));
    for (const row of listed) {
      rows.push({
        projectName: String(row['project']),
        providerName: String(row['provider']),
        keyHint: (row['key_hint'] ?? null) as string | null,
        fingerprint: (row['fingerprint'] ?? null) as CredentialListing['fingerprint'],
        updatedAt: row['updated_at'] as Date,
      });
    }
  }
  return rows;
}

async function resolveTarget(db: Db, project: string, provider: string): Promise<{ projectId: string; providerId: string }> {
  const target = await selectCredentialTarget(db, project, provider);
  if (!target.projectId) throw new SwitchboardError('not_found', `no project named '${project}'`);
  if (!target.providerId) throw new SwitchboardError('not_found', `no provider named '${provider}' (see switchboard providers list)`);
  return { projectId: target.projectId, providerId: target.providerId };
}
