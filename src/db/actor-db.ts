import type { Db } from './db.js';

/** Who writes configuration, as the config history records it (`switchboard.actor`). */
export type ConfigActor = 'admin-api' | 'cli';

const readOnly = /^\s*select\b/i;

/**
 * `db` with every write statement and every transaction run in a transaction that first declares
 * `actor` (`set_config('switchboard.actor', actor, true)`), so the config history trigger records
 * who wrote. Plain `select`s and `exec` scripts pass through unchanged (a script may hold its own
 * transaction control; what it writes is recorded as 'sql').
 */
export function actorDb(db: Db, actor: ConfigActor): Db {
  const declare = `select set_config('switchboard.actor', '${actor === 'cli' ? 'cli' : 'admin-api'}', true)`;
  return {
    kind: db.kind,
    query: (sql, params) =>
      readOnly.test(sql)
        ? db.query(sql, params)
        : db.transaction(async (tx) => {
            await tx.query(declare);
            return tx.query(sql, params);
          }),
    exec: (sql) => db.exec(sql),
    transaction: (work) =>
      db.transaction(async (tx) => {
        await tx.query(declare);
        return work(tx);
      }),
    listen: (channel, handler, onLost) => db.listen(channel, handler, onLost),
    close: () => db.close(),
  };
}
