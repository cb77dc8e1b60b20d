/**
 * The configuration history (`switchboard_config_history`): keyset pages, one entry, the latest
 * entry of a row, and the generic inverse writes a revert applies. Table and column names are
 * checked against the catalog and quoted before they reach SQL; values travel as parameters.
 *
 * @module
 */
import type { Queryable, SqlParam } from '../db.js';

/** One recorded change. */
export interface HistoryEntry {
  id: string;
  changed_at: Date;
  table: string;
  row_id: string;
  op: 'insert' | 'update' | 'delete';
  actor: 'admin-api' | 'cli' | 'sql';
  db_user: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface HistoryFilters {
  table?: string;
  actor?: string;
  row?: string;
  since?: Date;
  until?: Date;
  /** Entries with an id below this one (the keyset cursor). */
  before?: string;
  limit: number;
}

const columns = `h.id::text as id, changed_at, table_name as "table", row_id, op, actor, db_user, before, after`;

/** Newest first; `limit` entries at most. */
export async function selectHistory(db: Queryable, filters: HistoryFilters): Promise<HistoryEntry[]> {
  const params: SqlParam[] = [];
  const where: string[] = [];
  const add = (condition: (placeholder: string) => string, value: SqlParam): void => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (filters.table !== undefined) add((p) => `table_name = ${p}`, filters.table);
  if (filters.actor !== undefined) add((p) => `actor = ${p}`, filters.actor);
  if (filters.row !== undefined) add((p) => `row_id = ${p}`, filters.row);
  if (filters.since !== undefined) add((p) => `changed_at >= ${p}::timestamptz`, filters.since);
  if (filters.until !== undefined) add((p) => `changed_at < ${p}::timestamptz`, filters.until);
  if (filters.before !== undefined) add((p) => `h.id < ${p}::bigint`, filters.before);
  params.push(filters.limit);
  const result = await db.query<HistoryEntry>(
    `select ${columns} from public.switchboard_config_history h
      ${where.length === 0 ? '' : `where ${where.join(' and ')}`}
      order by h.id desc limit $${params.length}`,
    params,
  );
  return result.rows;
}

export async function selectHistoryEntry(db: Queryable, id: string): Promise<HistoryEntry | undefined> {
  const result = await db.query<HistoryEntry>(`select ${columns} from public.switchboard_config_history h where h.id = $1::bigint`, [id]);
  return result.rows[0];
}

/** The newest entry of one row (the revert's "changed since?" check, and the change it recorded). */
export async function selectLatestEntryOfRow(db: Queryable, table: string, rowId: string): Promise<HistoryEntry | undefined> {
  const result = await db.query<HistoryEntry>(
    `select ${columns} from public.switchboard_config_history h where h.table_name = $1 and h.row_id = $2 order by h.id desc limit 1`,
    [table, rowId],
  );
  return result.rows[0];
}

/** How a tracked table names its rows: its key column (from the history trigger's argument). */
export interface TrackedTable {
  /** `public."name"`, quoted. */
  qualified: string;
  keyColumn: string;
  /** Every column of the table, with whether it is generated (never written). */
  columns: Map<string, { generated: boolean; identityAlways: boolean }>;
}

/** The table if it exists in schema public and carries the history trigger; undefined otherwise. */
export async function selectTrackedTable(db: Queryable, table: string): Promise<TrackedTable | undefined> {
  const trigger = await db.query<{ args: string }>(
    `select encode(t.tgargs, 'escape') as args
       from pg_catalog.pg_trigger t join pg_catalog.pg_class c on c.oid = t.tgrelid
      where c.relnamespace = 'public'::regnamespace and c.relname = $1 and t.tgname = '_800_config_history'`,
    [table],
  );
  const args = trigger.rows[0]?.args;
  if (args === undefined) return undefined;
  // tgargs: each argument followed by a NUL byte (shown as \000 by the escape encoding).
  const keyColumn = args.split('\\000')[0] ?? 'id';
  const result = await db.query<{ name: string; generated: boolean; identity_always: boolean }>(
    `select attname as name, attgenerated <> '' as generated, attidentity = 'a' as identity_always
       from pg_catalog.pg_attribute where attrelid = ('public.' || quote_ident($1))::regclass and attnum > 0 and not attisdropped`,
    [table],
  );
  return {
    qualified: `public.${quoteIdent(table)}`,
    keyColumn,
    columns: new Map(result.rows.map((row) => [row.name, { generated: row.generated, identityAlways: row.identity_always }])),
  };
}

/** The row now, as jsonb (undefined when it is gone); locks it for the rest of the transaction. */
export async function selectRowImage(tx: Queryable, table: TrackedTable, rowId: string): Promise<Record<string, unknown> | undefined> {
  const result = await tx.query<{ image: Record<string, unknown> }>(
    `select to_jsonb(t) as image from ${table.qualified} t where ${quoteIdent(table.keyColumn)}::text = $1 for update`,
    [rowId],
  );
  return result.rows[0]?.image;
}

export async function deleteTrackedRow(tx: Queryable, table: TrackedTable, rowId: string): Promise<number> {
  const result = await tx.query(`delete from ${table.qualified} where ${quoteIdent(table.keyColumn)}::text = $1`, [rowId]);
  return result.rowCount;
}

/** Inserts `image` (its writable columns) as a row of the table. */
export async function insertTrackedRow(tx: Queryable, table: TrackedTable, image: Record<string, unknown>): Promise<void> {
  const names = writableColumns(table, Object.keys(image));
  const list = names.map(quoteIdent).join(', ');
  const overriding = names.some((name) => table.columns.get(name)?.identityAlways) ? 'overriding system value' : '';
  await tx.query(
    `insert into ${table.qualified} (${list}) ${overriding} select ${list} from jsonb_populate_record(null::${table.qualified}, $1::jsonb)`,
    [JSON.stringify(image)],
  );
}

/** Sets the named columns of the row to their values in `image`. */
export async function updateTrackedRow(tx: Queryable, table: TrackedTable, rowId: string, image: Record<string, unknown>, names: readonly string[]): Promise<number> {
  const writable = writableColumns(table, names);
  if (writable.length === 0) return 0;
  const list = writable.map(quoteIdent).join(', ');
  const result = await tx.query(
    `update ${table.qualified} set (${list}) = (select ${list} from jsonb_populate_record(null::${table.qualified}, $1::jsonb))
      where ${quoteIdent(table.keyColumn)}::text = $2`,
    [JSON.stringify(image), rowId],
  );
  return result.rowCount;
}

function writableColumns(table: TrackedTable, names: readonly string[]): string[] {
  return names.filter((name) => {
    const column = table.columns.get(name);
    return column !== undefined && !column.generated;
  });
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
