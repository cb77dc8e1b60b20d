import type { QueryOptions, Queryable } from '../db.js';
import { UsageBuffer } from './usage-buffer.js';
import { scalarEncodings, usageColumns as columns, type UsageRowInsert } from './usage-columns.js';

export type { UsageRowInsert } from './usage-columns.js';

/** The parameter number of each column's scalar (see `UsageBuffer.params`), after the dictionaries. */
const scalarParameter = new Map<number, number>();
{
  let next = columns.length + 1 + columns.filter(([, , encoding]) => encoding === 'dict').length;
  columns.forEach(([, , encoding], index) => {
    if (scalarEncodings.has(encoding)) scalarParameter.set(index, (next += 1));
  });
}

/** A column as the statement reads it from `unnest` (`c<n>`; `dict` columns index `d<n>`). */
function selected([, type, encoding]: (typeof columns)[number], index: number): string {
  const name = `c${index + 1}`;
  const scalar = scalarParameter.get(index);
  if (encoding === 'dict') return `d.d${index + 1}[coalesce(${name}, 1)]`;
  if (encoding === 'ms') return `to_timestamp(($${columns.length + 1}::float8 + ${name}) / 1000)`;
  if (encoding === 'micros') return `coalesce(${name}, $${String(scalar)}::int8)::float8 / 1000`;
  if (encoding === 'json') return `nullif(${name}, 'null')`;
  return scalar === undefined ? name : `coalesce(${name}, $${String(scalar)}::${type})`;
}

/** The array parameter of a column (`json`: the JSON array, split into `jsonb[]` by the statement). */
function parameter([, type, encoding]: (typeof columns)[number], index: number): string {
  if (encoding === 'ms') return `$${index + 1}::float8[]`;
  if (encoding === 'micros') return `$${index + 1}::int8[]`;
  if (encoding === 'dict') return `$${index + 1}::int4[]`;
  if (encoding === 'json') return `array(select e from jsonb_array_elements($${index + 1}::jsonb) with ordinality as j(e, n) order by n)`;
  return `$${index + 1}::${type}[]`;
}

/** The distinct values of each `dict` column, one row of arrays (`d<n>`), after the times' base. */
function dictionaries(): string {
  let next = columns.length + 1;
  const arrays = columns.flatMap(([, type, encoding], index) => (encoding === 'dict' ? [`$${(next += 1)}::${type}[] as d${index + 1}`] : []));
  return `(select ${arrays.join(',')}) as d`;
}

/**
 * One statement for any number of rows: one array parameter per column, zipped by `unnest`. Its
 * text never changes, so the server parses a short statement and the driver encodes a few dozen
 * strings per batch (not 36 parameters per row).
 */
const insertSql = `insert into public.ai_usage (${columns.map(([name]) => name).join(',')}) select ${columns
  .map(selected)
  .join(',')} from unnest(${columns.map(parameter).join(',')}) as u(${columns.map((_, index) => `c${index + 1}`).join(',')}) cross join ${dictionaries()}`;

/** At most this many rows per statement (bounds the statement's size, about 0.5 KB per row). */
export const maxRowsPerInsert = 1_000;

/** Inserts one batch given as `UsageBuffer.params` (the columns', the times' base, the dictionaries and the scalars; the rollup trigger runs once). */
export async function insertUsageParams(db: Queryable, params: readonly (string | null)[], options?: QueryOptions): Promise<void> {
  await db.query(insertSql, [...params], options);
}

const insertSkippingTakenSql = `${insertSql} on conflict (request_id, attempt) do nothing returning request_id, attempt`;

/**
 * Inserts one batch like `insertUsageParams`, leaving out the rows whose (request_id, attempt) is
 * taken (by an earlier row or an earlier row of the batch); returns the keys it inserted, as
 * `request_id` + space + `attempt`, one entry per row.
 */
export async function insertUsageParamsSkippingTaken(db: Queryable, params: readonly (string | null)[], options?: QueryOptions): Promise<string[]> {
  const result = await db.query<{ request_id: string; attempt: number }>(insertSkippingTakenSql, [...params], options);
  return result.rows.map((row) => usageKey(row.request_id, row.attempt));
}

/** A ledger row's unique key as one string (see insertUsageParamsSkippingTaken). */
export function usageKey(requestId: string, attempt: number): string {
  return `${requestId} ${attempt}`;
}

/** The fields that tell a ledger row from another row under the same (request_id, attempt). */
const factFields = [
  'projectId', 'apiKeyId', 'startedAtMs', 'endedAtMs', 'endpoint', 'status',
  'inputTokens', 'cachedInputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'outputTokens', 'reasoningTokens', 'webSearchCalls',
] as const;

/** A ledger row's identifying facts (see `sameUsageRow`). */
export type UsageRowFacts = Pick<UsageRowInsert, (typeof factFields)[number]>;

interface FactsRow {
  request_id: string;
  attempt: number;
  project_id: string | null;
  api_key_id: string | null;
  started_ms: number;
  ended_ms: number;
  endpoint: UsageRowInsert['endpoint'];
  status: number;
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  web_search_calls: number;
}

const selectFactsSql = `select u.request_id, u.attempt, u.project_id, u.api_key_id,
  (extract(epoch from u.started_at) * 1000)::float8 as started_ms, (extract(epoch from u.ended_at) * 1000)::float8 as ended_ms,
  u.endpoint, u.status, u.input_tokens::float8 as input_tokens, u.cached_input_tokens::float8 as cached_input_tokens,
  u.cache_write_5m_tokens::float8 as cache_write_5m_tokens, u.cache_write_1h_tokens::float8 as cache_write_1h_tokens,
  u.output_tokens::float8 as output_tokens, u.reasoning_tokens::float8 as reasoning_tokens, u.web_search_calls
  from unnest($1::text[], $2::int4[]) as k(request_id, attempt)
  join public.ai_usage u on u.request_id = k.request_id and u.attempt = k.attempt`;

/**
 * The facts of the ledger rows stored under the given keys, in one statement, by `usageKey`
 * (keys without a row are absent).
 */
export async function readUsageRowFacts(
  db: Queryable,
  keys: readonly { requestId: string; attempt: number }[],
  options?: QueryOptions,
): Promise<Map<string, UsageRowFacts>> {
  const unique = new Map(keys.map((key) => [usageKey(key.requestId, key.attempt), key]));
  const requestIds = [...unique.values()].map((key) => key.requestId);
  const attempts = [...unique.values()].map((key) => key.attempt);
  const result = await db.query<FactsRow>(selectFactsSql, [requestIds, attempts], options);
  return new Map(
    result.rows.map((row) => [
      usageKey(row.request_id, row.attempt),
      {
        projectId: row.project_id,
        apiKeyId: row.api_key_id,
        startedAtMs: row.started_ms,
        endedAtMs: row.ended_ms,
        endpoint: row.endpoint,
        status: row.status,
        inputTokens: row.input_tokens,
        cachedInputTokens: row.cached_input_tokens,
        cacheWrite5mTokens: row.cache_write_5m_tokens,
        cacheWrite1hTokens: row.cache_write_1h_tokens,
        outputTokens: row.output_tokens,
        reasoningTokens: row.reasoning_tokens,
        webSearchCalls: row.web_search_calls,
      },
    ]),
  );
}

/**
 * Whether a stored row is `row` itself: the same project, key, times, endpoint, status, token
 * buckets and web searches. Times travel as float8 seconds and are kept to the microsecond, so they are equal
 * within one (whole milliseconds, as the gateway records them, come back exact).
 */
export function sameUsageRow(stored: UsageRowFacts, row: UsageRowFacts): boolean {
  return factFields.every((field) =>
    field === 'startedAtMs' || field === 'endedAtMs' ? Math.abs(stored[field] - row[field]) < 0.001 : stored[field] === row[field],
  );
}

/** Inserts up to `maxRowsPerInsert` ledger rows in one statement. */
export async function insertUsageRows(db: Queryable, rows: readonly UsageRowInsert[]): Promise<void> {
  if (rows.length === 0) return;
  const buffer = new UsageBuffer();
  for (const row of rows) buffer.push(row);
  await insertUsageParams(db, buffer.params(rows.length));
}
