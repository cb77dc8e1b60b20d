import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, NotificationHandler, QueryResult, Queryable, SqlParam } from './db.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { emitDataDirWarning, secureDataDir, tightenDataDir, warnFailures } from './data-dir-permissions.js';
import { checkChannelName, mapDatabaseError } from './map-database-error.js';
import { toDriverParams } from './sql-params.js';
import { pgliteParsers } from './type-parsers.js';

export interface EmbeddedDbOptions {
  /** Directory of the database files (created on first use). Omit for an in-memory database. */
  dataDir?: string;
  /** Starts from a `dumpDataDir()` tarball instead of an empty cluster (fast test clones). */
  loadDataDir?: Blob;
  /**
   * Told when the data dir was group or world accessible before this open, or cannot be made
   * owner-only (default: `process.emitWarning` with code `SWITCHBOARD_DATA_DIR`).
   */
  warn?: (message: string) => void;
}

/** An embedded database; it can also dump itself for cloning. */
export interface EmbeddedDb extends Db {
  readonly kind: 'embedded';
  /** The data directory as a tarball, loadable with `openEmbeddedDb({ loadDataDir })`. */
  dumpDataDir(): Promise<Blob>;
}

interface PGliteQueryable {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount?: number; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

/**
 * Opens PGlite in-process. With a data dir, holds `<dataDir>/switchboard.lock` until `close()`, and
 * keeps the dir owner-only: it warns about (and removes) group or world access found before the
 * open, and removes it again from what PGlite wrote once the open and the close are done.
 */
export async function openEmbeddedDb(options: EmbeddedDbOptions = {}): Promise<EmbeddedDb> {
  const { dataDir } = options;
  const lock: DataDirLock | undefined = dataDir === undefined ? undefined : acquireDataDirLock(dataDir);
  const warn = options.warn ?? emitDataDirWarning;
  // PGlite writes files 0666 and folders 0755 whatever the umask: tighten after it wrote.
  const tightenWritten = (): void => {
    if (dataDir !== undefined) warnFailures(dataDir, tightenDataDir(dataDir), warn);
  };
  let pglite: PGlite;
  try {
    if (dataDir !== undefined) secureDataDir(dataDir, warn);
    pglite = new PGlite({
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
      parsers: pgliteParsers(),
    });
    await pglite.waitReady;
    // PGlite (re)builds its array parsers during start-up: replace its whole table afterwards so
    // every type is parsed exactly as node-postgres parses it.
    Object.assign(pglite.parsers, pgliteParsers(Object.keys(pglite.parsers)));
    tightenWritten();
  } catch (error) {
    lock?.release();
    throw mapDatabaseError(error);
  }
  const root = wrap(pglite);
  return {
    kind: 'embedded',
    query: root.query,
    exec: root.exec,
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      // The work's own error is rethrown as is; only driver errors (begin, commit) are mapped.
      let workError: { error: unknown } | undefined;
      try {
        return await pglite.transaction(async (tx: Transaction) => {
          try {
            return await work(wrap(tx));
          } catch (error) {
            workError = { error };
            throw error;
          }
        });
      } catch (error) {
        if (workError !== undefined && workError.error === error) throw error;
        throw mapDatabaseError(error);
      }
    },
    async listen(channel: string, handler: NotificationHandler) {
      checkChannelName(channel);
      try {
        const unlisten = await pglite.listen(channel, handler);
        return async () => {
          if (!pglite.closed) await unlisten();
        };
      } catch (error) {
        throw mapDatabaseError(error);
      }
    },
    async dumpDataDir() {
      return pglite.dumpDataDir('none');
    },
    async close() {
      try {
        if (!pglite.closed) await pglite.close();
        tightenWritten();
      } finally {
        lock?.release();
      }
    },
  };
}

function wrap(target: PGliteQueryable): Queryable {
  return {
    async query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>> {
      try {
        const result = await target.query<Row>(sql, toDriverParams(params));
        return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
      } catch (error) {
        throw mapDatabaseError(error);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await target.exec(sql);
      } catch (error) {
        throw mapDatabaseError(error);
      }
    },
  };
}
