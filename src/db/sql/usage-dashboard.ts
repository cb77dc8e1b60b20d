/**
 * The dashboard's usage queries: a time series from the hourly rollups (never the ledger), in
 * hour or day buckets of a time zone, and keyset pages of ledger rows by (started_at, id) desc,
 * served by the `ai_usage_started_id_idx` / `ai_usage_project_started_id_idx` indexes.
 *
 * @module
 */
import type { Queryable, SqlParam } from '../db.js';
import type { RollupFilters } from './usage-reports.js';

/** A status class filter: 4xx includes 499 (client closed). */
export type StatusClass = '2xx' | '4xx' | '5xx';

export interface DashboardFilters extends RollupFilters {
  status?: StatusClass;
}

export interface SeriesPointRow {
  t: Date;
  requests: string;
  errors: string;
  inputTokens: string;
  outputTokens: string;
  webSearchCalls: string;
  costUsd: string;
  durationHistogram: string[];
}

class Where {
  readonly params: SqlParam[] = [];
  readonly conditions: string[] = [];
  add(condition: (placeholder: string) => string, value: SqlParam): void {
    this.params.push(value);
    this.conditions.push(condition(`$${this.params.length}`));
  }
  param(value: SqlParam): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  sql(): string {
    return this.conditions.length === 0 ? '' : `and ${this.conditions.join(' and ')}`;
  }
}

function histogramSum(column: string, length: number): string {
  const parts: string[] = [];
  for (let index = 1; index <= length; index++) parts.push(`coalesce(sum(h.${column}[${index}]), 0)`);
  return `array[${parts.join(', ')}]::text[]`;
}

/**
 * One point per `bucket` of local time in `tz` from `since` to `until` (empty buckets included,
 * zero), summed from the rollup hours whose start falls in it.
 */
export async function selectUsageSeries(
  db: Queryable,
  filters: DashboardFilters & { since: Date; until: Date },
  bucket: 'hour' | 'day',
  tz: string,
  histogramLength: number,
): Promise<SeriesPointRow[]> {
  const where = new Where();
  const b = where.param(bucket);
  const zone = where.param(tz);
  const since = where.param(filters.since);
  const until = where.param(filters.until);
  if (filters.projectId !== undefined) where.add((p) => `h.project_id = ${p}::uuid`, filters.projectId);
  if (filters.apiKeyId !== undefined) where.add((p) => `h.api_key_id = ${p}::uuid`, filters.apiKeyId);
  if (filters.model !== undefined) where.add((p) => `h.model_name = ${p}`, filters.model);
  if (filters.provider !== undefined) where.add((p) => `h.provider_name = ${p}`, filters.provider);
  if (filters.route !== undefined) where.add((p) => `h.route_name = ${p}`, filters.route);
  if (filters.status !== undefined) where.add((p) => `h.status_class = any(${p}::text[])`, filters.status === '4xx' ? ['4xx', '499'] : [filters.status]);
  const result = await db.query<SeriesPointRow>(
    `with buckets as (
       select g as local
         from generate_series(date_trunc(${b}, ${since}::timestamptz at time zone ${zone}),
                              (${until}::timestamptz - interval '1 microsecond') at time zone ${zone},
                              ('1 ' || ${b})::interval) as g
     ), sums as (
       select date_trunc(${b}, h.hour at time zone ${zone}) as local,
              sum(h.requests)::text as requests, sum(h.errors)::text as errors,
              sum(h.input_tokens + h.cached_input_tokens + h.cache_write_5m_tokens + h.cache_write_1h_tokens)::text as "inputTokens",
              sum(h.output_tokens + h.reasoning_tokens)::text as "outputTokens",
              sum(h.web_search_calls)::text as "webSearchCalls",
              coalesce(sum(h.cost_usd), 0)::text as "costUsd",
              ${histogramSum('duration_histogram', histogramLength)} as "durationHistogram"
         from public.ai_usage_hourly h
        where h.hour >= date_trunc('hour', ${since}::timestamptz) and h.hour < ${until}::timestamptz ${where.sql()}
        group by 1
     )
     select b.local at time zone ${zone} as t,
            coalesce(s.requests, '0') as requests, coalesce(s.errors, '0') as errors,
            coalesce(s."inputTokens", '0') as "inputTokens", coalesce(s."outputTokens", '0') as "outputTokens",
            coalesce(s."webSearchCalls", '0') as "webSearchCalls", coalesce(s."costUsd", '0') as "costUsd", s."durationHistogram"
       from buckets b left join sums s on s.local = b.local
      order by b.local`,
    where.params,
  );
  return result.rows;
}

/** A ledger row as the request list shows it. */
export interface LedgerListRow {
  id: string;
  request_id: string;
  attempt: number;
  started_at: Date;
  project_id: string | null;
  api_key_id: string | null;
  requested_model: string;
  model_name: string | null;
  provider_name: string | null;
  route_name: string | null;
  arm: string | null;
  status: number;
  error_code: string | null;
  streamed: boolean;
  input_tokens: string;
  output_tokens: string;
  /** Server-side web searches billed per search (their price is in cost_usd). */
  web_search_calls: number;
  cost_usd: string | null;
  usage_source: string;
  duration_ms: number;
  /** The keyset cursor of this row (started_at to the microsecond, and id). */
  cursor: string;
}

/** The statement of one keyset page (exported so tests can EXPLAIN it). */
export function usagePageStatement(filters: DashboardFilters, before: { startedAt: string; id: string } | undefined, limit: number): { sql: string; params: SqlParam[] } {
  const where = new Where();
  if (filters.projectId !== undefined) where.add((p) => `u.project_id = ${p}::uuid`, filters.projectId);
  if (filters.apiKeyId !== undefined) where.add((p) => `u.api_key_id = ${p}::uuid`, filters.apiKeyId);
  if (filters.model !== undefined) where.add((p) => `u.model_name = ${p}`, filters.model);
  if (filters.provider !== undefined) where.add((p) => `u.provider_name = ${p}`, filters.provider);
  if (filters.route !== undefined) where.add((p) => `u.route_name = ${p}`, filters.route);
  if (filters.status === '2xx') where.conditions.push('u.status < 400');
  if (filters.status === '4xx') where.conditions.push('u.status between 400 and 499');
  if (filters.status === '5xx') where.conditions.push('u.status >= 500');
  if (filters.since !== undefined) where.add((p) => `u.started_at >= ${p}::timestamptz`, filters.since);
  if (filters.until !== undefined) where.add((p) => `u.started_at < ${p}::timestamptz`, filters.until);
  if (before !== undefined) {
    const at = where.param(before.startedAt);
    const id = where.param(before.id);
    where.conditions.push(`(u.started_at, u.id) < (${at}::timestamptz, ${id}::bigint)`);
  }
  const limitParam = where.param(limit);
  return {
    sql: `select u.id::text as id, u.request_id, u.attempt, u.started_at, u.project_id, u.api_key_id, u.requested_model, u.model_name,
                 u.provider_name, u.route_name, u.arm, u.status, u.error_code, u.streamed,
                 (u.input_tokens + u.cached_input_tokens + u.cache_write_5m_tokens + u.cache_write_1h_tokens)::text as input_tokens,
                 (u.output_tokens + u.reasoning_tokens)::text as output_tokens, u.web_search_calls,
                 u.cost_usd::text as cost_usd, u.usage_source,
                 round((extract(epoch from (u.ended_at - u.started_at)) * 1000)::numeric, 1)::float8 as duration_ms,
                 to_char(u.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '.' || u.id as cursor
            from public.ai_usage u
           where true ${where.sql()}
           order by u.started_at desc, u.id desc
           limit ${limitParam}`,
    params: where.params,
  };
}

export async function selectUsagePage(db: Queryable, filters: DashboardFilters, before: { startedAt: string; id: string } | undefined, limit: number): Promise<LedgerListRow[]> {
  const statement = usagePageStatement(filters, before, limit);
  return (await db.query<LedgerListRow>(statement.sql, statement.params)).rows;
}
