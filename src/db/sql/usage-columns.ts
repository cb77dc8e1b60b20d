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
  /** Epoch milliseconds. */
  startedAtMs: number;
  /** Epoch milliseconds. */
  endedAtMs: number;
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
  /** Server-side web searches the vendor billed per search (0 for none). */
  webSearchCalls: number;
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
 * `number`, `bool`, `ms` (epoch milliseconds, sent as the offset from the batch's first
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
/** The columns, their types, encodings and the row's field, in the order of the parameters. */
export const usageColumns: readonly (readonly [string, string, Encoding, keyof UsageRowInsert])[] = [
  ['request_id', 'text', 'text', 'requestId'], ['attempt', 'int4', 'number', 'attempt'],
  ['started_at', 'timestamptz', 'ms', 'startedAtMs'], ['ended_at', 'timestamptz', 'ms', 'endedAtMs'],
  ['project_id', 'uuid', 'dict', 'projectId'], ['api_key_id', 'uuid', 'dict', 'apiKeyId'],
  ['requested_model', 'text', 'dict', 'requestedModel'], ['model_id', 'uuid', 'dict', 'modelId'],
  ['model_name', 'text', 'dict', 'modelName'], ['provider_id', 'uuid', 'dict', 'providerId'],
  ['provider_name', 'text', 'dict', 'providerName'], ['vendor_model_id', 'text', 'dict', 'vendorModelId'],
  ['endpoint', 'text', 'dict', 'endpoint'], ['streamed', 'bool', 'bool', 'streamed'],
  ['status', 'int4', 'number', 'status'], ['error_code', 'text', 'dict', 'errorCode'],
  ['incomplete', 'bool', 'bool', 'incomplete'], ['overhead_ms', 'float4', 'micros', 'overheadMs'],
  ['upstream_ms', 'float4', 'micros', 'upstreamMs'], ['ttft_ms', 'float4', 'micros', 'ttftMs'],
  ['input_tokens', 'int8', 'number', 'inputTokens'], ['cached_input_tokens', 'int8', 'number', 'cachedInputTokens'],
  ['cache_write_5m_tokens', 'int8', 'number', 'cacheWrite5mTokens'], ['cache_write_1h_tokens', 'int8', 'number', 'cacheWrite1hTokens'],
  ['output_tokens', 'int8', 'number', 'outputTokens'], ['reasoning_tokens', 'int8', 'number', 'reasoningTokens'],
  ['usage_source', 'text', 'dict', 'usageSource'], ['raw_usage', 'jsonb', 'json', 'rawUsage'],
  ['price_id', 'int8', 'dict', 'priceId'], ['provider_price_id', 'int8', 'dict', 'providerPriceId'],
  ['cost_usd', 'numeric', 'token', 'costUsd'], ['route_name', 'text', 'dict', 'routeName'],
  ['route_version', 'int8', 'number', 'routeVersion'], ['arm', 'text', 'dict', 'arm'],
  ['served_arm', 'text', 'dict', 'servedArm'], ['fallback', 'bool', 'bool', 'fallback'],
  ['web_search_calls', 'int4', 'number', 'webSearchCalls'],
];
