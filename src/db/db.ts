/**
 * The database seam: one small interface with two adapters (embedded PGlite and real Postgres).
 * Everything above `src/db` talks to a `Db`, never to a driver.
 *
 * @module
 */

/** A value that may be passed as a `$n` parameter. Objects and arrays are sent as JSON. */
export type SqlParam = string | number | boolean | null | Date | Buffer | readonly unknown[] | Record<string, unknown>;

/** The result of one statement. */
export interface QueryResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted (or returned by a select). */
  rowCount: number;
}

/** Anything that runs SQL: the database itself, or an open transaction. */
export interface Queryable {
  /**
   * Runs one statement with `$1…$n` parameters. Rows are typed by the caller: parse anything that
   * came from user-editable columns (jsonb) before trusting it. Failures throw `DatabaseError` with
   * a code mapped from the SQLSTATE (`23505` → `conflict`, …).
   */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A notification received on a LISTEN channel. */
export type NotificationHandler = (payload: string) => void;

/** A connected database. */
export interface Db extends Queryable {
  /** `embedded` (PGlite) or `postgres`. */
  readonly kind: 'embedded' | 'postgres';
  /**
   * Runs `work` in a transaction on one connection: commits when it resolves, rolls back when it
   * throws (and rethrows).
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to `pg_notify` messages on `channel`. Resolves once listening; the returned function
   * unsubscribes. On Postgres this holds one dedicated connection per Db.
   */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  /** Closes every connection (and releases the embedded data dir lock). */
  close(): Promise<void>;
}
