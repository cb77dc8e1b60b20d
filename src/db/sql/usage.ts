import type { Queryable } from '../db.js';
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
export async function insertUsageParams(db: Queryable, params: readonly (string | null)[]): Promise<void> {
  await db.query(insertSql, [...params]);
}

const insertSkippingTakenSql = `${insertSql} on conflict (request_id, attempt) do nothing returning request_id, attempt`;

/**
 * Inserts one batch like `insertUsageParams`, leaving out the rows whose (request_id, attempt) is
 * taken (by an earlier row or an earlier row of the batch); returns the keys it inserted, as
 * `request_id` + space + `attempt`, one entry per row.
 */
export async function insertUsageParamsSkippingTaken(db: Queryable, params: readonly (string | null)[]): Promise<string[]> {
  const result = await db.query<{ request_id: string; attempt: number }>(insertSkippingTakenSql, [...params]);
  return result.rows.map((row) => usageKey(row.request_id, row.attempt));
}

/** A ledger row's unique key as one string (see insertUsageParamsSkippingTaken). */
export function usageKey(requestId: string, attempt: number): string {
  return `${requestId} ${attempt}`;
}

/** Inserts up to `maxRowsPerInsert` ledger rows in one statement. */
export async function insertUsageRows(db: Queryable, rows: readonly UsageRowInsert[]): Promise<void> {
  if (rows.length === 0) return;
  const buffer = new UsageBuffer();
  for (const row of rows) buffer.push(row);
  await insertUsageParams(db, buffer.params(rows.length));
}
