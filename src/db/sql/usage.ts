import type { Queryable, SqlParam } from '../db.js';

/** One `ai_usage` row to insert (see the usage ledger migration for the columns' meaning). */
export interface UsageRowInsert {
  requestId: string;
  attempt: number;
  startedAt: Date;
  endedAt: Date;
  projectId: string | null;
  apiKeyId: string | null;
  requestedModel: string;
  modelId: string | null;
  modelName: string | null;
  providerId: string | null;
  providerName: string | null;
  vendorModelId: string | null;
  endpoint: 'chat' | 'embeddings' | 'messages' | 'responses';
  streamed: boolean;
  status: number;
  errorCode: string | null;
  incomplete: boolean;
  overheadMs: number;
  upstreamMs: number | null;
  ttftMs: number | null;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  usageSource: 'provider' | 'estimated' | 'none';
  /** The vendor's usage object (stored as jsonb), or null. */
  rawUsage: Record<string, unknown> | null;
  priceId: string | null;
  providerPriceId: string | null;
  /** Decimal text with 12 places, or null for an unknown price. */
  costUsd: string | null;
  /** Routed requests: the route, its version, the arm assigned, the arm served and whether this attempt was a fallback. */
  routeName: string | null;
  routeVersion: number | null;
  arm: string | null;
  servedArm: string | null;
  fallback: boolean;
}

const columns = [
  'request_id', 'attempt', 'started_at', 'ended_at', 'project_id', 'api_key_id', 'requested_model', 'model_id', 'model_name',
  'provider_id', 'provider_name', 'vendor_model_id', 'endpoint', 'streamed', 'status', 'error_code', 'incomplete', 'overhead_ms',
  'upstream_ms', 'ttft_ms', 'input_tokens', 'cached_input_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens',
  'reasoning_tokens', 'usage_source', 'raw_usage', 'price_id', 'provider_price_id', 'cost_usd',
  'route_name', 'route_version', 'arm', 'served_arm', 'fallback',
] as const;

/** At most this many rows per statement (36 parameters each, well under Postgres' 65,535). */
export const maxRowsPerInsert = 1_000;

function values(row: UsageRowInsert): SqlParam[] {
  return [
    row.requestId, row.attempt, row.startedAt, row.endedAt, row.projectId, row.apiKeyId, row.requestedModel, row.modelId, row.modelName,
    row.providerId, row.providerName, row.vendorModelId, row.endpoint, row.streamed, row.status, row.errorCode, row.incomplete,
    row.overheadMs, row.upstreamMs, row.ttftMs, row.inputTokens, row.cachedInputTokens, row.cacheWrite5mTokens, row.cacheWrite1hTokens,
    row.outputTokens, row.reasoningTokens, row.usageSource, row.rawUsage, row.priceId, row.providerPriceId, row.costUsd,
    row.routeName, row.routeVersion, row.arm, row.servedArm, row.fallback,
  ];
}

/** Inserts up to `maxRowsPerInsert` ledger rows in one statement (the rollup trigger runs once). */
export async function insertUsageRows(db: Queryable, rows: readonly UsageRowInsert[]): Promise<void> {
  if (rows.length === 0) return;
  const params: SqlParam[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const base = params.length;
    params.push(...values(row));
    tuples.push(`(${columns.map((_, index) => `$${base + index + 1}`).join(',')})`);
  }
  await db.query(`insert into public.ai_usage (${columns.join(',')}) values ${tuples.join(',')}`, params);
}
