/**
 * The ledger row the gateway writes and how each of its columns travels to Postgres (see the
 * usage ledger migration for the columns' meaning).
 *
 * @module
 */

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

/**
 * How a column travels: `text` (any string, quoted and escaped), `token` (a string the gateway
 * made: uuid, decimal, id, enum; written bare when it holds only safe characters, else as `text`),
 * `number`, `bool`, `ms` (a Date: epoch milliseconds, sent as the offset from the batch's first
 * start, so that short integers travel; the statement adds the base back and makes a timestamptz),
 * `micros` (a duration in milliseconds, sent as whole microseconds and divided by the statement:
 * an integer prints several times faster than a fraction), `json` (all rows' objects in one
 * JSON array parameter) and `dict` (a string most rows share, like a model's id or a key's: each
 * row sends its 1-based index into the batch's distinct values, which travel once, as a second
 * array parameter after the times' base).
 */
export type Encoding = 'text' | 'token' | 'dict' | 'number' | 'bool' | 'ms' | 'micros' | 'json';

/**
 * Encodings whose column may travel as one scalar parameter when every row of a batch holds the
 * same value (an attempt number, a status, a zero bucket, a flag, a cost): its array is then `{}`
 * and the statement reads `coalesce(c<n>, scalar)`. A column of another encoding always differs
 * from row to row (ids, times) or is a `dict` (which has its own way: see `UsageBuffer.params`).
 */
export const scalarEncodings: ReadonlySet<Encoding> = new Set(['number', 'bool', 'micros', 'token']);
type Field = (row: UsageRowInsert) => string | number | boolean | Date | Record<string, unknown> | null;

/** The columns, their types and encodings, in the order of the parameters. */
export const usageColumns: readonly (readonly [string, string, Encoding, Field])[] = [
  ['request_id', 'text', 'text', (r) => r.requestId], ['attempt', 'int4', 'number', (r) => r.attempt],
  ['started_at', 'timestamptz', 'ms', (r) => r.startedAt], ['ended_at', 'timestamptz', 'ms', (r) => r.endedAt],
  ['project_id', 'uuid', 'dict', (r) => r.projectId], ['api_key_id', 'uuid', 'dict', (r) => r.apiKeyId],
  ['requested_model', 'text', 'dict', (r) => r.requestedModel], ['model_id', 'uuid', 'dict', (r) => r.modelId],
  ['model_name', 'text', 'dict', (r) => r.modelName], ['provider_id', 'uuid', 'dict', (r) => r.providerId],
  ['provider_name', 'text', 'dict', (r) => r.providerName], ['vendor_model_id', 'text', 'dict', (r) => r.vendorModelId],
  ['endpoint', 'text', 'dict', (r) => r.endpoint], ['streamed', 'bool', 'bool', (r) => r.streamed],
  ['status', 'int4', 'number', (r) => r.status], ['error_code', 'text', 'dict', (r) => r.errorCode],
  ['incomplete', 'bool', 'bool', (r) => r.incomplete], ['overhead_ms', 'float4', 'micros', (r) => r.overheadMs],
  ['upstream_ms', 'float4', 'micros', (r) => r.upstreamMs], ['ttft_ms', 'float4', 'micros', (r) => r.ttftMs],
  ['input_tokens', 'int8', 'number', (r) => r.inputTokens], ['cached_input_tokens', 'int8', 'number', (r) => r.cachedInputTokens],
  ['cache_write_5m_tokens', 'int8', 'number', (r) => r.cacheWrite5mTokens], ['cache_write_1h_tokens', 'int8', 'number', (r) => r.cacheWrite1hTokens],
  ['output_tokens', 'int8', 'number', (r) => r.outputTokens], ['reasoning_tokens', 'int8', 'number', (r) => r.reasoningTokens],
  ['usage_source', 'text', 'dict', (r) => r.usageSource], ['raw_usage', 'jsonb', 'json', (r) => r.rawUsage],
  ['price_id', 'int8', 'dict', (r) => r.priceId], ['provider_price_id', 'int8', 'dict', (r) => r.providerPriceId],
  ['cost_usd', 'numeric', 'token', (r) => r.costUsd], ['route_name', 'text', 'dict', (r) => r.routeName],
  ['route_version', 'int8', 'number', (r) => r.routeVersion], ['arm', 'text', 'dict', (r) => r.arm],
  ['served_arm', 'text', 'dict', (r) => r.servedArm], ['fallback', 'bool', 'bool', (r) => r.fallback],
];
