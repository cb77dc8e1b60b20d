import { defaultProviderDeps } from '../../providers/shared/provider-deps.js';
import { loadProviderClasses } from '../../registry/load-provider-classes.js';
import { loadRegistry } from '../../registry/provider-loader.js';
import type { ProviderRegistry } from '../../registry/provider-registry.js';
import { SwitchboardError } from '../../errors.js';
import { print, printJson, type CliContext, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { parseOptions } from '../parse-options.js';
import { modelWriteUsage, providerWriteUsage, runModelWrite, runProviderWrite } from './catalog-writes.js';
import { withDb } from './with-db.js';

/** Builds the registry the way a server would, to show each row's status and reason. */
async function loadCatalog(context: CliContext): Promise<ProviderRegistry> {
  const warnings: string[] = [];
  const classes = await loadProviderClasses(context.config.providersDir, (message) => warnings.push(message));
  for (const warning of warnings) context.stderr.write(`warning: ${warning}\n`);
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
    const registry = await loadCatalog(context);
    const rows = [...registry.providers.values()].map((entry) => ({
      name: entry.name,
      class: entry.className,
      baseUrl: entry.baseUrl ?? null,
      envVars: entry.requiredEnvVars.join(','),
      builtin: entry.isBuiltin,
      status: entry.status,
      reason: entry.reason ?? null,
    }));
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
    const registry = await loadCatalog(context);
    const rows = [...registry.models.values()].map((entry) => ({
      name: entry.name,
      provider: entry.providerName,
      modelId: entry.modelId,
      contextWindow: entry.contextWindow ?? null,
      maxTokens: entry.maxTokens ?? null,
      pricing: entry.pricing,
      status: entry.status,
      reason: entry.reason ?? null,
    }));
    if (context.json) printJson(context, rows);
    else print(context, formatTable(rows, ['name', 'provider', 'modelId', 'contextWindow', 'maxTokens', 'status', 'reason']));
    return 0;
  },
};
