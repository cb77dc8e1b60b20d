/**
 * The routes of a config snapshot, bound to the registry they were loaded with: immutable, looked
 * up by public name and project on every request without a database query. A row that cannot be
 * served (a target whose model is gone or unavailable) is kept with the reason, so `explain` and
 * `routes status` can show it; a route with no servable target is skipped with a warning.
 *
 * @module
 */
import type { CredentialBlockRow, RouteHealthRow, RouteRow } from '../db/sql/routes.js';
import type { ProviderRegistry, ResolvedModel } from '../registry/provider-registry.js';
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

  constructor(routes: RouteEntry[], health: readonly RouteHealthRow[] = [], credentialBlocks: readonly CredentialBlockRow[] = []) {
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
  for (const route of routes) {
    if (route.isActive && !route.targets.some((target) => target.resolved && target.weight > 0)) {
      warn?.(`route '${route.name}' has no target that can serve (every model is missing, inactive, unavailable or at weight 0)`);
    }
  }
  return new RouteTable(routes, health, credentialBlocks);
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
