import type { Queryable } from '../db.js';

/** The advisory lock key of the usage retention job (one instance deletes at a time). */
export const USAGE_RETENTION_LOCK = 7206531188202701;

/**
 * Deletes at most `limit` ledger detail rows that started before `cutoff`, in the caller's
 * transaction, only if this transaction gets the retention advisory lock. Returns the number of
 * rows deleted, or `undefined` when another session holds the lock. Rollups are not touched (their
 * trigger fires on insert only).
 */
export async function deleteUsageBatch(tx: Queryable, cutoff: Date, limit: number): Promise<number | undefined> {
  const lock = await tx.query<{ locked: boolean }>(`select pg_try_advisory_xact_lock($1::bigint) as locked`, [String(USAGE_RETENTION_LOCK)]);
  if (lock.rows[0]?.locked !== true) return undefined;
  // No `order by`: the oldest rows sit at the start of the heap, so the scan stops early.
  const result = await tx.query(
    `delete from public.ai_usage where id in (select id from public.ai_usage where started_at < $1 limit $2)`,
    [cutoff, limit],
  );
  return result.rowCount;
}
