/**
 * Generic row writes for the admin API and CLI: the table and column names come from code
 * (whitelisted per resource), values always travel as `$n` parameters.
 *
 * @module
 */
import type { Queryable, SqlParam } from '../db.js';

/** How the admin layer describes one table. */
export interface TableSpec {
  table: 'ai_providers' | 'ai_models' | 'projects';
  /** Columns that may be written. */
  writable: readonly string[];
  /** Of those, the jsonb ones (sent as JSON text, cast to jsonb). */
  jsonb: readonly string[];
  /** The select list for reads (column expressions). */
  select: string;
}

function parameterFor(spec: TableSpec, column: string, value: unknown, index: number): { sql: string; param: SqlParam } {
  if (spec.jsonb.includes(column)) return { sql: `$${index}::jsonb`, param: value === null ? null : JSON.stringify(value) };
  return { sql: `$${index}`, param: value as SqlParam };
}

export async function insertRow(db: Queryable, spec: TableSpec, values: Record<string, unknown>): Promise<Record<string, unknown>> {
  const columns = Object.keys(values).filter((column) => spec.writable.includes(column));
  const params: SqlParam[] = [];
  const placeholders = columns.map((column, index) => {
    const { sql, param } = parameterFor(spec, column, values[column], index + 1);
    params.push(param);
    return sql;
  });
  const result = await db.query(
    `insert into public.${spec.table} (${columns.join(', ')}) values (${placeholders.join(', ')}) returning ${spec.select}`,
    params,
  );
  return result.rows[0] as Record<string, unknown>;
}

export async function updateRow(
  db: Queryable,
  spec: TableSpec,
  id: string,
  values: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const columns = Object.keys(values).filter((column) => spec.writable.includes(column));
  if (columns.length === 0) return selectRow(db, spec, id);
  const params: SqlParam[] = [id];
  const assignments = columns.map((column, index) => {
    const { sql, param } = parameterFor(spec, column, values[column], index + 2);
    params.push(param);
    return `${column} = ${sql}`;
  });
  const result = await db.query(`update public.${spec.table} set ${assignments.join(', ')} where id = $1 returning ${spec.select}`, params);
  return result.rows[0];
}

export async function selectRow(db: Queryable, spec: TableSpec, id: string): Promise<Record<string, unknown> | undefined> {
  const result = await db.query(`select ${spec.select} from public.${spec.table} where id = $1`, [id]);
  return result.rows[0];
}

/** Finds a row id by `name` (every admin table has a unique name). */
export async function selectIdByName(db: Queryable, spec: TableSpec, name: string): Promise<string | undefined> {
  const result = await db.query<{ id: string }>(`select id from public.${spec.table} where name = $1`, [name]);
  return result.rows[0]?.id;
}

export async function selectRows(db: Queryable, spec: TableSpec): Promise<Record<string, unknown>[]> {
  const result = await db.query(`select ${spec.select} from public.${spec.table} order by name`);
  return result.rows;
}

export async function deleteRow(db: Queryable, spec: TableSpec, id: string): Promise<boolean> {
  const result = await db.query(`delete from public.${spec.table} where id = $1`, [id]);
  return result.rowCount > 0;
}

/** Names of models that use a provider (what blocks deleting it without cascade). */
export async function selectModelNamesOfProvider(db: Queryable, providerId: string): Promise<string[]> {
  const result = await db.query<{ name: string }>(`select name from public.ai_models where provider_id = $1 order by name`, [providerId]);
  return result.rows.map((row) => row.name);
}

export async function deleteModelsOfProvider(db: Queryable, providerId: string): Promise<number> {
  const result = await db.query(`delete from public.ai_models where provider_id = $1`, [providerId]);
  return result.rowCount;
}
