import { envCredentialFingerprints } from '../../credentials/credential-fingerprint.js';
import type { Db } from '../../db/db.js';
import { SwitchboardError } from '../../errors.js';
import { defaultProviderDeps } from '../../providers/shared/provider-deps.js';
import { loadProviderClasses } from '../../registry/load-provider-classes.js';
import { loadRegistry } from '../../registry/provider-loader.js';
import { loadRouteTable } from '../../routing/load-route-table.js';
import { Router } from '../../routing/router.js';
import { RouteAdmin } from '../../service/admin/route-admin.js';
import type { TargetBody } from '../../service/admin/route-schemas.js';
import { inline, line, print, printJson, type CliContext, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { numberOption, parseOptions } from '../parse-options.js';
import { resolveAdminToken } from './admin-token.js';
import { keyringFor } from './keyring-for.js';
import { readEndpoint } from './endpoint-file.js';
import { directOrServer, serverAdmin, type ServerAdmin } from './server-admin.js';
import { withDb } from './with-db.js';
import { requestUrl } from '../../providers/shared/undici.js';

type Row = Record<string, unknown>;

const settingOptions = {
  project: { type: 'string' },
  'sticky-key': { type: 'string' },
  'max-attempts': { type: 'string' },
  'deadline-ms': { type: 'string' },
  'retries-per-target': { type: 'string' },
  'max-retry-wait-ms': { type: 'string' },
  'breaker-failures': { type: 'string' },
  'breaker-failure-rate': { type: 'string' },
  'breaker-window': { type: 'string' },
  'breaker-cooldown-ms': { type: 'string' },
  description: { type: 'string' },
  active: { type: 'boolean' },
  inactive: { type: 'boolean' },
} as const;

const numeric = ['max-attempts', 'deadline-ms', 'retries-per-target', 'max-retry-wait-ms', 'breaker-failures', 'breaker-failure-rate', 'breaker-window', 'breaker-cooldown-ms'] as const;

export const routesCommand: Command = {
  name: 'routes',
  summary: 'routes and A/B splits: add, update, remove, list, targets set, status, explain',
  usage: [
    'Usage:',
    '  switchboard routes list [--json]',
    '  switchboard routes add <name> <model>=<weight>[@tier][#arm] ... [--project P] [--sticky-key none|user|header|user_or_header]',
    '                     [--max-attempts N] [--deadline-ms N] [--retries-per-target N] [--max-retry-wait-ms N]',
    '                     [--breaker-failures N] [--breaker-failure-rate X] [--breaker-window N] [--breaker-cooldown-ms N]',
    '                     [--description D] [--inactive]',
    '  switchboard routes update <name> [<model>=<weight>[@tier][#arm] ...] [same options] [--active|--inactive]',
    '  switchboard routes targets set <name> <model>=<weight>[@tier][#arm] ... [--project P]',
    '  switchboard routes remove <name> [--project P]',
    '  switchboard routes status [--server URL]',
    '  switchboard routes explain <name> [--key K] [--project P] [--server URL]',
    '',
    'A route is a name clients send as `model`; its targets are models with a weight (0 drains),',
    'a priority tier (0 first) and an arm label (default: the model name). Changes are one transaction',
    'and reach running gateways through the live-configuration feed. status and explain ask a running',
    'gateway (--server, or the one holding the embedded database) for its breakers; without one,',
    'explain computes the pick from the database with every breaker closed.',
    'Compare the arms with: switchboard usage --route <name> --by arm',
  ].join('\n'),
  async run(args, context) {
    const [action, ...rest] = args;
    switch (action) {
      case 'list':
        return list(rest, context);
      case 'add':
      case 'update':
        return write(action, rest, context);
      case 'targets':
        if (rest[0] !== 'set') throw new SwitchboardError('invalid_request', 'routes targets needs set');
        return setTargets(rest.slice(1), context);
      case 'remove':
        return remove(rest, context);
      case 'status':
        return status(rest, context);
      case 'explain':
        return explain(rest, context);
      default:
        throw new SwitchboardError('invalid_request', `routes needs list|add|update|remove|targets set|status|explain (got '${action ?? ''}')`);
    }
  },
};

/** What the write and list commands call: the database's RouteAdmin, or a running server's admin API. */
type RouteApi = Pick<RouteAdmin, 'list' | 'create' | 'update' | 'setTargets' | 'remove'>;

function admin(db: Db): RouteAdmin {
  return new RouteAdmin({ db, onChange: async () => {} });
}

const withRoutes = <T>(context: CliContext, work: (routes: RouteApi) => Promise<T>): Promise<T> =>
  directOrServer(context, () => withDb(context, (db) => work(admin(db))), (server) => work(routesThroughServer(server)));

/** The admin API routes that call the same RouteAdmin methods in the server (route-admin-routes.ts). */
function routesThroughServer(server: ServerAdmin): RouteApi {
  const call = server.call as <R>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: Row) => Promise<R>;
  const path = (name: string, project: string | null | undefined, tail = ''): string =>
    `routes/${encodeURIComponent(name)}${tail}${project === undefined || project === null ? '' : `?project=${encodeURIComponent(project)}`}`;
  return {
    list: () => call('GET', 'routes'),
    create: (body) => call('POST', 'routes', body as Row),
    update: (name, body, project) => call('PATCH', path(name, project), body as Row),
    setTargets: (name, body, project) => call('PUT', path(name, project, '/targets'), body as Row),
    remove: (name, project) => call('DELETE', path(name, project)),
  };
}

async function list(args: string[], context: CliContext): Promise<number> {
  parseOptions(args, {});
  const routes = await withRoutes(context, (routes) => routes.list());
  if (context.json) {
    printJson(context, routes);
    return 0;
  }
  const rows = routes.flatMap((route) =>
    (route['targets'] as Row[]).map((target, index) => ({
      route: index === 0 ? String(route['name']) : '',
      project: index === 0 ? String(route['project'] ?? '(global)') : '',
      version: index === 0 ? String(route['version']) : '',
      active: index === 0 ? String(route['is_active']) : '',
      model: String(target['model']),
      weight: String(target['weight']),
      tier: String(target['tier']),
      arm: String(target['arm'] ?? ''),
    })),
  );
  print(context, rows.length > 0 ? formatTable(rows) : 'No routes.');
  return 0;
}

async function write(action: 'add' | 'update', args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, settingOptions, true);
  const [name, ...targetSpecs] = positionals;
  if (!name) throw new SwitchboardError('invalid_request', `routes ${action} needs a route name`);
  if (action === 'add' && targetSpecs.length === 0) throw new SwitchboardError('invalid_request', 'routes add needs at least one <model>=<weight> target');
  const body: Row = {};
  if (values['sticky-key'] !== undefined) body['sticky_key'] = values['sticky-key'];
  for (const flag of numeric) {
    const value = values[flag];
    if (value === undefined) continue;
    body[flag.replaceAll('-', '_')] = numberOption(value, `--${flag}`);
  }
  if (values.description !== undefined) body['description'] = values.description;
  if (values.active && values.inactive) throw new SwitchboardError('invalid_request', '--active and --inactive exclude each other');
  if (values.active) body['is_active'] = true;
  if (values.inactive) body['is_active'] = false;
  if (targetSpecs.length > 0) body['targets'] = targetSpecs.map(parseTarget);
  const route = await withRoutes(context, (routes) =>
    action === 'add' ? routes.create({ ...body, name, ...(values.project ? { project: values.project } : {}) }) : routes.update(name, body, values.project),
  );
  return printRoute(context, route, action === 'add' ? 'Added' : 'Updated');
}

async function setTargets(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { project: { type: 'string' } }, true);
  const [name, ...targetSpecs] = positionals;
  if (!name || targetSpecs.length === 0) throw new SwitchboardError('invalid_request', 'routes targets set needs <route> <model>=<weight>[@tier] ...');
  const route = await withRoutes(context, (routes) => routes.setTargets(name, { targets: targetSpecs.map(parseTarget) }, values.project));
  return printRoute(context, route, 'Targets set on');
}

async function remove(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { project: { type: 'string' } }, true);
  const [name] = positionals;
  if (!name) throw new SwitchboardError('invalid_request', 'routes remove needs a route name');
  await withRoutes(context, (routes) => routes.remove(name, values.project));
  if (context.json) printJson(context, { deleted: true });
  else print(context, line`Removed route ${name}.`);
  return 0;
}

async function status(args: string[], context: CliContext): Promise<number> {
  const { values } = parseOptions(args, { server: { type: 'string' } });
  const answer = await callServer(context, values.server, 'GET', 'routing/status');
  if (context.json) {
    printJson(context, answer);
    return 0;
  }
  const breakers = (answer['breakers'] as Row[]) ?? [];
  print(context, line`Instance ${answer['instance']}`);
  print(
    context,
    breakers.length > 0
      ? formatTable(
          breakers.map((breaker) => ({
            model: String(breaker['model']),
            state: String(breaker['state']),
            'open until': String(breaker['open_until'] ?? ''),
            'consecutive failures': String(breaker['consecutive_failures']),
            'projects open': String((breaker['projects_open'] as unknown[] | undefined)?.length ?? 0),
          })),
        )
      : 'No breaker has seen a failure.',
  );
  const blocked = (answer['blocked_credentials'] as Row[]) ?? [];
  if (blocked.length > 0) print(context, `Blocked credentials: ${blocked.map((block) => line`${block['provider_id']} until ${block['until']}`).join(', ')}`);
  return 0;
}

async function explain(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { key: { type: 'string' }, project: { type: 'string' }, server: { type: 'string' } }, true);
  const [name] = positionals;
  if (!name) throw new SwitchboardError('invalid_request', 'routes explain needs a route name');
  const body = values.key === undefined ? {} : { key: values.key, user: values.key };
  const path = `routes/${encodeURIComponent(name)}/explain${values.project ? `?project=${encodeURIComponent(values.project)}` : ''}`;
  const online = values.server !== undefined || readEndpoint(context.config.dataDir) !== undefined;
  const answer = online ? await callServer(context, values.server, 'POST', path, body) : await explainOffline(context, name, body, values.project);
  if (context.json) {
    printJson(context, answer);
    return 0;
  }
  const pick = answer['pick'] as Row | null;
  print(context, line`Route ${answer['route']} v${answer['version']}: ${pick ? line`${pick['model']} (arm ${pick['arm']}, tier ${pick['tier']})` : 'weighted random'}`);
  print(context, inline(answer['reason']));
  print(
    context,
    formatTable(
      ((answer['targets'] as Row[]) ?? []).map((target) => ({
        model: String(target['model']),
        arm: String(target['arm']),
        tier: String(target['tier']),
        weight: String(target['weight']),
        share: `${(Number(target['share']) * 100).toFixed(1)}%`,
        breaker: String(target['breaker']),
        score: target['sticky_score'] === null ? '' : Number(target['sticky_score']).toFixed(4),
        excluded: String(target['excluded'] ?? ''),
        blocked: target['credential_blocked'] === true ? 'credential' : '',
      })),
    ),
  );
  print(context, `Order: ${((answer['order'] as string[]) ?? []).map((model) => inline(model)).join(' → ')}`);
  return 0;
}

/**
 * Explain from the database alone (no running gateway: every breaker is taken as closed). A shared
 * credential block written for an env-var key applies as on a gateway started here (the same env
 * and master key): only when its fingerprint is that of the key this environment holds.
 */
async function explainOffline(context: CliContext, name: string, body: Row, project: string | undefined): Promise<Row> {
  const classes = await loadProviderClasses(context.config.providersDir);
  const deps = defaultProviderDeps();
  const keyring = keyringFor(context);
  const fingerprints = envCredentialFingerprints(keyring?.current, context.config.env, undefined, keyring?.all);
  try {
    return await withDb(context, async (db) => {
      const registry = await loadRegistry(db, 0, { classes, deps });
      const table = await loadRouteTable(db, registry, undefined, fingerprints?.held);
      const router = new Router({ table: () => table });
      const routes = new RouteAdmin({ db, router: () => router, onChange: async () => {} });
      return { ...(await routes.explain(name, body, project)), breakers: 'unknown (no running gateway): every breaker taken as closed' };
    });
  } finally {
    await deps.dispatcher.close();
  }
}

/** An admin API call to `--server`, else to the server named by the data dir's endpoint file (checked: server-admin.ts). */
async function callServer(context: CliContext, server: string | undefined, method: 'GET' | 'POST', path: string, body?: Row): Promise<Row> {
  if (server === undefined) {
    if (readEndpoint(context.config.dataDir) === undefined) throw new SwitchboardError('invalid_request', 'no running gateway found: pass --server http://host:port (its admin API must be enabled)');
    return serverAdmin(context).call(method, path, body);
  }
  const url = serverUrl(server);
  const { token } = resolveAdminToken(context.config, { generate: false });
  if (!token) throw new SwitchboardError('authentication_failed', 'set SWITCHBOARD_ADMIN_TOKEN to ask the gateway');
  let response;
  try {
    response = await requestUrl(`${url}/admin/v1/${path}`, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new SwitchboardError('provider_unavailable', `cannot reach the gateway at ${url} (${(error as Error).message})`);
  }
  const payload = (await response.body.json().catch(() => ({}))) as Row;
  if (response.statusCode >= 400) {
    const error = (payload['error'] ?? {}) as { message?: string };
    throw new SwitchboardError(response.statusCode === 404 ? 'not_found' : 'invalid_request', error.message ?? `admin API answered HTTP ${response.statusCode}`, {
      status: response.statusCode,
    });
  }
  return payload;
}

/**
 * `--server`: an http(s) URL without user info (the admin token is the credential; a password in
 * the URL would sit in the process list and could come back in an error), as `scheme://host[:port][/path]`.
 */
function serverUrl(server: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(server);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username !== '' || parsed.password !== '') {
    throw new SwitchboardError('invalid_request', '--server must be an http(s) URL without user info, such as http://127.0.0.1:4141');
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** `<model>=<weight>[@tier][#arm]`. */
export function parseTarget(spec: string): TargetBody {
  const match = /^(.+)=([0-9]+(?:\.[0-9]+)?)(?:@([0-9]+))?(?:#(.+))?$/.exec(spec);
  if (!match) throw new SwitchboardError('invalid_request', `target '${spec}' is not <model>=<weight>[@tier][#arm]`);
  const [, model = '', weight = '0', tier, arm] = match;
  return { model, weight: Number(weight), ...(tier === undefined ? {} : { tier: Number(tier) }), ...(arm === undefined ? {} : { arm }) };
}

function printRoute(context: CliContext, route: Row, verb: string): number {
  if (context.json) {
    printJson(context, route);
    return 0;
  }
  const targets = (route['targets'] as Row[]).map((target) => line`${target['model']}=${target['weight']}@${target['tier']}`).join(' ');
  print(context, line`${verb} route ${route['name']} (version ${route['version']}): ${targets}`);
  return 0;
}
