/**
 * Writes of the governance configuration (admin role): budgets, rate limits and allow-lists.
 *
 * @module
 */
import type { Queryable } from '../db.js';

export interface BudgetWrite {
  name: string;
  projectId: string;
  apiKeyId: string | null;
  modelName: string | null;
  limitUsd: string;
  period: string;
  startsAt: string | null;
  endsAt: string | null;
  softThreshold: number | null;
  /** 'allow' or 'refuse' (checked by the column). */
  unpriced: string;
  isActive: boolean;
}

export async function upsertBudget(db: Queryable, budget: BudgetWrite): Promise<void> {
  await db.query(
    `insert into public.ai_budgets (name, project_id, api_key_id, model_name, limit_usd, period, starts_at, ends_at, soft_threshold, unpriced, is_active)
     values ($1, $2, $3, $4, $5::numeric, $6, $7::timestamptz, $8::timestamptz, $9, $10, $11)
     on conflict (name) do update set project_id = excluded.project_id, api_key_id = excluded.api_key_id, model_name = excluded.model_name,
       limit_usd = excluded.limit_usd, period = excluded.period, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
       soft_threshold = excluded.soft_threshold, unpriced = excluded.unpriced, is_active = excluded.is_active`,
    [
      budget.name, budget.projectId, budget.apiKeyId, budget.modelName, budget.limitUsd, budget.period, budget.startsAt, budget.endsAt, budget.softThreshold,
      budget.unpriced, budget.isActive,
    ],
  );
}

export interface RateLimitWrite {
  name: string;
  projectId: string;
  apiKeyId: string | null;
  modelName: string | null;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  isActive: boolean;
}

export async function upsertRateLimit(db: Queryable, limit: RateLimitWrite): Promise<void> {
  await db.query(
    `insert into public.ai_rate_limits (name, project_id, api_key_id, model_name, requests_per_minute, tokens_per_minute, is_active)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (name) do update set project_id = excluded.project_id, api_key_id = excluded.api_key_id, model_name = excluded.model_name,
       requests_per_minute = excluded.requests_per_minute, tokens_per_minute = excluded.tokens_per_minute, is_active = excluded.is_active`,
    [limit.name, limit.projectId, limit.apiKeyId, limit.modelName, limit.requestsPerMinute, limit.tokensPerMinute, limit.isActive],
  );
}

/** Deletes a budget or rate limit by name; false when there was none. */
export async function deleteLimit(db: Queryable, table: 'ai_budgets' | 'ai_rate_limits', name: string): Promise<boolean> {
  const result = await db.query(`delete from public.${table} where name = $1`, [name]);
  return result.rowCount > 0;
}

/** The id of a project by name or id. */
export async function projectIdOf(db: Queryable, ref: string): Promise<string | undefined> {
  const result = await db.query<{ id: string }>(`select id from public.projects where name = $1 or id::text = $1`, [ref]);
  return result.rows[0]?.id;
}

/** True when the key exists in the project. */
export async function keyInProject(db: Queryable, keyId: string, projectId: string): Promise<boolean> {
  const result = await db.query(`select 1 from public.api_keys where id = $1 and project_id = $2`, [keyId, projectId]);
  return result.rowCount > 0;
}

export async function setProjectModels(db: Queryable, projectId: string, models: readonly string[] | null): Promise<void> {
  await db.query(`update public.projects set allowed_models = $2::text[] where id = $1`, [projectId, models === null ? null : [...models]]);
}

export async function setKeyAccess(db: Queryable, keyId: string, models: readonly string[] | null, label: string | null | undefined): Promise<void> {
  if (label === undefined) {
    await db.query(`update public.api_keys set allowed_models = $2::text[] where id = $1`, [keyId, models === null ? null : [...models]]);
  } else {
    await db.query(`update public.api_keys set allowed_models = $2::text[], label = $3 where id = $1`, [keyId, models === null ? null : [...models], label]);
  }
}

export interface AccessRow {
  project: string;
  apiKeyId: string | null;
  label: string | null;
  allowedModels: string[] | null;
}

export async function selectAccess(db: Queryable): Promise<AccessRow[]> {
  const result = await db.query<AccessRow>(
    `select p.name as project, null::uuid as "apiKeyId", null::text as label, p.allowed_models as "allowedModels" from public.projects p
     union all
     select p.name, k.id, k.label, k.allowed_models from public.api_keys k join public.projects p on p.id = k.project_id where k.revoked_at is null
     order by 1, 2 nulls first`,
  );
  return result.rows;
}
