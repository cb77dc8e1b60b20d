/**
 * Usage reports from the hourly rollups: requests, errors, tokens per bucket, web searches, exact
 * cost and latency percentiles, optionally grouped. Reads `ai_usage_hourly` only, never the detail rows.
 *
 * @module
 */
import type { Queryable } from '../../db/db.js';
import { selectApiKeyRef, selectProjectRef, selectUsageRollup, type RollupFilters, type RollupRow } from '../../db/sql/usage-reports.js';
import { SwitchboardError } from '../../errors.js';
import { histogramPercentile, LATENCY_BUCKETS } from './latency-percentile.js';
import type { UsageGroupBy, UsageQuery } from './usage-query.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tokens per disjoint bucket. */
export interface UsageTokens {
  input: number;
  cached_input: number;
  cache_write_5m: number;
  cache_write_1h: number;
  output: number;
  reasoning: number;
}

/** One line of a report (a group, or the total). */
export interface UsageReportRow {
  /** The group's value (model name, day, …); `null` for rows without one (e.g. no arm). */
  group: string | null;
  /** For `by=project` / `by=key`: the id the group label stands for. */
  group_id: string | null;
  requests: number;
  errors: number;
  /** errors / requests, rounded to 4 decimals. */
  error_rate: number;
  tokens: UsageTokens;
  /** Server-side web searches the vendors billed per search (their price is in `cost_usd`). */
  web_search_calls: number;
  /** Exact sum of the known costs, USD, as a decimal string (12 decimals). */
  cost_usd: string;
  /** Requests recorded with an unknown price (not in cost_usd). */
  unpriced_requests: number;
  /** Total duration percentiles (ms; see latency-percentile.ts for the precision). */
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  ttft_p50_ms: number | null;
  ttft_p95_ms: number | null;
}

export interface UsageReport {
  by: UsageGroupBy | null;
  /** The filters as applied (project and key resolved to ids). */
  filters: {
    project_id: string | null;
    api_key_id: string | null;
    model: string | null;
    provider: string | null;
    route: string | null;
    /** Reports count whole hours: the hour containing `since` is included. */
    since: string | null;
    until: string | null;
  };
  rows: UsageReportRow[];
  total: UsageReportRow;
}

/** Runs a usage report (both the grouped rows and the total come from the rollups). */
export async function usageReport(db: Queryable, query: UsageQuery): Promise<UsageReport> {
  const filters = await resolveFilters(db, query);
  const grouped = query.by === undefined ? [] : await selectUsageRollup(db, filters, query.by, LATENCY_BUCKETS);
  const [total] = await selectUsageRollup(db, filters, undefined, LATENCY_BUCKETS);
  return {
    by: query.by ?? null,
    filters: {
      project_id: filters.projectId ?? null,
      api_key_id: filters.apiKeyId ?? null,
      model: filters.model ?? null,
      provider: filters.provider ?? null,
      route: filters.route ?? null,
      since: filters.since?.toISOString() ?? null,
      until: filters.until?.toISOString() ?? null,
    },
    rows: grouped.map(reportRow),
    total: total ? { ...reportRow(total), group: null, group_id: null } : emptyRow(),
  };
}

/** Resolves a query's project and key references to ids (400 naming the parameter when unknown). */
export async function resolveFilters(db: Queryable, query: UsageQuery): Promise<RollupFilters> {
  const filters: RollupFilters = {};
  if (query.project !== undefined) {
    const byId = uuidPattern.test(query.project);
    const project = await selectProjectRef(db, query.project, byId);
    // A deleted project's rows stay in the ledger: its id still filters.
    if (!project && !byId) throw new SwitchboardError('not_found', `No project named '${query.project}'`, { param: 'project', status: 400 });
    filters.projectId = project?.id ?? query.project.toLowerCase();
  }
  if (query.key !== undefined) {
    const byId = uuidPattern.test(query.key);
    const key = await selectApiKeyRef(db, query.key, byId);
    if (!key && !byId) throw new SwitchboardError('not_found', `No API key with id or prefix '${query.key}'`, { param: 'key', status: 400 });
    filters.apiKeyId = key?.id ?? query.key.toLowerCase();
  }
  for (const name of ['model', 'provider', 'route', 'since', 'until'] as const) {
    const value = query[name];
    if (value !== undefined) Object.assign(filters, { [name]: value });
  }
  return filters;
}

function reportRow(row: RollupRow): UsageReportRow {
  const requests = Number(row.requests);
  const errors = Number(row.errors);
  return {
    group: row.label,
    group_id: row.id,
    requests,
    errors,
    error_rate: requests === 0 ? 0 : Math.round((errors / requests) * 10_000) / 10_000,
    tokens: {
      input: Number(row.inputTokens),
      cached_input: Number(row.cachedInputTokens),
      cache_write_5m: Number(row.cacheWrite5mTokens),
      cache_write_1h: Number(row.cacheWrite1hTokens),
      output: Number(row.outputTokens),
      reasoning: Number(row.reasoningTokens),
    },
    web_search_calls: Number(row.webSearchCalls),
    cost_usd: row.costUsd,
    unpriced_requests: Number(row.unpricedRequests),
    latency_p50_ms: histogramPercentile(row.durationHistogram, 0.5),
    latency_p95_ms: histogramPercentile(row.durationHistogram, 0.95),
    ttft_p50_ms: histogramPercentile(row.ttftHistogram, 0.5),
    ttft_p95_ms: histogramPercentile(row.ttftHistogram, 0.95),
  };
}

function emptyRow(): UsageReportRow {
  const tokens = { input: 0, cached_input: 0, cache_write_5m: 0, cache_write_1h: 0, output: 0, reasoning: 0 };
  return {
    group: null, group_id: null, requests: 0, errors: 0, error_rate: 0, tokens, web_search_calls: 0, cost_usd: '0.000000000000', unpriced_requests: 0,
    latency_p50_ms: null, latency_p95_ms: null, ttft_p50_ms: null, ttft_p95_ms: null,
  };
}
