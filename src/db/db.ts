/**
 * The database seam: one small interface with two adapters (embedded PGlite and real Postgres).
 * Everything above `src/db` talks to a `Db`, never to a driver.
 *
 * Both adapters return the same JS values for the same query, because both parse with node-postgres'
 * text parsers (`type-parsers.ts`; tested in test/db/value-parity.test.ts):
 * - `int8`/`bigint` (and `count(*)`) → string (no silent precision loss); `int2`/`int4`,
 *   `float4`/`float8`, `oid` → number; `numeric` and `numeric[]` → strings; `money` → string;
 * - `timestamptz` → `Date`; `timestamp` → `Date` read in the process time zone; `date` → the
 *   string `'YYYY-MM-DD'` (never shifted by time zones); `interval` → node-postgres' interval object;
 * - `uuid`, `text` → string; `bool` → boolean; `json`/`jsonb` → the parsed value; `bytea` → `Buffer`;
 * - arrays → JS arrays of the above (types node-postgres does not parse, e.g. `name[]`, stay strings).
 *
 * Parameters: a JS array becomes a Postgres array literal (`$1::text[]`, `= any($1::uuid[])`); a plain
 * object becomes JSON text (write `$1::jsonb`; to send a JSON *array*, pass `JSON.stringify(array)`);
 * a `Date` is sent as an ISO-8601 UTC string; a `Buffer` as `bytea`.
 *
 * `query` runs exactly one statement (PGlite uses the extended protocol); use `exec` for scripts.
 * Inside `transaction`, use only the `tx` it passes: on the embedded database a query on the outer
 * `Db` waits until the transaction ends.
 *
 * @module
 */

/**
 * A value that may be passed as a `$n` parameter: arrays are sent as Postgres arrays, plain objects
 * as JSON text (see the module notes).
 */
export type SqlParam = string | number | boolean | null | Date | Buffer | readonly unknown[] | Record<string, unknown>;

/** The result of one statement. */
export interface QueryResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted (or returned by a select). */
  rowCount: number;
}

/**
 * Per-statement options. `timeoutMs`: on Postgres, a statement with no answer after this long fails
 * with `database_unavailable` and its connection is discarded (a connection dropped silently by the
 * network would otherwise hang until the kernel gives up, about 15 minutes). The wait for a free
 * pool connection counts: on the `Db` itself the wait and the statement share the bound; a
 * transaction waits at most that long for its connection. The embedded database ignores it.
 */
export interface QueryOptions {
  timeoutMs?: number;
}

/** Anything that runs SQL: the database itself, or an open transaction. */
export interface Queryable {
  /**
   * Runs one statement with `$1…$n` parameters. Rows are typed by the caller: parse anything that
   * came from user-editable columns (jsonb) before trusting it. Failures throw `DatabaseError` with
   * a code mapped from the SQLSTATE (`23505` → `conflict`, …).
   */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<QueryResult<Row>>;
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
   * throws (and rethrows the work's own error unchanged). If a statement failed inside, even one
   * `work` caught, the commit throws `DatabaseError` with `sqlState` `25P02` on both adapters.
   * `options.timeoutMs` bounds every statement of the transaction (begin, commit and rollback too).
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>, options?: QueryOptions): Promise<T>;
  /**
   * Subscribes to `pg_notify` messages on `channel`. Resolves once listening; the returned function
   * unsubscribes. On Postgres this holds one dedicated connection per Db; when that connection
   * drops, the subscription is gone and `onLost` is called once (the subscriber listens again).
   */
  listen(channel: string, handler: NotificationHandler, onLost?: (error: Error) => void): Promise<() => Promise<void>>;
  /** Closes every connection (and releases the embedded data dir lock). */
  close(): Promise<void>;
}
