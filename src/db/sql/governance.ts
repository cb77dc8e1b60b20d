/**
 * Governance rows: budgets, rate limits and model allow-lists (configuration, read into the
 * snapshot), and the lease exchange with the shared counters (`switchboard_governance_sync`).
 *
 * @module
 */
import type { Queryable, SqlParam } from '../db.js';

export interface BudgetRow {
  id: string;
  name: string;
  projectId: string;
  apiKeyId: string | null;
  modelName: string | null;
  /** numeric(30,12) as a decimal string. */
  limitUsd: string;
  period: string;
  startsAt: Date | null;
  endsAt: Date | null;
  /** numeric as a decimal string, or null. */
  softThreshold: string | null;
  /** What a call to a model with no price in force gets: 'allow' (costs 0 here) or 'refuse'. */
  unpriced: string;
  isActive: boolean;
}

export interface RateLimitRow {
  id: string;
  name: string;
  projectId: string;
  apiKeyId: string | null;
  modelName: string | null;
  requestsPerMinute: number | null;
  /** bigint as text. */
  tokensPerMinute: string | null;
  isActive: boolean;
}

export interface ModelAccessRow {
  projectId: string;
  /** null: the project's own list. */
  apiKeyId: string | null;
  /** Public names; lists of them when the row was written as a multi-dimensional array ('{{a,b}}'). */
  allowedModels: string[];
}

export async function selectBudgets(db: Queryable): Promise<BudgetRow[]> {
  const result = await db.query<BudgetRow>(
    `select id, name, project_id as "projectId", api_key_id as "apiKeyId", model_name as "modelName",
            limit_usd::text as "limitUsd", period, starts_at as "startsAt", ends_at as "endsAt",
            soft_threshold::text as "softThreshold", unpriced, is_active as "isActive"
       from public.ai_budgets order by name`,
  );
  return result.rows;
}

export async function selectRateLimits(db: Queryable): Promise<RateLimitRow[]> {
  const result = await db.query<RateLimitRow>(
    `select id, name, project_id as "projectId", api_key_id as "apiKeyId", model_name as "modelName",
            requests_per_minute as "requestsPerMinute", tokens_per_minute::text as "tokensPerMinute", is_active as "isActive"
       from public.ai_rate_limits order by name`,
  );
  return result.rows;
}

export async function selectModelAccess(db: Queryable): Promise<ModelAccessRow[]> {
  const result = await db.query<ModelAccessRow>(
    `select project_id as "projectId", api_key_id as "apiKeyId", allowed_models as "allowedModels" from public.switchboard_model_access()`,
  );
  return result.rows;
}

/**
 * The configuration version (as `selectConfigVersion`) and the database's clock, read by the same
 * statement: the governor measures its clock's offset from the database's on it (no statement of
 * its own). `clock_timestamp()`, not `now()`: this runs inside the rules' transaction.
 */
export async function selectRulesVersion(db: Queryable): Promise<{ version: number; databaseNow: Date }> {
  const result = await db.query<{ version: string | number; database_now: Date }>(
    'select version, clock_timestamp() as database_now from public.switchboard_config_version where id',
  );
  const row = result.rows[0];
  return { version: Number(row?.version ?? 0), databaseNow: row?.database_now ?? new Date(Number.NaN) };
}

/** The metric a counter counts: pico-USD of a budget, or requests / tokens of a rate limit. */
export type CounterMetric = 'usd_pico' | 'requests' | 'tokens';

/** One counter's part of a lease exchange (amounts are integers, sent as strings). */
export interface LeaseSyncItem {
  limitId: string;
  metric: CounterMetric;
  /** The counter object's id in this instance: its lease row is `<instance>/<holder>` ([0-9a-z]{1,13}). */
  holder: string;
  leaseId: string | null;
  consumed: bigint;
  /**
   * The running total of consumption reported against `leaseId`, this report included: the store
   * charges only what it adds to what the lease was charged already, so a report sent again after
   * a lost reply is charged once. Absent: `consumed` is charged whole (as an older gateway's).
   */
  reportedTotal?: bigint;
  /**
   * With `leaseId` null: the running total of consumption the holder reported without a lease, this
   * report included (the store keeps what it charged of it for a day), so that a report resent after
   * a lost reply is charged once. Absent: `consumed` is charged whole (as an older gateway's).
   */
  reportedUnleased?: bigint;
  reserved: bigint;
  want: bigint;
  need: bigint;
  release: boolean;
  /** The rule's limit (Redis only: Postgres reads it from the configuration rows). */
  limit?: bigint;
}

/** A counter and this instance's lease on it after an exchange. */
export interface LeaseSyncResult {
  limitId: string;
  metric: CounterMetric;
  leaseId: string | null;
  amount: bigint;
  spent: bigint;
  leased: bigint;
  /** null: the limit no longer exists or is not in force. */
  limit: bigint | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  dbNow: Date;
  /**
   * Redis only: the item named a lease that was gone (expired, and charged whole). Postgres does not
   * say; the counter infers it from the lease id (see LeaseCounter.apply).
   */
  leaseLost?: boolean;
}

interface RawSyncRow {
  limit_id: string;
  metric: CounterMetric;
  lease_id: string | null;
  amount: string;
  spent: string;
  leased: string;
  limit_amount: string | null;
  period_start: Date | null;
  period_end: Date | null;
  db_now: Date;
}

/**
 * Runs one lease exchange (one transaction, counters locked in a fixed order). With `lockTimeoutMs`,
 * a counter row locked by another transaction for longer fails the exchange (SQLSTATE 55P03)
 * instead of waiting: the setting is made in the same statement, before the function runs (it
 * is the function's argument), and lasts until the statement's transaction ends.
 */
export async function syncLeases(
  db: Queryable,
  instanceId: string,
  ttlMs: number,
  items: readonly LeaseSyncItem[],
  lockTimeoutMs?: number,
  deadlineMs?: number,
): Promise<LeaseSyncResult[]> {
  const payload = items.map((item) => ({
    limit_id: item.limitId,
    metric: item.metric,
    holder: item.holder,
    lease_id: item.leaseId,
    consumed: item.consumed.toString(),
    reported: item.reportedTotal?.toString(),
    reported_unleased: item.reportedUnleased?.toString(),
    reserved: item.reserved.toString(),
    want: item.want.toString(),
    need: item.need.toString(),
    release: item.release,
  }));
  const params: SqlParam[] = [instanceId, ttlMs, JSON.stringify(payload)];
  let itemsArgument = '$3::jsonb';
  if (lockTimeoutMs !== undefined) {
    params.push(`${Math.max(1, Math.round(lockTimeoutMs))}ms`);
    itemsArgument = `(select $3::jsonb from set_config('lock_timeout', $4, true))`;
  }
  const result = await db.query<RawSyncRow>(
    `select limit_id, metric, lease_id::text as lease_id, amount::text as amount, spent::text as spent, leased::text as leased,
            limit_amount::text as limit_amount, period_start, period_end, db_now
       from public.switchboard_governance_sync($1, $2, ${itemsArgument})`,
    params,
    deadlineMs === undefined ? undefined : { timeoutMs: deadlineMs },
  );
  return result.rows.map((row) => ({
    limitId: row.limit_id,
    metric: row.metric,
    leaseId: row.lease_id,
    amount: BigInt(row.amount),
    spent: BigInt(row.spent),
    leased: BigInt(row.leased),
    limit: row.limit_amount === null ? null : BigInt(row.limit_amount),
    periodStart: row.period_start,
    periodEnd: row.period_end,
    dbNow: row.db_now,
  }));
}

/** A counter's state for reports: the current period of every budget and rate limit. */
export interface CounterStatusRow {
  kind: 'budget' | 'rate_limit';
  id: string;
  name: string;
  projectName: string;
  apiKeyId: string | null;
  modelName: string | null;
  metric: CounterMetric;
  /** numeric as text (pico-USD, requests or tokens). */
  limit: string | null;
  spent: string;
  reserved: string;
  leased: string;
  leases: number;
  periodStart: Date | null;
  periodEnd: Date | null;
  softThreshold: string | null;
  period: string;
  /** Budgets: 'allow' or 'refuse' (ai_budgets.unpriced); null for rate limits. */
  unpriced: string | null;
}

/**
 * Every budget and rate limit with its current period's counter (expired leases charged first,
 * which needs the owner/admin role).
 */
export async function selectCounterStatus(db: Queryable): Promise<CounterStatusRow[]> {
  await db.query('select public.switchboard_governance_expire()');
  const result = await db.query<CounterStatusRow>(
    `with limits as (
       select 'budget' as kind, b.id, b.name, b.project_id, b.api_key_id, b.model_name, 'usd_pico' as metric,
              b.period, b.soft_threshold::text as soft_threshold, b.unpriced
         from public.ai_budgets b
       union all
       select 'rate_limit', r.id, r.name, r.project_id, r.api_key_id, r.model_name, m.metric, 'minute', null, null
         from public.ai_rate_limits r
         cross join lateral (values ('requests'), ('tokens')) as m(metric)
        where (m.metric = 'requests' and r.requests_per_minute is not null) or (m.metric = 'tokens' and r.tokens_per_minute is not null)
     )
     select l.kind, l.id, l.name, p.name as "projectName", l.api_key_id as "apiKeyId", l.model_name as "modelName", l.metric,
            lim.amount::text as "limit", coalesce(c.spent, 0)::text as spent,
            coalesce((select sum(x.reserved) from public.ai_governance_leases x where x.counter_id = c.id), 0)::text as reserved,
            coalesce(c.leased, 0)::text as leased,
            (select count(*) from public.ai_governance_leases x where x.counter_id = c.id)::int as leases,
            lim.period_start as "periodStart", lim.period_end as "periodEnd", l.soft_threshold as "softThreshold", l.period,
            l.unpriced
       from limits l
       join public.projects p on p.id = l.project_id
       left join lateral public.switchboard_governance_limit(l.id, l.metric, now()) lim on true
       left join public.ai_governance_counters c on c.limit_id = l.id and c.metric = l.metric and c.period_start = lim.period_start
      order by l.kind, l.name, l.metric`,
  );
  return result.rows;
}
