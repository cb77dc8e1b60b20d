/**
 * A `Db` that sees every statement run through it, on the pool or in a transaction: it records them
 * (with the transaction they ran in) and can interleave another session's commit between two
 * statements of a load, deterministically.
 *
 * @module
 */
import type { Db, QueryResult, Queryable, SqlParam } from '../../src/db/db.js';

export interface Statement {
  sql: string;
  /** The transaction it ran in (1, 2, … in order of `begin`); undefined on the pool. */
  tx: number | undefined;
}

interface Interleave {
  after: RegExp;
  before: RegExp | undefined;
  hook: () => Promise<void>;
  fired: boolean;
  done: Promise<void>;
  resolve: () => void;
}

export interface InstrumentedDb extends Db {
  readonly statements: Statement[];
  /**
   * Once: right after the next statement matching `after` completes, runs `hook` (e.g. a commit on
   * another connection); statements matching `before` wait until it is done. Resolves when it ran.
   */
  interleave(after: RegExp, hook: () => Promise<void>, before?: RegExp): Promise<void>;
}

export function instrumentDb(db: Db): InstrumentedDb {
  const statements: Statement[] = [];
  let pending: Interleave | undefined;
  let transactions = 0;

  const wrap = (target: Queryable, tx: number | undefined): Queryable => ({
    async query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>> {
      const interleave = pending;
      if (interleave && !interleave.fired && interleave.before?.test(sql)) await interleave.done;
      statements.push({ sql, tx });
      const result = await target.query<Row>(sql, params);
      if (interleave && !interleave.fired && interleave.after.test(sql)) {
        interleave.fired = true;
        pending = undefined;
        try {
          await interleave.hook();
        } finally {
          interleave.resolve();
        }
      }
      return result;
    },
    exec: (sql: string) => target.exec(sql),
  });

  const root = wrap(db, undefined);
  return {
    kind: db.kind,
    statements,
    query: root.query,
    exec: root.exec,
    transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction((tx) => work(wrap(tx, ++transactions)));
    },
    listen: (channel, handler, onLost) => db.listen(channel, handler, onLost),
    close: () => db.close(),
    interleave(after, hook, before) {
      let resolve!: () => void;
      const done = new Promise<void>((resolved) => (resolve = resolved));
      pending = { after, before, hook, fired: false, done, resolve };
      return done;
    },
  };
}
