import type { Queryable } from '../db.js';
import { plainArrayLiteral, textArrayLiteral, tokenArrayLiteral } from './array-literal.js';
import { jsonbText } from './jsonb-safe.js';

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
 * `plain` (number or boolean), `ms` (a Date as epoch milliseconds, turned into timestamptz by the
 * statement) and `json` (all rows' objects in one JSON array parameter).
 */
type Encoding = 'text' | 'token' | 'plain' | 'ms' | 'json';
type Pick = (row: UsageRowInsert) => string | number | boolean | Date | Record<string, unknown> | null;

/** The columns, their types and encodings, in the order of the parameters. */
const columns: readonly (readonly [string, string, Encoding, Pick])[] = [
  ['request_id', 'text', 'text', (r) => r.requestId], ['attempt', 'int4', 'plain', (r) => r.attempt],
  ['started_at', 'timestamptz', 'ms', (r) => r.startedAt], ['ended_at', 'timestamptz', 'ms', (r) => r.endedAt],
  ['project_id', 'uuid', 'token', (r) => r.projectId], ['api_key_id', 'uuid', 'token', (r) => r.apiKeyId],
  ['requested_model', 'text', 'text', (r) => r.requestedModel], ['model_id', 'uuid', 'token', (r) => r.modelId],
  ['model_name', 'text', 'text', (r) => r.modelName], ['provider_id', 'uuid', 'token', (r) => r.providerId],
  ['provider_name', 'text', 'text', (r) => r.providerName], ['vendor_model_id', 'text', 'text', (r) => r.vendorModelId],
  ['endpoint', 'text', 'token', (r) => r.endpoint], ['streamed', 'bool', 'plain', (r) => r.streamed],
  ['status', 'int4', 'plain', (r) => r.status], ['error_code', 'text', 'text', (r) => r.errorCode],
  ['incomplete', 'bool', 'plain', (r) => r.incomplete], ['overhead_ms', 'float4', 'plain', (r) => r.overheadMs],
  ['upstream_ms', 'float4', 'plain', (r) => r.upstreamMs], ['ttft_ms', 'float4', 'plain', (r) => r.ttftMs],
  ['input_tokens', 'int8', 'plain', (r) => r.inputTokens], ['cached_input_tokens', 'int8', 'plain', (r) => r.cachedInputTokens],
  ['cache_write_5m_tokens', 'int8', 'plain', (r) => r.cacheWrite5mTokens], ['cache_write_1h_tokens', 'int8', 'plain', (r) => r.cacheWrite1hTokens],
  ['output_tokens', 'int8', 'plain', (r) => r.outputTokens], ['reasoning_tokens', 'int8', 'plain', (r) => r.reasoningTokens],
  ['usage_source', 'text', 'token', (r) => r.usageSource], ['raw_usage', 'jsonb', 'json', (r) => r.rawUsage],
  ['price_id', 'int8', 'token', (r) => r.priceId], ['provider_price_id', 'int8', 'token', (r) => r.providerPriceId],
  ['cost_usd', 'numeric', 'token', (r) => r.costUsd], ['route_name', 'text', 'text', (r) => r.routeName],
  ['route_version', 'int8', 'plain', (r) => r.routeVersion], ['arm', 'text', 'text', (r) => r.arm],
  ['served_arm', 'text', 'text', (r) => r.servedArm], ['fallback', 'bool', 'plain', (r) => r.fallback],
];

/** A column as the statement reads it from `unnest` (`c<n>`). */
function selected([, , encoding]: (typeof columns)[number], index: number): string {
  const name = `c${index + 1}`;
  if (encoding === 'ms') return `to_timestamp(${name} / 1000)`;
  if (encoding === 'json') return `nullif(${name}, 'null')`;
  return name;
}

/** The array parameter of a column (`json`: the JSON array, split into `jsonb[]` by the statement). */
function parameter([, type, encoding]: (typeof columns)[number], index: number): string {
  if (encoding === 'ms') return `$${index + 1}::float8[]`;
  if (encoding === 'json') return `array(select e from jsonb_array_elements($${index + 1}::jsonb) with ordinality as j(e, n) order by n)`;
  return `$${index + 1}::${type}[]`;
}

/**
 * One statement for any number of rows: one array parameter per column, zipped by `unnest`. Its
 * text never changes, so the server parses a short statement and the driver encodes 36 strings
 * per batch (not 36 parameters per row).
 */
const insertSql = `insert into public.ai_usage (${columns.map(([name]) => name).join(',')}) select ${columns
  .map(selected)
  .join(',')} from unnest(${columns.map(parameter).join(',')}) as u(${columns.map((_, index) => `c${index + 1}`).join(',')})`;

/** At most this many rows per statement (bounds the statement's size, about 0.5 KB per row). */
export const maxRowsPerInsert = 1_000;

/** The 36 parameters of `rows`, in the order of `columns`. */
function arrayParams(rows: readonly UsageRowInsert[]): string[] {
  return columns.map(([, , encoding, pick]) => {
    if (encoding === 'json') return jsonbText(rows.map(pick));
    if (encoding === 'ms') return plainArrayLiteral(rows.map((row) => (pick(row) as Date).getTime()));
    if (encoding === 'plain') return plainArrayLiteral(rows.map(pick) as (number | boolean | null)[]);
    if (encoding === 'token') return tokenArrayLiteral(rows.map(pick) as (string | null)[]);
    return textArrayLiteral(rows.map(pick) as (string | null)[]);
  });
}

/** Inserts up to `maxRowsPerInsert` ledger rows in one statement (the rollup trigger runs once). */
export async function insertUsageRows(db: Queryable, rows: readonly UsageRowInsert[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(insertSql, arrayParams(rows));
}
