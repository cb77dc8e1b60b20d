import type { Queryable } from '../db.js';

/** A route target as loaded with its route (one statement, so a route and its targets are consistent). */
export interface RouteTargetRow {
  id: string;
  modelId: string;
  /** The model's public name (null when the row is gone). */
  modelName: string | null;
  weight: number;
  tier: number;
  arm: string | null;
  /** Error class names; lists of them when the row was written as a multi-dimensional array ('{{a,b}}'). */
  accepts: string[];
}

/** An `ai_routes` row with its targets. */
export interface RouteRow {
  id: string;
  name: string;
  projectId: string | null;
  strategy: string;
  stickyKey: string;
  maxAttempts: number;
  deadlineMs: number;
  retriesPerTarget: number;
  maxRetryWaitMs: number;
  breakerFailures: number;
  breakerFailureRate: number;
  breakerWindow: number;
  breakerCooldownMs: number;
  version: number;
  isActive: boolean;
  description: string | null;
  targets: RouteTargetRow[];
}

/** A shared circuit-breaker row. */
export interface RouteHealthRow {
  providerId: string;
  vendorModelId: string;
  state: 'open' | 'closed';
  openUntil: Date | null;
  reason: string | null;
  changedBy: string | null;
  changedAt: Date;
}

const routeColumns = `r.id, r.name, r.project_id as "projectId", r.strategy, r.sticky_key as "stickyKey",
  r.max_attempts as "maxAttempts", r.deadline_ms as "deadlineMs", r.retries_per_target as "retriesPerTarget",
  r.max_retry_wait_ms as "maxRetryWaitMs", r.breaker_failures as "breakerFailures",
  r.breaker_failure_rate::float8 as "breakerFailureRate", r.breaker_window as "breakerWindow",
  r.breaker_cooldown_ms as "breakerCooldownMs", r.version::float8 as version, r.is_active as "isActive", r.description,
  coalesce((select json_agg(json_build_object('id', t.id, 'modelId', t.model_id,
            'modelName', (select m.name from public.ai_models m where m.id = t.model_id), 'weight', t.weight::float8, 'tier', t.tier,
            'arm', t.arm, 'accepts', t.accepts) order by t.tier, t.weight desc, t.id)
       from public.ai_route_targets t where t.route_id = r.id), '[]'::json) as targets`;

/** Every route with its targets, in one statement. */
export async function selectRouteRows(db: Queryable, where = 'true', params: string[] = []): Promise<RouteRow[]> {
  const result = await db.query<RouteRow>(`select ${routeColumns} from public.ai_routes r where ${where} order by r.name, r.project_id nulls first`, params);
  return result.rows;
}

/** Every shared breaker row. */
export async function selectRouteHealthRows(db: Queryable): Promise<RouteHealthRow[]> {
  const result = await db.query<RouteHealthRow>(
    `select provider_id as "providerId", vendor_model_id as "vendorModelId", state, open_until as "openUntil", reason,
            changed_by as "changedBy", changed_at as "changedAt"
       from public.ai_route_health`,
  );
  return result.rows;
}

/** Records a breaker transition (the one write the runtime role may make). */
export async function reportRouteHealth(
  db: Queryable,
  transition: { providerId: string; vendorModelId: string; state: 'open' | 'closed'; cooldownMs: number; reason: string; instance: string },
): Promise<void> {
  await db.query(`select public.switchboard_report_route_health($1, $2, $3, $4, $5, $6)`, [
    transition.providerId, transition.vendorModelId, transition.state, Math.round(transition.cooldownMs), transition.reason, transition.instance,
  ]);
}

/** A shared credential block: routes skip (project, provider) until `blockedUntil`. */
export interface CredentialBlockRow {
  projectId: string | null;
  providerId: string;
  blockedUntil: Date;
  changedBy: string | null;
  changedAt: Date;
  /**
   * The keyed fingerprint of the env-var key refused (see src/credentials/credential-fingerprint.ts):
   * the block applies on an instance whose key has the same one. Null: on every instance.
   */
  fingerprint: string | null;
}

/** The credential blocks still in force. */
export async function selectCredentialBlockRows(db: Queryable): Promise<CredentialBlockRow[]> {
  const result = await db.query<CredentialBlockRow>(
    `select project_id as "projectId", provider_id as "providerId", blocked_until as "blockedUntil", changed_by as "changedBy", changed_at as "changedAt",
            credential_fingerprint as fingerprint
       from public.ai_credential_blocks where blocked_until > now()`,
  );
  return result.rows;
}

/** Shares a credential block (the runtime role's write; capped at an hour by the function). */
export async function reportCredentialBlock(
  db: Queryable,
  block: { projectId: string | null; providerId: string; blockMs: number; reason: string; instance: string; fingerprint: string | undefined },
): Promise<void> {
  await db.query(`select public.switchboard_report_credential_block($1, $2, $3, $4, $5, $6::text)`, [
    block.projectId, block.providerId, Math.round(block.blockMs), block.reason, block.instance, block.fingerprint ?? null,
  ]);
}
