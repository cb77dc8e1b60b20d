import { SwitchboardError } from '../../errors.js';
import { line, print, printJson, type CliContext } from '../cli-context.js';
import { integerOption, parseOptions } from '../parse-options.js';
import { withAdmin, type AdminApi } from './admin-target.js';

type Row = Record<string, unknown>;
type FlagKind = 'text' | 'json' | 'integer' | 'list';

/** CLI flag → column, per resource. */
const providerFlags: Record<string, [column: string, kind: FlagKind]> = {
  class: ['provider_class', 'text'],
  'display-name': ['display_name', 'text'],
  'base-url': ['api_base_url', 'text'],
  'env-vars': ['required_env_vars', 'list'],
  features: ['features', 'json'],
  pricing: ['pricing', 'json'],
  'auth-header': ['auth_header_name', 'text'],
  'auth-prefix': ['auth_header_prefix', 'text'],
  template: ['request_template', 'json'],
  config: ['config', 'json'],
};

const modelFlags: Record<string, [column: string, kind: FlagKind]> = {
  provider: ['provider', 'text'],
  'model-id': ['model_id', 'text'],
  'display-name': ['display_name', 'text'],
  'context-window': ['context_window', 'integer'],
  'max-tokens': ['max_tokens', 'integer'],
  pricing: ['pricing', 'json'],
  features: ['features', 'json'],
};

export const providerWriteUsage = [
  '  switchboard providers add <name> --class <ProviderClass> [--base-url URL] [--display-name T] [--env-vars A,B]',
  '        [--auth-header H] [--auth-prefix P] [--features JSON] [--pricing JSON] [--config JSON] [--template JSON] [--inactive]',
  '  switchboard providers update <name> [same flags]',
  '  switchboard providers enable|disable <name>',
  '  switchboard providers remove <name> [--cascade]     (--cascade also deletes its models)',
];

export const modelWriteUsage = [
  '  switchboard models add <name> --provider <provider> --model-id <id> [--display-name T] [--context-window N]',
  '        [--max-tokens N] [--pricing JSON] [--features JSON] [--inactive]',
  '  switchboard models update <name> [same flags]',
  '  switchboard models enable|disable|remove <name>',
];

/** Runs `providers add|update|enable|disable|remove`; returns undefined for other actions. */
export async function runProviderWrite(action: string, args: string[], context: CliContext): Promise<number | undefined> {
  return runWrite('provider', providerFlags, action, args, context, {
    create: (admin, body) => admin.createProvider(body),
    update: (admin, name, body) => admin.updateProvider(name, body),
    remove: (admin, name, cascade) => admin.deleteProvider(name, cascade),
  });
}

export async function runModelWrite(action: string, args: string[], context: CliContext): Promise<number | undefined> {
  return runWrite('model', modelFlags, action, args, context, {
    create: (admin, body) => admin.createModel(body),
    update: (admin, name, body) => admin.updateModel(name, body),
    remove: (admin, name) => admin.deleteModel(name),
  });
}

interface Writes {
  create(admin: AdminApi, body: Row): Promise<Row>;
  update(admin: AdminApi, name: string, body: Row): Promise<Row>;
  remove(admin: AdminApi, name: string, cascade: boolean): Promise<Row>;
}

async function runWrite(
  kind: 'provider' | 'model',
  flags: Record<string, [string, FlagKind]>,
  action: string,
  args: string[],
  context: CliContext,
  writes: Writes,
): Promise<number | undefined> {
  if (!['add', 'update', 'enable', 'disable', 'remove'].includes(action)) return undefined;
  const options = {
    ...Object.fromEntries(Object.keys(flags).map((flag) => [flag, { type: 'string' as const }])),
    inactive: { type: 'boolean' as const },
    active: { type: 'boolean' as const },
    cascade: { type: 'boolean' as const },
  };
  const { values, positionals } = parseOptions(args, options, true);
  const name = positionals[0];
  if (!name) throw new SwitchboardError('invalid_request', `${kind}s ${action} needs a ${kind} name`);
  const body: Row = {};
  for (const [flag, [column, flagKind]] of Object.entries(flags)) {
    const raw = (values as Record<string, string | boolean | undefined>)[flag];
    if (typeof raw === 'string') body[column] = parseFlag(flag, flagKind, raw);
  }
  if (values.inactive) body['is_active'] = false;
  if (values.active) body['is_active'] = true;

  const result = await withAdmin(context, async (admin) => {
    switch (action) {
      case 'add':
        return { row: await writes.create(admin, { name, ...body }), via: admin.via };
      case 'update':
        return { row: await writes.update(admin, name, body), via: admin.via };
      case 'enable':
      case 'disable':
        return { row: await writes.update(admin, name, { is_active: action === 'enable' }), via: admin.via };
      default:
        return { row: await writes.remove(admin, name, values.cascade === true), via: admin.via };
    }
  });
  if (context.json) printJson(context, result.row);
  else {
    const verb = { add: 'Added', update: 'Updated', enable: 'Enabled', disable: 'Disabled', remove: 'Removed' }[action];
    const status = typeof result.row['status'] === 'string' ? line` (status: ${result.row['status']}${result.row['unavailable_reason'] ? line`: ${result.row['unavailable_reason']}` : ''})` : '';
    print(context, line`${verb} ${kind} '${name}' via ${result.via}${status}. Running servers apply it within a second.`);
  }
  return 0;
}

function parseFlag(flag: string, kind: FlagKind, raw: string): unknown {
  switch (kind) {
    case 'json':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw new SwitchboardError('invalid_request', `--${flag} must be JSON, e.g. --${flag} '{"streaming": true}'`);
      }
    case 'integer':
      return integerOption(raw, `--${flag}`, 1);
    case 'list':
      return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
    default:
      return raw;
  }
}
