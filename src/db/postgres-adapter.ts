import pg from 'pg';
import { DatabaseError, errorMessage, SwitchboardError } from '../errors.js';
import type { Db, NotificationHandler, QueryOptions, QueryResult, Queryable, SqlParam } from './db.js';
import { abortedTransaction, checkChannelName, mapDatabaseError } from './map-database-error.js';
import { acquireClient } from './pool-acquire.js';
import { toDriverParams } from './sql-params.js';
import { pgCustomTypes } from './type-parsers.js';

export interface PostgresDbOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). */
  url: string;
  /** Pool size (default 10). */
  max?: number;
  /**
   * The longest wait for a connection, ms (default 10,000): when every connection is busy, or a new
   * one does not connect; then `database_unavailable`. A `timeoutMs` shorter than this bounds the wait too.
   */
  connectTimeoutMs?: number;
  /** Called when the dedicated LISTEN connection fails; the next `listen` opens a new one. */
  onListenError?: (error: Error) => void;
}

interface PgRunner {
  query(sql: string | pg.QueryConfig, params?: unknown[]): Promise<pg.QueryResult>;
}

/**
 * Connects a pool to Postgres and checks the server answers. A malformed URL or an unreachable
 * server throws `database_unavailable` with a one-line message that never contains the password.
 */
export async function openPostgresDb(options: PostgresDbOptions): Promise<Db> {
  const where = describeUrl(options.url);
  // TCP keepalive: a connection the network dropped silently (idle, as the LISTEN one mostly is) is
  // found dead by the kernel instead of never.
  const pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 10, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000, types: pgCustomTypes, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  // An idle client losing its connection emits 'error' on the pool; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unavailable(where, error);
  }

  const listeners = new Map<string, Set<NotificationHandler>>();
  const lostHandlers = new Set<(error: Error) => void>();
  let listenClient: Promise<pg.Client> | undefined;

  // The connection and every subscription on it are gone: tell the subscribers, who re-listen.
  const listenerLost = (client: pg.Client, error: Error): void => {
    if (listenClient === undefined) return;
    listenClient = undefined;
    listeners.clear();
    client.end().catch(() => undefined);
    options.onListenError?.(error);
    const handlers = [...lostHandlers];
    lostHandlers.clear();
    for (const handler of handlers) handler(error);
  };

  const connectListener = (): Promise<pg.Client> => {
    listenClient ??= (async () => {
      const client = new pg.Client({ connectionString: options.url, types: pgCustomTypes, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
      client.on('notification', (message) => {
        for (const handler of listeners.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      client.on('error', (error) => listenerLost(client, error));
      client.on('end', () => listenerLost(client, new Error('the LISTEN connection was closed')));
      try {
        await client.connect();
      } catch (error) {
        listenClient = undefined;
        throw unavailable(where, error);
      }
      return client;
    })();
    return listenClient;
  };

  const root = wrap(pool);
  return {
    kind: 'postgres',
    // A bounded statement's deadline covers the wait for a connection, then the statement.
    query: (sql, params, options) => (options?.timeoutMs ? boundedQuery(pool, sql, params, options.timeoutMs) : root.query(sql, params)),
    exec: root.exec,
    async transaction<T>(work: (tx: Queryable) => Promise<T>, options?: QueryOptions): Promise<T> {
      const client = await acquireClient(pool, options?.timeoutMs);
      let broken = false;
      // pg-pool listens for errors on idle clients only: a checked-out client whose connection is
      // lost (a failover, a restart, pg_terminate_backend) emits 'error' with no listener, which
      // crashed the process. The statement in flight fails on its own; the client is discarded.
      const onLost = (): void => {
        broken = true;
      };
      client.on('error', onLost);
      // Every statement bounded (a silently dropped connection would hang the transaction, and hold
      // its client, until the kernel gives up); a timed-out client is discarded below.
      const runner: PgRunner = options?.timeoutMs ? boundedRunner(client, options.timeoutMs) : client;
      const tx = wrap(runner, options?.timeoutMs);
      try {
        await tx.query('begin');
        const result = await work(tx);
        let committed: pg.QueryResult;
        try {
          committed = await runner.query('commit');
        } catch (error) {
          throw mapQueryError(error, options?.timeoutMs);
        }
        // COMMIT of a transaction aborted by a failed statement the work caught answers ROLLBACK;
        // fail like PGlite does instead of pretending the writes were kept.
        if (committed.command === 'ROLLBACK') throw abortedTransaction();
        return result;
      } catch (error) {
        // The work's own error is rethrown as is (driver errors are already mapped by `tx`).
        try {
          await runner.query('rollback');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        client.release(broken);
        // A discarded client may still report its end: keep the listener on it.
        if (!broken) client.removeListener('error', onLost);
      }
    },
    async listen(channel: string, handler: NotificationHandler, onLost?: (error: Error) => void) {
      checkChannelName(channel);
      const client = await connectListener();
      if (onLost) lostHandlers.add(onLost);
      let handlers = listeners.get(channel);
      if (handlers === undefined) {
        handlers = new Set();
        listeners.set(channel, handlers);
        try {
          await client.query(`listen ${quoteIdentifier(channel)}`);
        } catch (error) {
          listeners.delete(channel);
          throw mapDatabaseError(error);
        }
      }
      handlers.add(handler);
      const subscribed = handlers;
      return async () => {
        if (onLost) lostHandlers.delete(onLost);
        subscribed.delete(handler);
        if (subscribed.size > 0 || listeners.get(channel) !== subscribed) return;
        listeners.delete(channel);
        const current = listenClient === undefined ? undefined : await listenClient.catch(() => undefined);
        await current?.query(`unlisten ${quoteIdentifier(channel)}`).catch(() => undefined);
      };
    },
    async close() {
      const client = listenClient === undefined ? undefined : await listenClient.catch(() => undefined);
      listenClient = undefined;
      listeners.clear();
      lostHandlers.clear();
      await client?.end().catch(() => undefined);
      await pool.end();
    },
  };
}

/**
 * One statement on a connection of its own, the wait for that connection and the statement
 * together bounded by `timeoutMs`; a connection that timed out or was lost is discarded.
 */
async function boundedQuery<Row>(pool: pg.Pool, sql: string, params: readonly SqlParam[] | undefined, timeoutMs: number): Promise<QueryResult<Row>> {
  const started = performance.now();
  const client = await acquireClient(pool, timeoutMs);
  let broken = false;
  const onLost = (): void => {
    broken = true;
  };
  client.on('error', onLost);
  try {
    const left = Math.max(1, Math.round(timeoutMs - (performance.now() - started)));
    return await wrap(client).query<Row>(sql, params, { timeoutMs: left });
  } catch (error) {
    if (SwitchboardError.isInstance(error) && error.code === 'database_unavailable') broken = true;
    throw error;
  } finally {
    client.release(broken);
    if (!broken) client.removeListener('error', onLost);
  }
}

/** `client` with `query_timeout` on every statement (pg fails a statement unanswered after it). */
function boundedRunner(client: pg.PoolClient, timeoutMs: number): PgRunner {
  return {
    query: (sql, params) => client.query(typeof sql === 'string' ? { text: sql, values: params, query_timeout: timeoutMs } as pg.QueryConfig : { ...sql, query_timeout: timeoutMs } as pg.QueryConfig),
  };
}

/**
 * `mapDatabaseError`, and a statement pg failed after `query_timeout` (a plain Error, no code) as
 * `database_unavailable`: the database did not answer, which is a 503 to a client, not a 500.
 */
function mapQueryError(error: unknown, timeoutMs: number | undefined): SwitchboardError {
  if (timeoutMs !== undefined && error instanceof Error && !('code' in error) && error.message === 'Query read timeout') {
    return new DatabaseError('database_unavailable', `database unavailable: no answer within ${timeoutMs} ms`, { isRetryable: true, cause: error });
  }
  return mapDatabaseError(error);
}

function wrap(runner: PgRunner, boundMs?: number): Queryable {
  return {
    async query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<QueryResult<Row>> {
      try {
        // Always the extended protocol, as PGlite: one statement per query (without parameters pg would
        // use the simple protocol, run every statement of "a; b" and answer an array of results).
        // `queryMode` is pg >= 8.11; @types/pg does not declare it yet.
        const config: pg.QueryConfig & { queryMode: 'extended'; query_timeout?: number } = { text: sql, values: toDriverParams(params), queryMode: 'extended' };
        if (options?.timeoutMs) config.query_timeout = options.timeoutMs;
        const result = await runner.query(config);
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        throw mapQueryError(error, options?.timeoutMs ?? boundMs);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await runner.query(sql);
      } catch (error) {
        throw mapQueryError(error, boundMs);
      }
    },
  };
}

/** `host:port/database` of a connection URL (never the user's password), or throws for a bad URL. */
export function describeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseError('database_unavailable', 'malformed database URL: expected postgres://user:password@host:port/database', {
      isRetryable: false,
    });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseError('database_unavailable', `malformed database URL: the scheme must be postgres:// or postgresql://, not ${parsed.protocol}//`, {
      isRetryable: false,
    });
  }
  let database: string;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default)';
  } catch {
    throw new DatabaseError('database_unavailable', 'malformed database URL: the database name has a broken %-escape', { isRetryable: false });
  }
  return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`;
}

function unavailable(where: string, error: unknown): DatabaseError {
  const mapped = mapDatabaseError(error);
  const reason = errorMessage(error).split('\n')[0] || 'connection failed';
  return new DatabaseError('database_unavailable', `cannot connect to Postgres at ${where}: ${reason}`, {
    sqlState: mapped instanceof DatabaseError ? mapped.sqlState : undefined,
    cause: error,
  });
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
