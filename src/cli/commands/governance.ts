/**
 * `switchboard budgets`, `switchboard limits` and `switchboard access`: budgets, rate limits and
 * model allow-lists, written straight to the database (running gateways pick them up from the
 * change feed within milliseconds), or through the admin API of the server holding an embedded one.
 *
 * @module
 */
import { SwitchboardError } from '../../errors.js';
import { GovernanceAdmin } from '../../service/admin/governance-admin.js';
import { line, print, printJson, type CliContext, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { integerOption, numberOption, parseOptions, requireOption } from '../parse-options.js';
import { directOrServer, type ServerAdmin } from './server-admin.js';
import { withDb } from './with-db.js';

/** What these commands call: the database's GovernanceAdmin, or the same methods of a running server's admin API. */
type GovernanceApi = Pick<GovernanceAdmin, 'listBudgets' | 'setBudget' | 'removeBudget' | 'listRateLimits' | 'setRateLimit' | 'removeRateLimit' | 'listAccess' | 'setAccess'>;

const withAdmin = <T>(context: CliContext, work: (admin: GovernanceApi) => Promise<T>): Promise<T> =>
  directOrServer(context, () => withDb(context, (db) => work(new GovernanceAdmin(db))), (server) => work(throughServer(server)));

/** The admin API routes that call the same GovernanceAdmin methods in the server (admin-router.ts). */
function throughServer(server: ServerAdmin): GovernanceApi {
  const name = encodeURIComponent;
  const call = server.call as <R>(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: Record<string, unknown>) => Promise<R>;
  return {
    listBudgets: () => call('GET', 'budgets'),
    setBudget: (budget, body) => call('PUT', `budgets/${name(budget)}`, body as Record<string, unknown>),
    removeBudget: (budget) => call('DELETE', `budgets/${name(budget)}`),
    listRateLimits: () => call('GET', 'rate-limits'),
    setRateLimit: (limit, body) => call('PUT', `rate-limits/${name(limit)}`, body as Record<string, unknown>),
    removeRateLimit: (limit) => call('DELETE', `rate-limits/${name(limit)}`),
    listAccess: () => call('GET', 'model-access'),
    setAccess: (body) => call('PUT', 'model-access', body as Record<string, unknown>),
  };
}

function positionalName(args: string[], command: string): { name: string; rest: string[] } {
  const [name, ...rest] = args;
  if (name === undefined || name.startsWith('-')) throw new SwitchboardError('invalid_request', `${command} needs a name first`);
  return { name, rest };
}

function output(context: CliContext, value: unknown, rows: readonly object[], columns: readonly string[]): void {
  if (context.json) printJson(context, value);
  else print(context, formatTable(rows, columns));
}

function integerFlag(value: string | undefined, flag: string): number | null {
  return value === undefined ? null : integerOption(value, flag, 1);
}

const budgetColumns = ['name', 'project', 'api_key_id', 'model_name', 'period', 'period_end', 'limit_usd', 'spent_usd', 'reserved_usd', 'leased_usd', 'leases', 'unpriced'];
const limitColumns = ['name', 'project', 'api_key_id', 'model_name', 'metric', 'per_minute', 'used', 'reserved', 'leased', 'leases'];

export const budgetsCommand: Command = {
  name: 'budgets',
  summary: 'set, list and remove USD budgets (per project, key, model)',
  usage: [
    'Usage:',
    '  switchboard budgets set <name> --project <name> --limit-usd <amount> [--period day|week|month|fixed]',
    '                              [--key <api key id>] [--model <public name>] [--soft <0-1>]',
    '                              [--starts <ISO time> --ends <ISO time>]   (fixed windows)',
    '                              [--unpriced allow|refuse]   (refuse: 403 for a model with no price in force)',
    '  switchboard budgets list [--json]      limit, spent, reserved and leased in the current period',
    '  switchboard budgets remove <name>',
  ].join('\n'),
  async run(args, context) {
    const [action, ...rest] = args;
    if (action === 'list') {
      parseOptions(rest, {});
      const budgets = await withAdmin(context, (admin) => admin.listBudgets());
      output(context, budgets, budgets, budgetColumns);
      return 0;
    }
    if (action === 'set') {
      const { name, rest: flags } = positionalName(rest, 'budgets set');
      const { values } = parseOptions(flags, {
        project: { type: 'string' },
        'limit-usd': { type: 'string' },
        period: { type: 'string' },
        key: { type: 'string' },
        model: { type: 'string' },
        soft: { type: 'string' },
        starts: { type: 'string' },
        ends: { type: 'string' },
        unpriced: { type: 'string' },
      });
      const body = {
        project: requireOption(values.project, '--project'),
        limit_usd: requireOption(values['limit-usd'], '--limit-usd'),
        ...(values.period === undefined ? {} : { period: values.period }),
        ...(values.key === undefined ? {} : { api_key_id: values.key }),
        ...(values.model === undefined ? {} : { model_name: values.model }),
        ...(values.soft === undefined ? {} : { soft_threshold: numberOption(values.soft, '--soft') }),
        ...(values.starts === undefined ? {} : { starts_at: values.starts }),
        ...(values.ends === undefined ? {} : { ends_at: values.ends }),
        ...(values.unpriced === undefined ? {} : { unpriced: values.unpriced }),
      };
      const budget = await withAdmin(context, (admin) => admin.setBudget(name, body));
      output(context, budget, [budget], budgetColumns);
      return 0;
    }
    if (action === 'remove') {
      const { name } = positionalName(rest, 'budgets remove');
      await withAdmin(context, (admin) => admin.removeBudget(name));
      if (context.json) printJson(context, { name, deleted: true });
      else print(context, line`Removed budget '${name}'.`);
      return 0;
    }
    throw new SwitchboardError('invalid_request', `budgets needs 'set', 'list' or 'remove' (got '${action ?? ''}')`);
  },
};

export const limitsCommand: Command = {
  name: 'limits',
  summary: 'set, list and remove rate limits (requests and tokens per minute)',
  usage: [
    'Usage:',
    '  switchboard limits set <name> --project <name> [--rpm <n>] [--tpm <n>] [--key <api key id>] [--model <public name>]',
    '  switchboard limits list [--json]       used, reserved and leased in the current minute',
    '  switchboard limits remove <name>',
  ].join('\n'),
  async run(args, context) {
    const [action, ...rest] = args;
    if (action === 'list') {
      parseOptions(rest, {});
      const limits = await withAdmin(context, (admin) => admin.listRateLimits());
      output(context, limits, limits, limitColumns);
      return 0;
    }
    if (action === 'set') {
      const { name, rest: flags } = positionalName(rest, 'limits set');
      const { values } = parseOptions(flags, {
        project: { type: 'string' },
        rpm: { type: 'string' },
        tpm: { type: 'string' },
        key: { type: 'string' },
        model: { type: 'string' },
      });
      const body = {
        project: requireOption(values.project, '--project'),
        requests_per_minute: integerFlag(values.rpm, '--rpm'),
        tokens_per_minute: integerFlag(values.tpm, '--tpm'),
        ...(values.key === undefined ? {} : { api_key_id: values.key }),
        ...(values.model === undefined ? {} : { model_name: values.model }),
      };
      const limits = await withAdmin(context, (admin) => admin.setRateLimit(name, body));
      output(context, limits, limits, limitColumns);
      return 0;
    }
    if (action === 'remove') {
      const { name } = positionalName(rest, 'limits remove');
      await withAdmin(context, (admin) => admin.removeRateLimit(name));
      if (context.json) printJson(context, { name, deleted: true });
      else print(context, line`Removed rate limit '${name}'.`);
      return 0;
    }
    throw new SwitchboardError('invalid_request', `limits needs 'set', 'list' or 'remove' (got '${action ?? ''}')`);
  },
};

export const accessCommand: Command = {
  name: 'access',
  summary: 'limit the models a project or an API key may call; label keys',
  usage: [
    'Usage:',
    '  switchboard access set --project <name> [--key <api key id>] --models <a,b,...> | --all   [--label <text>]',
    '  switchboard access list [--json]       allow-lists (empty = every model) and key labels',
  ].join('\n'),
  async run(args, context) {
    const [action, ...rest] = args;
    if (action === 'list') {
      parseOptions(rest, {});
      const rows = await withAdmin(context, (admin) => admin.listAccess());
      output(context, rows, rows, ['project', 'apiKeyId', 'label', 'allowedModels']);
      return 0;
    }
    if (action === 'set') {
      const { values } = parseOptions(rest, {
        project: { type: 'string' },
        key: { type: 'string' },
        models: { type: 'string' },
        all: { type: 'boolean' },
        label: { type: 'string' },
      });
      if ((values.models === undefined) === (values.all !== true)) throw new SwitchboardError('invalid_request', 'access set needs --models <a,b,...> or --all');
      const models = values.all ? null : (values.models ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
      const body = {
        project: requireOption(values.project, '--project'),
        allowed_models: models,
        ...(values.key === undefined ? {} : { api_key_id: values.key }),
        ...(values.label === undefined ? {} : { label: values.label }),
      };
      const rows = await withAdmin(context, (admin) => admin.setAccess(body));
      output(context, rows, rows, ['project', 'apiKeyId', 'label', 'allowedModels']);
      return 0;
    }
    throw new SwitchboardError('invalid_request', `access needs 'set' or 'list' (got '${action ?? ''}')`);
  },
};
