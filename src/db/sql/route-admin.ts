/**
 * Writes of routes and their targets for the admin API and CLI. Column names come from code;
 * values travel as parameters.
 *
 * @module
 */
import type { Queryable, SqlParam } from '../db.js';

/** The writable columns of `ai_routes` (besides name and project_id). */
export const ROUTE_SETTINGS = [
  'strategy', 'sticky_key', 'max_attempts', 'deadline_ms', 'retries_per_target', 'max_retry_wait_ms', 'breaker_failures',
  'breaker_failure_rate', 'breaker_window', 'breaker_cooldown_ms', 'is_active', 'description',
] as const;
export type RouteSetting = (typeof ROUTE_SETTINGS)[number];

export interface TargetInsert {
  modelId: string;
  weight: number;
  tier: number;
  arm: string | null;
  accepts: readonly string[] | undefined;
}

export async function selectRouteIdByName(db: Queryable, name: string, projectId: string | null): Promise<string | undefined> {
  const result = await db.query<{ id: string }>(
    `select id from public.ai_routes where name = $1 and project_id is not distinct from $2::uuid`,
    [name, projectId],
  );
  return result.rows[0]?.id;
}

export async function insertRoute(db: Queryable, name: string, projectId: string | null, settings: Partial<Record<RouteSetting, SqlParam>>): Promise<string> {
  const columns = ROUTE_SETTINGS.filter((column) => settings[column] !== undefined);
  const params: SqlParam[] = [name, projectId, ...columns.map((column) => settings[column] as SqlParam)];
  const result = await db.query<{ id: string }>(
    `insert into public.ai_routes (name, project_id${columns.map((column) => `, ${column}`).join('')})
     values ($1, $2${columns.map((_, index) => `, $${index + 3}`).join('')}) returning id`,
    params,
  );
  return result.rows[0]?.id as string;
}

export async function updateRoute(db: Queryable, id: string, settings: Partial<Record<RouteSetting, SqlParam>>): Promise<void> {
  const columns = ROUTE_SETTINGS.filter((column) => settings[column] !== undefined);
  // An empty update still bumps the version (the before-update trigger): keep it a no-op instead.
  if (columns.length === 0) return;
  await db.query(
    `update public.ai_routes set ${columns.map((column, index) => `${column} = $${index + 2}`).join(', ')} where id = $1`,
    [id, ...columns.map((column) => settings[column] as SqlParam)],
  );
}

/** Replaces a route's targets (in the caller's transaction): upserts the given ones, deletes the rest. */
export async function replaceTargets(db: Queryable, routeId: string, targets: readonly TargetInsert[]): Promise<void> {
  await db.query(`delete from public.ai_route_targets where route_id = $1 and not (model_id = any($2::uuid[]))`, [
    routeId,
    targets.map((target) => target.modelId),
  ]);
  for (const target of targets) {
    const params: SqlParam[] = [routeId, target.modelId, target.weight, target.tier, target.arm];
    const withAccepts = target.accepts !== undefined;
    if (withAccepts) params.push(target.accepts as readonly string[]);
    await db.query(
      `insert into public.ai_route_targets (route_id, model_id, weight, tier, arm${withAccepts ? ', accepts' : ''})
       values ($1, $2, $3, $4, $5${withAccepts ? ', $6::text[]' : ''})
       on conflict (route_id, model_id) do update
         set weight = excluded.weight, tier = excluded.tier, arm = excluded.arm${withAccepts ? ', accepts = excluded.accepts' : ''}, updated_at = now()`,
      params,
    );
  }
}

export async function deleteRoute(db: Queryable, id: string): Promise<void> {
  await db.query(`delete from public.ai_routes where id = $1`, [id]);
}

export async function selectModelIdsByName(db: Queryable, names: readonly string[]): Promise<Map<string, string>> {
  const result = await db.query<{ id: string; name: string }>(`select id, name from public.ai_models where name = any($1::text[])`, [names]);
  return new Map(result.rows.map((row) => [row.name, row.id]));
}

export async function selectProjectIdByName(db: Queryable, name: string): Promise<string | undefined> {
  const result = await db.query<{ id: string }>(`select id from public.projects where name = $1`, [name]);
  return result.rows[0]?.id;
}
