import type { Queryable } from '../db.js';
import { plainArrayLiteral, textArrayLiteral } from './array-literal.js';

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

/** The columns and their array types, in the order of the parameters. */
const columns = [
  ['request_id', 'text'], ['attempt', 'int4'], ['started_at', 'timestamptz'], ['ended_at', 'timestamptz'], ['project_id', 'uuid'],
  ['api_key_id', 'uuid'], ['requested_model', 'text'], ['model_id', 'uuid'], ['model_name', 'text'], ['provider_id', 'uuid'],
  ['provider_name', 'text'], ['vendor_model_id', 'text'], ['endpoint', 'text'], ['streamed', 'bool'], ['status', 'int4'],
  ['error_code', 'text'], ['incomplete', 'bool'], ['overhead_ms', 'float4'], ['upstream_ms', 'float4'], ['ttft_ms', 'float4'],
  ['input_tokens', 'int8'], ['cached_input_tokens', 'int8'], ['cache_write_5m_tokens', 'int8'], ['cache_write_1h_tokens', 'int8'],
  ['output_tokens', 'int8'], ['reasoning_tokens', 'int8'], ['usage_source', 'text'], ['raw_usage', 'jsonb'], ['price_id', 'int8'],
  ['provider_price_id', 'int8'], ['cost_usd', 'numeric'], ['route_name', 'text'], ['route_version', 'int8'], ['arm', 'text'],
  ['served_arm', 'text'], ['fallback', 'bool'],
] as const;

/**
 * One statement for any number of rows: one array parameter per column, zipped by `unnest`. Its
 * text never changes, so the server parses a short statement and the driver encodes 36 strings
 * per batch (not 36 parameters per row).
 */
const insertSql = `insert into public.ai_usage (${columns.map(([name]) => name).join(',')}) select * from unnest(${columns
  .map(([, type], index) => `$${index + 1}::${type}[]`)
  .join(',')})`;

/** At most this many rows per statement (bounds the statement's size, about 0.5 KB per row). */
export const maxRowsPerInsert = 1_000;

const iso = (date: Date): string => date.toISOString();
const json = (value: Record<string, unknown> | null): string | null => (value === null ? null : JSON.stringify(value));

/** The 31 array parameters of `rows`, in the order of `columns`. */
function arrayParams(rows: readonly UsageRowInsert[]): string[] {
  const text = (pick: (row: UsageRowInsert) => string | null): string => textArrayLiteral(rows.map(pick));
  const plain = (pick: (row: UsageRowInsert) => number | boolean | null): string => plainArrayLiteral(rows.map(pick));
  return [
    text((r) => r.requestId), plain((r) => r.attempt), text((r) => iso(r.startedAt)), text((r) => iso(r.endedAt)), text((r) => r.projectId),
    text((r) => r.apiKeyId), text((r) => r.requestedModel), text((r) => r.modelId), text((r) => r.modelName), text((r) => r.providerId),
    text((r) => r.providerName), text((r) => r.vendorModelId), text((r) => r.endpoint), plain((r) => r.streamed), plain((r) => r.status),
    text((r) => r.errorCode), plain((r) => r.incomplete), plain((r) => r.overheadMs), plain((r) => r.upstreamMs), plain((r) => r.ttftMs),
    plain((r) => r.inputTokens), plain((r) => r.cachedInputTokens), plain((r) => r.cacheWrite5mTokens), plain((r) => r.cacheWrite1hTokens),
    plain((r) => r.outputTokens), plain((r) => r.reasoningTokens), text((r) => r.usageSource), text((r) => json(r.rawUsage)),
    text((r) => r.priceId), text((r) => r.providerPriceId), text((r) => r.costUsd), text((r) => r.routeName), plain((r) => r.routeVersion),
    text((r) => r.arm), text((r) => r.servedArm), plain((r) => r.fallback),
  ];
}

/** Inserts up to `maxRowsPerInsert` ledger rows in one statement (the rollup trigger runs once). */
export async function insertUsageRows(db: Queryable, rows: readonly UsageRowInsert[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(insertSql, arrayParams(rows));
}
