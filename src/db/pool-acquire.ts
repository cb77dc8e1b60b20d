import type pg from 'pg';
import { DatabaseError } from '../errors.js';
import { mapDatabaseError } from './map-database-error.js';

/**
 * A client of `pool`, waiting at most `timeoutMs` when every connection is busy (without it, only
 * the pool's connect timeout bounds the wait). The wait is part of a caller's deadline: a request
 * whose statements are bounded must not wait the pool's 10 s first. A client that arrives after
 * the deadline goes back to the pool. Failures are mapped (`database_unavailable` when none came).
 */
export async function acquireClient(pool: pg.Pool, timeoutMs?: number): Promise<pg.PoolClient> {
  const pending = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const deadline = new Promise<never>((_resolve, reject) => {
    if (!timeoutMs) return;
    timer = setTimeout(() => {
      late = true;
      reject(new DatabaseError('database_unavailable', `database unavailable: no connection free within ${timeoutMs} ms`, { isRetryable: true }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([pending, deadline]);
  } catch (error) {
    if (late) pending.then((client) => client.release(), () => undefined);
    throw mapDatabaseError(error);
  } finally {
    clearTimeout(timer);
  }
}
