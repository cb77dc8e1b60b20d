/**
 * Administration of routes and their targets (admin API and CLI): create, update, replace the
 * targets and remove, each in one transaction (so a route change is served whole), plus the
 * serving instance's view: breaker status, explain, and the per-arm comparison.
 *
 * @module
 */
import type { Db, Queryable, SqlParam } from '../../db/db.js';
import {
  deleteRoute, insertRoute, replaceTargets, ROUTE_SETTINGS, selectModelIdsByName, selectProjectIdByName, selectRouteIdByName, updateRoute,
  type RouteSetting, type TargetInsert,
} from '../../db/sql/route-admin.js';
import { selectRouteRows, type RouteRow } from '../../db/sql/routes.js';
import { SwitchboardError } from '../../errors.js';
import { compareArms, type ArmComparison } from '../../routing/compare-arms.js';
import { explainRoute, type RouteExplanation } from '../../routing/explain-route.js';
import type { Router } from '../../routing/router.js';
import { parseUsageTime } from '../../usage/reports/usage-query.js';
import { parseBody } from './parse-body.js';
import { explainSchema, routeCreateSchema, routeUpdateSchema, targetsSchema, type TargetBody } from './route-schemas.js';

type Row = Record<string, unknown>;

export interface RouteAdminOptions {
  db: Db;
  /** The serving instance's router (status, explain); absent for the CLI without a server. */
  router?: () => Router | undefined;
  onChange: () => Promise<void>;
}

export class RouteAdmin {
  readonly #options: RouteAdminOptions;

  constructor(options: RouteAdminOptions) {
    this.#options = options;
  }

  get #db(): Db {
    return this.#options.db;
  }

  async list(): Promise<Row[]> {
    const [rows, projects] = await Promise.all([selectRouteRows(this.#db), this.#projectNames()]);
    return rows.map((row) => this.#present(row, projects));
  }

  async get(name: string, project?: string | null): Promise<Row> {
    const id = await this.#id(name, project);
    return this.#one(id);
  }

  async create(body: unknown): Promise<Row> {
    const values = parseBody(routeCreateSchema, body);
    const projectId = values.project ? await this.#projectId(values.project) : null;
    const targets = values.targets ? await this.#targets(values.targets) : undefined;
    const id = await this.#db.transaction(async (tx) => {
      const routeId = await insertRoute(tx, values.name, projectId, settingsOf(values));
      if (targets) await replaceTargets(tx, routeId, targets);
      return routeId;
    });
    await this.#options.onChange();
    return this.#one(id);
  }

  async update(name: string, body: unknown, project?: string | null): Promise<Row> {
    const values = parseBody(routeUpdateSchema, body);
    const id = await this.#id(name, project);
    const targets = values.targets ? await this.#targets(values.targets) : undefined;
    await this.#db.transaction(async (tx) => {
      await updateRoute(tx, id, settingsOf(values));
      if (targets) await replaceTargets(tx, id, targets);
    });
    await this.#options.onChange();
    return this.#one(id);
  }

  /** Replaces the targets (weights, tiers, arms) in one transaction. */
  async setTargets(name: string, body: unknown, project?: string | null): Promise<Row> {
    const values = parseBody(targetsSchema, body);
    const id = await this.#id(name, project);
    const targets = await this.#targets(values.targets);
    await this.#db.transaction((tx) => replaceTargets(tx, id, targets));
    await this.#options.onChange();
    return this.#one(id);
  }

  async remove(name: string, project?: string | null): Promise<{ deleted: true }> {
    const id = await this.#id(name, project);
    await deleteRoute(this.#db, id);
    await this.#options.onChange();
    return { deleted: true };
  }

  /** This instance's breakers, blocked credentials and the routes it serves. */
  status(): Row {
    const router = this.#router();
    router.syncHealth();
    const now = router.now();
    return {
      instance: router.instance,
      routes: router.table().routes.map((route) => ({
        id: route.id,
        name: route.name,
        project_id: route.projectId,
        version: route.version,
        is_active: route.isActive,
        targets: route.targets.map((target) => ({
          model: target.modelName,
          arm: target.arm,
          tier: target.tier,
          weight: target.weight,
          breaker: router.breakers.stateOf(target.breakerKey),
          open_until: isoOrNull(router.openUntil(target.breakerKey, now)),
          available: target.resolved !== undefined,
          reason: target.reason ?? null,
        })),
      })),
      breakers: router.breakers.status(now).map((breaker) => ({
        provider_id: breaker.providerId,
        model: breaker.vendorModelId,
        state: breaker.state,
        open_until: breaker.openUntil?.toISOString() ?? null,
        consecutive_failures: breaker.consecutiveFailures,
        failures_in_window: breaker.failuresInWindow,
        window: breaker.windowSize,
        projects_open: breaker.projectsOpen.map((open) => ({ project_id: open.projectId, until: open.until.toISOString() })),
      })),
      blocked_credentials: router.credentials.list(now).map((block) => ({
        project_id: block.projectId,
        provider_id: block.providerId,
        until: block.until.toISOString(),
      })),
    };
  }

  /** Which target a request would get now, and why; no upstream is called. */
  async explain(name: string, body: unknown, project?: string | null): Promise<RouteExplanation> {
    const values = parseBody(explainSchema, body ?? {});
    const projectId = project ? await this.#projectId(project) : null;
    const router = this.#router();
    const route = router.find(name, projectId);
    if (!route) throw new SwitchboardError('not_found', `No active route named '${name}'${project ? ` for project '${project}'` : ''}`);
    const key =
      route.stickyKey === 'none' ? undefined : route.stickyKey === 'user' ? values.user : route.stickyKey === 'header' ? values.key : (values.key ?? values.user);
    return explainRoute(router, route, key, projectId);
  }

  /** The per-arm comparison (`since`, `until`, `project` filters), from the rollups. */
  async compare(name: string, query: Iterable<[string, string]>): Promise<ArmComparison> {
    const params = new Map(query);
    for (const key of params.keys()) {
      if (!['since', 'until', 'project', 'by', 'route'].includes(key)) throw new SwitchboardError('invalid_request', `Unknown parameter: ${key}`, { param: key });
    }
    const project = params.get('project');
    const projectId = project ? await this.#projectId(project) : undefined;
    const since = params.get('since');
    const until = params.get('until');
    const route = this.#options.router?.()?.find(name, projectId ?? null);
    return compareArms(this.#db, route, {
      route: name,
      ...(projectId === undefined ? {} : { projectId }),
      // Without a project: the global route's comparison, not that of projects' same-name routes.
      ...(projectId === undefined || route?.projectId === null ? { globalOnly: true } : {}),
      ...(since === undefined ? {} : { since: parseUsageTime(since, 'since', new Date()) }),
      ...(until === undefined ? {} : { until: parseUsageTime(until, 'until', new Date()) }),
    });
  }

  #router(): Router {
    const router = this.#options.router?.();
    if (!router) throw new SwitchboardError('not_found', 'Route status and explain need a running gateway (they read its breakers).');
    return router;
  }

  async #id(name: string, project: string | null | undefined): Promise<string> {
    const projectId = project ? await this.#projectId(project) : null;
    const id = await selectRouteIdByName(this.#db, name, projectId);
    if (!id) throw new SwitchboardError('not_found', `No route named '${name}'${project ? ` for project '${project}'` : ''}`);
    return id;
  }

  async #projectId(name: string): Promise<string> {
    const id = await selectProjectIdByName(this.#db, name);
    if (!id) throw new SwitchboardError('not_found', `No project named '${name}'`, { param: 'project', status: 400 });
    return id;
  }

  async #targets(targets: readonly TargetBody[]): Promise<TargetInsert[]> {
    const ids = await selectModelIdsByName(this.#db, targets.map((target) => target.model));
    const seen = new Set<string>();
    return targets.map((target) => {
      const modelId = ids.get(target.model);
      if (!modelId) throw new SwitchboardError('invalid_request', `No model named '${target.model}'`, { param: 'targets' });
      if (seen.has(modelId)) throw new SwitchboardError('invalid_request', `The model '${target.model}' is listed twice`, { param: 'targets' });
      seen.add(modelId);
      return { modelId, weight: target.weight, tier: target.tier ?? 0, arm: target.arm ?? null, accepts: target.accepts };
    });
  }

  async #one(id: string): Promise<Row> {
    const [rows, projects] = await Promise.all([selectRouteRows(this.#db, 'r.id = $1', [id]), this.#projectNames()]);
    const row = rows[0];
    if (!row) throw new SwitchboardError('not_found', 'The route no longer exists');
    return this.#present(row, projects);
  }

  async #projectNames(db: Queryable = this.#db): Promise<Map<string, string>> {
    const result = await db.query<{ id: string; name: string }>(`select id, name from public.projects`);
    return new Map(result.rows.map((row) => [row.id, row.name]));
  }

  #present(row: RouteRow, projects: ReadonlyMap<string, string>): Row {
    const served = this.#options.router?.()?.table().routes.find((route) => route.id === row.id);
    return {
      id: row.id,
      name: row.name,
      project: row.projectId ? (projects.get(row.projectId) ?? row.projectId) : null,
      strategy: row.strategy,
      sticky_key: row.stickyKey,
      max_attempts: row.maxAttempts,
      deadline_ms: row.deadlineMs,
      retries_per_target: row.retriesPerTarget,
      max_retry_wait_ms: row.maxRetryWaitMs,
      breaker_failures: row.breakerFailures,
      breaker_failure_rate: row.breakerFailureRate,
      breaker_window: row.breakerWindow,
      breaker_cooldown_ms: row.breakerCooldownMs,
      version: row.version,
      is_active: row.isActive,
      description: row.description,
      targets: row.targets.map((target) => {
        const live = served?.targets.find((candidate) => candidate.id === target.id);
        return {
          model: target.modelName ?? target.modelId,
          weight: target.weight,
          tier: target.tier,
          arm: target.arm ?? target.modelName,
          accepts: target.accepts,
          ...(live ? { available: live.resolved !== undefined, reason: live.reason ?? null } : {}),
        };
      }),
    };
  }
}

const isoOrNull = (time: number | undefined): string | null => (time === undefined ? null : new Date(time).toISOString());

function settingsOf(values: Partial<Record<RouteSetting, unknown>>): Partial<Record<RouteSetting, SqlParam>> {
  const settings: Partial<Record<RouteSetting, SqlParam>> = {};
  for (const column of ROUTE_SETTINGS) {
    const value = values[column];
    if (value !== undefined) settings[column] = value as SqlParam;
  }
  return settings;
}
