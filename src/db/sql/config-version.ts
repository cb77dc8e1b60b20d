import type { Db, QueryOptions, Queryable } from '../db.js';

/** The channel config triggers notify on. Payload: `{"version": n, "table": "<table>"}`. */
export const configChannel = 'switchboard_config';

/**
 * Runs `work` in one read-only transaction that sees one state of the database: REPEATABLE READ, so
 * every statement reads what was committed before the first one, whatever commits meanwhile. (The
 * embedded database is one connection, which a transaction holds: no other write runs during it.)
 * Use only `tx` inside: on the embedded database a query on `db` would wait for the transaction.
 */
export function readConsistently<T>(db: Db, work: (tx: Queryable) => Promise<T>, options?: QueryOptions): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    return work(oneAtATime(tx));
  }, options);
}

/**
 * `tx` with its statements sent one after the other: the loaders read parts with `Promise.all`,
 * which on a pool runs them side by side, but one connection takes one statement at a time (pg
 * deprecates queueing them on the client).
 */
function oneAtATime(tx: Queryable): Queryable {
  let last: Promise<unknown> = Promise.resolve();
  const next = <R>(run: () => Promise<R>): Promise<R> => {
    const result = last.then(run);
    last = result.catch(() => undefined);
    return result;
  };
  return {
    query: (sql, params) => next(() => tx.query(sql, params)),
    exec: (sql) => next(() => tx.exec(sql)),
  };
}

/** The current configuration version (bumped by every config write). */
export async function selectConfigVersion(db: Queryable): Promise<number> {
  const result = await db.query<{ version: string | number }>('select version from public.switchboard_config_version where id');
  return Number(result.rows[0]?.version ?? 0);
}

/** The version row: the current version and, per config table, the version of its last change. */
export interface ConfigVersionState {
  /** 0 when the row cannot be read (row-level security, a missing grant). */
  version: number;
  /** Undefined on a database without the column (before migration 20261206120000). */
  tableVersions: ReadonlyMap<string, number> | undefined;
}

/**
 * Reads the version row in one statement. The whole-row `to_jsonb` keeps this working on a database
 * not yet migrated to per-table versions (a gateway started with `--no-migrate` during an upgrade).
 */
export async function selectConfigState(db: Queryable, options?: QueryOptions): Promise<ConfigVersionState> {
  const result = await db.query<{ version: string | number; table_versions: unknown }>(
    `select version, to_jsonb(v) -> 'table_versions' as table_versions from public.switchboard_config_version v where id`,
    undefined,
    options,
  );
  const row = result.rows[0];
  if (row === undefined) return { version: 0, tableVersions: undefined };
  return { version: Number(row.version), tableVersions: parseTableVersions(row.table_versions) };
}

function parseTableVersions(value: unknown): Map<string, number> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const versions = new Map<string, number>();
  for (const [table, version] of Object.entries(value)) {
    if (typeof version === 'number' && Number.isFinite(version)) versions.set(table, version);
  }
  return versions;
}
