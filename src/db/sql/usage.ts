import type { Queryable } from '../db.js';

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
}

const columns = [
  'request_id', 'attempt', 'started_at', 'ended_at', 'project_id', 'api_key_id', 'requested_model', 'model_id', 'model_name',
  'provider_id', 'provider_name', 'vendor_model_id', 'endpoint', 'streamed', 'status', 'error_code', 'incomplete', 'overhead_ms',
  'upstream_ms', 'ttft_ms', 'input_tokens', 'cached_input_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens',
  'reasoning_tokens', 'usage_source', 'raw_usage', 'price_id', 'provider_price_id', 'cost_usd',
] as const;

/** At most this many rows per statement (they travel as one JSON parameter). */
export const maxRowsPerInsert = 1_000;

/** The row as a JSON object keyed by column (Postgres fills the record from it). */
function record(row: UsageRowInsert): Record<(typeof columns)[number], unknown> {
  return {
    request_id: row.requestId, attempt: row.attempt, started_at: row.startedAt, ended_at: row.endedAt, project_id: row.projectId,
    api_key_id: row.apiKeyId, requested_model: row.requestedModel, model_id: row.modelId, model_name: row.modelName,
    provider_id: row.providerId, provider_name: row.providerName, vendor_model_id: row.vendorModelId, endpoint: row.endpoint,
    streamed: row.streamed, status: row.status, error_code: row.errorCode, incomplete: row.incomplete, overhead_ms: row.overheadMs,
    upstream_ms: row.upstreamMs, ttft_ms: row.ttftMs, input_tokens: row.inputTokens, cached_input_tokens: row.cachedInputTokens,
    cache_write_5m_tokens: row.cacheWrite5mTokens, cache_write_1h_tokens: row.cacheWrite1hTokens, output_tokens: row.outputTokens,
    reasoning_tokens: row.reasoningTokens, usage_source: row.usageSource, raw_usage: row.rawUsage, price_id: row.priceId,
    provider_price_id: row.providerPriceId, cost_usd: row.costUsd,
  };
}

const insertSql = `insert into public.ai_usage (${columns.join(',')})
  select ${columns.join(',')} from json_populate_recordset(null::public.ai_usage, $1::json)`;

/**
 * Inserts up to `maxRowsPerInsert` ledger rows in one statement (the rollup trigger runs once).
 * The rows travel as one JSON array: one `JSON.stringify` in the gateway instead of 31 encoded
 * parameters per row, and Postgres builds the records.
 */
export async function insertUsageRows(db: Queryable, rows: readonly UsageRowInsert[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(insertSql, [JSON.stringify(rows.map(record))]);
}
