/**
 * Settling the rows of a ledger insert that failed without an answer (the connection lost, or no
 * answer within `writeTimeoutMs`): it may have committed all the same.
 *
 * @module
 */
import type { QueryOptions, Queryable } from '../db/db.js';
import type { UsageBuffer } from '../db/sql/usage-buffer.js';
import { readUsageRowFacts, sameUsageRow, usageKey } from '../db/sql/usage.js';

/**
 * Settles the `count` oldest rows of `buffer` with one select of the ledger rows under their keys.
 * A row found there with the same facts was written by the insert that failed (only its
 * acknowledgement was lost): it leaves the buffer. Each stored row vouches for one buffered row at
 * most. The others stay, at the front in order, and are from now on rows like any other (a
 * collision is then a reused request id). Returns the indexes of the rows found, ascending.
 */
export async function settleUnsureRows(db: Queryable, buffer: UsageBuffer, count: number, options: QueryOptions): Promise<number[]> {
  const rows = Array.from({ length: count }, (_, index) => buffer.row(index));
  const stored = await readUsageRowFacts(db, rows, options);
  const found: number[] = [];
  const kept: number[] = [];
  rows.forEach((row, index) => {
    const key = usageKey(row.requestId, row.attempt);
    const facts = stored.get(key);
    if (facts !== undefined && sameUsageRow(facts, row)) {
      stored.delete(key);
      found.push(index);
    } else kept.push(index);
  });
  // The rows kept go to the front, in order (over the found ones), which then leave.
  buffer.moveToEnd(count, kept);
  buffer.shift(found.length);
  return found;
}
