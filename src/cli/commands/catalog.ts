import { defaultProviderDeps } from '../../providers/shared/provider-deps.js';
import { loadProviderClasses } from '../../registry/load-provider-classes.js';
import { loadRegistry } from '../../registry/provider-loader.js';
import type { ProviderRegistry } from '../../registry/provider-registry.js';
import { SwitchboardError } from '../../errors.js';
import { print, printJson, warn, type CliContext, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { parseOptions } from '../parse-options.js';
import { modelWriteUsage, providerWriteUsage, runModelWrite, runProviderWrite } from './catalog-writes.js';
import { directOrServer } from './server-admin.js';
import { withDb } from './with-db.js';

type Row = Record<string, unknown>;

/** A row's status as the server's registry gave it (a row it has not loaded yet: by its own flag). */
const statusOf = (row: Row): string => (typeof row['status'] === 'string' ? row['status'] : row['is_active'] === false ? 'inactive' : 'unknown');

/** Builds the registry the way a server would, to show each row's status and reason. */
async function loadCatalog(context: CliContext): Promise<ProviderRegistry> {
  const warnings: string[] = [];
  const classes = await loadProviderClasses(context.config.providersDir, (message) => warnings.push(message));
  for (const warning of warnings) warn(context, warning);
  const deps = defaultProviderDeps();
  try {
    return await withDb(context, (db) => loadRegistry(db, 0, { classes, deps }));
  } finally {
    await deps.dispatcher.close();
  }
}

export const providersCommand: Command = {
  name: 'providers',
  summary: 'list, add, update, enable, disable and remove providers',
  usage: [
    'Usage:',
    '  switchboard providers list [--json]     status: available, inactive, or unavailable with the reason',
    ...providerWriteUsage,
  ].join('\n'),
  async run(args, context) {
    const [action, ...rest] = args;
    const written = await runProviderWrite(action ?? '', rest, context);
    if (written !== undefined) return written;
    if (action !== 'list') throw new SwitchboardError('invalid_request', `providers needs list|add|update|enable|disable|remove (got '${action ?? ''}')`);
    parseOptions(rest, {});
    const rows = await directOrServer(
      context,
      async () => [...(await loadCatalog(context)).providers.values()].map((entry) => ({
        name: entry.name,
        class: entry.className,
        baseUrl: entry.baseUrl ?? null,
        envVars: entry.requiredEnvVars.join(','),
        builtin: entry.isBuiltin,
        status: entry.status,
        reason: entry.reason ?? null,
      })),
      // The running server's registry: the same statuses and reasons, as it serves them now.
      async (server) => (await server.call<Row[]>('GET', 'providers')).map((row) => ({
        name: String(row['name']),
        class: String(row['provider_class']),
        baseUrl: (row['api_base_url'] ?? null) as string | null,
        envVars: Array.isArray(row['required_env_vars']) ? row['required_env_vars'].join(',') : '',
        builtin: row['is_builtin'] === true,
        status: statusOf(row),
        reason: (row['unavailable_reason'] ?? null) as string | null,
      })),
    );
    if (context.json) printJson(context, rows);
    else print(context, formatTable(rows));
    return 0;
  },
};

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list, add, update, enable, disable and remove models',
  usage: ['Usage:', '  switchboard models list [--json]', ...modelWriteUsage].join('\n'),
  async run(args, context) {
    const [action, ...rest] = args;
    const written = await runModelWrite(action ?? '', rest, context);
    if (written !== undefined) return written;
    if (action !== 'list') throw new SwitchboardError('invalid_request', `models needs list|add|update|enable|disable|remove (got '${action ?? ''}')`);
    parseOptions(rest, {});
    const rows = await directOrServer(
      context,
      async () => [...(await loadCatalog(context)).models.values()].map((entry) => ({
        name: entry.name,
        provider: entry.providerName,
        modelId: entry.modelId,
        contextWindow: entry.contextWindow ?? null,
        maxTokens: entry.maxTokens ?? null,
        pricing: entry.pricing as unknown,
        status: entry.status as string,
        reason: entry.reason ?? null,
      })),
      async (server) => (await server.call<Row[]>('GET', 'models')).map((row) => ({
        name: String(row['name']),
        provider: String(row['provider']),
        modelId: String(row['model_id']),
        contextWindow: (row['context_window'] ?? null) as number | null,
        maxTokens: (row['max_tokens'] ?? null) as number | null,
        pricing: row['pricing'],
        status: statusOf(row),
        reason: (row['unavailable_reason'] ?? null) as string | null,
      })),
    );
    if (context.json) printJson(context, rows);
    else print(context, formatTable(rows, ['name', 'provider', 'modelId', 'contextWindow', 'maxTokens', 'status', 'reason']));
    return 0;
  },
};
