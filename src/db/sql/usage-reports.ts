/**
 * Report queries over the hourly usage rollup `ai_usage_hourly` (never the detail table), and the
 * point lookups `usage explain` needs (one request's ledger rows and their price rows).
 *
 * @module
 */
import type { Queryable, SqlParam } from '../db.js';

/** A report's filters, resolved to column values (ids, exact names, hour bounds). */
export interface RollupFilters {
  projectId?: string;
  apiKeyId?: string;
  model?: string;
  provider?: string;
  route?: string;
  since?: Date;
  until?: Date;
}

/** Group columns: a label, and for project/key the id the label stands for. */
export type RollupGroup = 'model' | 'provider' | 'project' | 'key' | 'day' | 'hour' | 'arm' | 'route';

/** One report row as the database sums it (integers and money as exact decimal strings). */
export interface RollupRow {
  label: string | null;
  id: string | null;
  requests: string;
  errors: string;
  unpricedRequests: string;
  inputTokens: string;
  cachedInputTokens: string;
  cacheWrite5mTokens: string;
  cacheWrite1hTokens: string;
  outputTokens: string;
  reasoningTokens: string;
  /** Server-side web searches billed per search (their price is in `costUsd`). */
  webSearchCalls: string;
  costUsd: string;
  /** Per-bucket counts of the duration histogram, summed over the group. */
  durationHistogram: string[];
  /** Per-bucket counts of the time-to-first-token histogram, summed over the group. */
  ttftHistogram: string[];
}

// Whitelisted group expressions (never built from input): [label, id].
const groupColumns: Record<RollupGroup, [string, string]> = {
  model: ['h.model_name', 'null::text'],
  provider: ['h.provider_name', 'null::text'],
  project: ['coalesce(p.name, h.project_id::text)', 'h.project_id::text'],
  key: [`coalesce(k.name || ' (' || k.prefix || ')', k.prefix, h.api_key_id::text)`, 'h.api_key_id::text'],
  day: [`to_char(h.hour at time zone 'UTC', 'YYYY-MM-DD')`, 'null::text'],
  hour: [`to_char(h.hour at time zone 'UTC', 'YYYY-MM-DD"T"HH24":00Z"')`, 'null::text'],
  arm: ['h.arm', 'null::text'],
  route: ['h.route_name', 'null::text'],
};

/** `array[sum(h.col[1]), …, sum(h.col[n])]`: the element-wise sum of a fixed-length histogram. */
function histogramSum(column: string, length: number): string {
  const parts: string[] = [];
  for (let index = 1; index <= length; index++) parts.push(`coalesce(sum(h.${column}[${index}]), 0)`);
  return `array[${parts.join(', ')}]::text[]`;
}

/**
 * Sums the rollup rows that match `filters`, grouped by `group` (one total row without it; no row
 * when nothing matched). `histogramLength` is the fixed number of latency histogram buckets.
 */
export async function selectUsageRollup(db: Queryable, filters: RollupFilters, group: RollupGroup | undefined, histogramLength: number): Promise<RollupRow[]> {
  const [label, id] = group === undefined ? [`'total'`, 'null::text'] : groupColumns[group];
  const params: SqlParam[] = [];
  const where: string[] = [];
  const add = (condition: (placeholder: string) => string, value: SqlParam): void => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (filters.projectId !== undefined) add((p) => `h.project_id = ${p}::uuid`, filters.projectId);
  if (filters.apiKeyId !== undefined) add((p) => `h.api_key_id = ${p}::uuid`, filters.apiKeyId);
  if (filters.model !== undefined) add((p) => `h.model_name = ${p}`, filters.model);
  if (filters.provider !== undefined) add((p) => `h.provider_name = ${p}`, filters.provider);
  if (filters.route !== undefined) add((p) => `h.route_name = ${p}`, filters.route);
  if (filters.since !== undefined) add((p) => `h.hour >= date_trunc('hour', ${p}::timestamptz)`, filters.since);
  if (filters.until !== undefined) add((p) => `h.hour < ${p}::timestamptz`, filters.until);
  const joins = [
    group === 'project' ? 'left join public.projects p on p.id = h.project_id' : '',
    group === 'key' ? 'left join public.api_keys k on k.id = h.api_key_id' : '',
  ].join(' ');
  const timeGroup = group === 'day' || group === 'hour';
  const result = await db.query<RollupRow>(
    `select ${label} as label, ${id} as id,
            sum(h.requests)::text as requests, sum(h.errors)::text as errors,
            sum(h.unpriced_requests)::text as "unpricedRequests",
            sum(h.input_tokens)::text as "inputTokens", sum(h.cached_input_tokens)::text as "cachedInputTokens",
            sum(h.cache_write_5m_tokens)::text as "cacheWrite5mTokens", sum(h.cache_write_1h_tokens)::text as "cacheWrite1hTokens",
            sum(h.output_tokens)::text as "outputTokens", sum(h.reasoning_tokens)::text as "reasoningTokens",
            sum(h.web_search_calls)::text as "webSearchCalls", coalesce(sum(h.cost_usd), 0)::text as "costUsd",
            ${histogramSum('duration_histogram', histogramLength)} as "durationHistogram",
            ${histogramSum('ttft_histogram', histogramLength)} as "ttftHistogram"
       from public.ai_usage_hourly h ${joins}
      ${where.length === 0 ? '' : `where ${where.join(' and ')}`}
      group by 1, 2
      ${timeGroup ? 'order by 1' : 'order by sum(h.cost_usd) desc nulls last, sum(h.requests) desc, 1'}`,
    params,
  );
  return result.rows;
}

/** A project by id or name (`ref`), for a report filter. */
export async function selectProjectRef(db: Queryable, ref: string, byId: boolean): Promise<{ id: string; name: string } | undefined> {
  const result = await db.query<{ id: string; name: string }>(
    `select id, name from public.projects where ${byId ? 'id = $1::uuid' : 'name = $1'}`,
    [ref],
  );
  return result.rows[0];
}

/** An API key by id or by its lookup prefix (`ref`), for a report filter (never the secret). */
export async function selectApiKeyRef(db: Queryable, ref: string, byId: boolean): Promise<{ id: string; prefix: string } | undefined> {
  const result = await db.query<{ id: string; prefix: string }>(
    `select id, prefix from public.api_keys where ${byId ? 'id = $1::uuid' : 'prefix = $1'}`,
    [ref],
  );
  return result.rows[0];
}
