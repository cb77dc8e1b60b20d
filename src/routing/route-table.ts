/**
 * The routes of a config snapshot, bound to the registry they were loaded with: immutable, looked
 * up by public name and project on every request without a database query. A row that cannot be
 * served (a target whose model is gone or unavailable) is kept with the reason, so `explain` and
 * `routes status` can show it; an active route with no servable target, and a target whose
 * `accepts` was written as a multi-dimensional array (read as no class), are logged and listed in
 * `loadErrors` (the admin status).
 *
 * @module
 */
import type { CredentialBlockRow, RouteHealthRow, RouteRow } from '../db/sql/routes.js';
import { isNestedList, type LoadError } from '../registry/load-error.js';
import type { ModelEntry, ProviderRegistry, ResolvedModel } from '../registry/provider-registry.js';
import { ERROR_CLASSES, type ErrorClass } from './retry-policy.js';

export type StickySource = 'none' | 'user' | 'header' | 'user_or_header';

export interface RouteTarget {
  id: string;
  modelId: string;
  /** The model's public name (or the id when the model row is gone). */
  modelName: string;
  weight: number;
  tier: number;
  arm: string;
  accepts: ReadonlySet<ErrorClass>;
  /** Present when the model can be called now. */
  resolved: ResolvedModel | undefined;
  /** Why the target cannot be called (when `resolved` is undefined). */
  reason: string | undefined;
  /** The breaker key: provider id + the vendor's model id. */
  breakerKey: string;
}

export interface RouteEntry {
  id: string;
  name: string;
  projectId: string | null;
  stickyKey: StickySource;
  maxAttempts: number;
  deadlineMs: number;
  retriesPerTarget: number;
  maxRetryWaitMs: number;
  breaker: BreakerSettings;
  version: number;
  isActive: boolean;
  description: string | null;
  /** Sorted by tier, then weight (highest first). */
  targets: readonly RouteTarget[];
  /** Salt of the sticky hash: the route's id, so two routes split the same keys independently. */
  salt: string;
}

export interface BreakerSettings {
  failures: number;
  failureRate: number;
  window: number;
  cooldownMs: number;
}

const zeroProject = '';

export class RouteTable {
  /** name → project id ('' for global) → route. */
  readonly #byName: ReadonlyMap<string, ReadonlyMap<string, RouteEntry>>;
  readonly routes: readonly RouteEntry[];
  readonly health: readonly RouteHealthRow[];
  /** The shared credential blocks in force when the table was loaded. */
  readonly credentialBlocks: readonly CredentialBlockRow[];
  /** Active routes and targets that cannot serve as written, with why (GET /admin/v1/status). */
  readonly loadErrors: readonly LoadError[];

  constructor(
    routes: RouteEntry[],
    health: readonly RouteHealthRow[] = [],
    credentialBlocks: readonly CredentialBlockRow[] = [],
    loadErrors: readonly LoadError[] = [],
  ) {
    const byName = new Map<string, Map<string, RouteEntry>>();
    for (const route of routes) {
      if (!route.isActive) continue;
      let scopes = byName.get(route.name);
      if (!scopes) byName.set(route.name, (scopes = new Map()));
      scopes.set(route.projectId ?? zeroProject, route);
    }
    this.#byName = byName;
    this.routes = routes;
    this.health = health;
    this.credentialBlocks = credentialBlocks;
    this.loadErrors = loadErrors;
    Object.freeze(this);
  }

  /** The active route a project sees under `name`: its own, else the global one. */
  find(name: string, projectId: string | null | undefined): RouteEntry | undefined {
    const scopes = this.#byName.get(name);
    if (scopes === undefined) return undefined;
    return (projectId ? scopes.get(projectId) : undefined) ?? scopes.get(zeroProject);
  }

  static readonly empty = new RouteTable([]);
}

/** Builds the table from rows, resolving each target's model in `registry`. */
export function buildRouteTable(
  rows: readonly RouteRow[],
  health: readonly RouteHealthRow[],
  registry: ProviderRegistry,
  warn?: (message: string) => void,
  credentialBlocks: readonly CredentialBlockRow[] = [],
): RouteTable {
  const modelsById = new Map([...registry.models.values()].map((model) => [model.id, model]));
  const routes = rows.map((row) => buildRoute(row, registry, modelsById));
  const loadErrors: LoadError[] = [];
  for (const [index, route] of routes.entries()) {
    if (!route.isActive) continue;
    if (!route.targets.some((target) => target.resolved && target.weight > 0)) {
      warn?.(`route '${route.name}' has no target that can serve (every model is missing, inactive, unavailable or at weight 0)`);
      loadErrors.push({ table: 'ai_routes', row_id: route.id, name: route.name, reason: unservable(route.targets, modelsById) });
    }
    for (const [at, target] of (rows[index]?.targets ?? []).entries()) {
      if (!isNestedList(target.accepts)) continue;
      const reason = "accepts is a multi-dimensional array (written as '{{…}}'): read as no error class, so no failure falls through to this target";
      warn?.(`route '${route.name}' target ${target.id}: ${reason}`);
      loadErrors.push({ table: 'ai_route_targets', row_id: target.id, name: `${route.name}: ${route.targets[at]?.modelName ?? target.modelId}`, reason });
    }
  }
  return new RouteTable(routes, health, credentialBlocks, loadErrors);
}

/** Why no target of a route can serve: each target's reason, from its model row (the first few). */
function unservable(targets: readonly RouteTarget[], modelsById: ReadonlyMap<string, ModelEntry>): string {
  if (targets.length === 0) return 'no target can serve: the route has no targets';
  const shown = targets.slice(0, 5).map((target) => {
    const model = modelsById.get(target.modelId);
    const why = target.resolved ? 'weight 0' : model && model.status !== 'available' ? `${model.status} (${model.reason ?? 'no reason'})` : target.reason;
    return `'${target.modelName}': ${why ?? 'unavailable'}`;
  });
  const more = targets.length > shown.length ? `; and ${targets.length - shown.length} more` : '';
  return `no target can serve: ${shown.join('; ')}${more}`;
}

function buildRoute(row: RouteRow, registry: ProviderRegistry, modelsById: ReadonlyMap<string, { name: string }>): RouteEntry {
  const targets = row.targets.map((target): RouteTarget => {
    const modelName = modelsById.get(target.modelId)?.name;
    let resolved: ResolvedModel | undefined;
    let reason: string | undefined;
    if (modelName === undefined) {
      reason = 'the model row does not exist';
    } else {
      try {
        resolved = registry.resolve(modelName);
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    const accepts = new Set(target.accepts.filter((value): value is ErrorClass => (ERROR_CLASSES as readonly string[]).includes(value)));
    return {
      id: target.id,
      modelId: target.modelId,
      modelName: modelName ?? target.modelId,
      weight: Number.isFinite(target.weight) && target.weight > 0 ? target.weight : 0,
      tier: target.tier,
      arm: target.arm ?? modelName ?? target.modelId,
      accepts,
      resolved,
      reason,
      breakerKey: resolved ? breakerKeyOf(resolved.provider.id, resolved.model.modelId) : `missing:${target.modelId}`,
    };
  });
  return {
    id: row.id,
    name: row.name,
    projectId: row.projectId,
    stickyKey: (['none', 'user', 'header', 'user_or_header'] as const).find((value) => value === row.stickyKey) ?? 'user_or_header',
    maxAttempts: row.maxAttempts,
    deadlineMs: row.deadlineMs,
    retriesPerTarget: row.retriesPerTarget,
    maxRetryWaitMs: row.maxRetryWaitMs,
    breaker: { failures: row.breakerFailures, failureRate: row.breakerFailureRate, window: row.breakerWindow, cooldownMs: row.breakerCooldownMs },
    version: row.version,
    isActive: row.isActive,
    description: row.description,
    targets,
    salt: row.id,
  };
}

/** The breaker key of a (provider, vendor model). */
export function breakerKeyOf(providerId: string, vendorModelId: string): string {
  return `${providerId}/${vendorModelId}`;
}
