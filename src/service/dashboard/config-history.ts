/**
 * The configuration history of the dashboard: keyset pages of recorded changes, and the revert of
 * one change, which applies its inverse as a new change (insert → delete, delete → re-insert the
 * row as it was, update → the changed columns back to their old values).
 *
 * A revert is refused (409, saying why) when the row changed since, is already gone or exists
 * again, when the history never kept what the inverse needs (a credential's secret, a key's hash),
 * or when the database refuses it (a foreign key that no longer exists, a name taken since).
 *
 * @module
 */
import type { Db, Queryable } from '../../db/db.js';
import {
  deleteTrackedRow, insertTrackedRow, selectHistory, selectHistoryEntry, selectLatestEntryOfRow, selectRowImage, selectTrackedTable, updateTrackedRow,
  type HistoryEntry, type TrackedTable,
} from '../../db/sql/config-history.js';
import { SwitchboardError } from '../../errors.js';
import { parseUsageTime } from '../../usage/reports/usage-query.js';
import { readEnum, readLimit, readParams } from './query-params.js';

export interface HistoryPage {
  data: HistoryEntry[];
  /** The cursor of the next (older) page, or null when this is the last. */
  next_before: string | null;
}

const ACTORS = ['admin-api', 'cli', 'sql'] as const;
const idPattern = /^[1-9]\d{0,17}$/;

/** `GET /history?table=&actor=&row=&since=&until=&before=&limit=` */
export async function listHistory(db: Db, params: Iterable<[string, string]>, now = new Date()): Promise<HistoryPage> {
  const seen = readParams(params, ['table', 'actor', 'row', 'since', 'until', 'before', 'limit']);
  const limit = readLimit(seen.get('limit'), 50, 200);
  const before = seen.get('before');
  if (before !== undefined && !idPattern.test(before)) throw new SwitchboardError('invalid_request', 'before must be a history id', { param: 'before' });
  const table = seen.get('table');
  if (table !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new SwitchboardError('invalid_request', 'table must be a table name', { param: 'table' });
  const since = seen.get('since');
  const until = seen.get('until');
  const actor = readEnum(seen.get('actor'), 'actor', ACTORS);
  const row = seen.get('row');
  const data = await selectHistory(db, {
    limit,
    ...(table === undefined ? {} : { table }),
    ...(actor === undefined ? {} : { actor }),
    ...(row === undefined ? {} : { row }),
    ...(since === undefined ? {} : { since: parseUsageTime(since, 'since', now) }),
    ...(until === undefined ? {} : { until: parseUsageTime(until, 'until', now) }),
    ...(before === undefined ? {} : { before }),
  });
  return { data, next_before: data.length === limit ? (data[data.length - 1]?.id ?? null) : null };
}

/** What the history cannot give back, by table (secrets are never recorded). */
const notKept: Record<string, string> = {
  ai_provider_credentials: "the history never keeps a credential's secret: store the credential again (PUT /admin/v1/projects/{name}/credentials/{provider})",
  api_keys: "the history never keeps a key's hash: create a new key (POST /admin/v1/api-keys)",
};

/**
 * Reverts change `id` in one transaction on `db` (which declares the admin actor), and returns
 * the change the revert recorded.
 */
export async function revertChange(db: Db, id: string): Promise<{ reverted: string; change: HistoryEntry }> {
  if (!idPattern.test(id)) throw new SwitchboardError('not_found', `No history entry with id '${id.slice(0, 40)}'`);
  const entry = await selectHistoryEntry(db, id);
  if (!entry) throw new SwitchboardError('not_found', `No history entry with id '${id}'`);
  const table = await selectTrackedTable(db, entry.table);
  if (!table) throw conflict(entry, `table ${entry.table} is no longer tracked`);
  try {
    const change = await db.transaction(async (tx) => {
      const current = await selectRowImage(tx, table, entry.row_id);
      const latest = await selectLatestEntryOfRow(tx, entry.table, entry.row_id);
      if (latest && latest.id !== entry.id) {
        throw conflict(entry, `the row changed since (change ${latest.id}, ${latest.op} by ${latest.actor}); revert the newer changes first`);
      }
      await applyInverse(tx, table, entry, current);
      const recorded = await selectLatestEntryOfRow(tx, entry.table, entry.row_id);
      if (!recorded || recorded.id === entry.id) throw conflict(entry, 'the inverse changed nothing the history records');
      return recorded;
    });
    return { reverted: entry.id, change };
  } catch (error) {
    if (SwitchboardError.isInstance(error) && error.code === 'conflict' && !error.message.startsWith('Cannot revert')) {
      throw conflict(entry, `the database refused it: ${error.message}`);
    }
    throw error;
  }
}

async function applyInverse(tx: Queryable, table: TrackedTable, entry: HistoryEntry, current: Record<string, unknown> | undefined): Promise<void> {
  switch (entry.op) {
    case 'insert':
      if (!current) throw conflict(entry, 'the row is already gone');
      await deleteTrackedRow(tx, table, entry.row_id);
      return;
    case 'delete': {
      if (current) throw conflict(entry, 'a row with that id exists again');
      const reason = notKept[entry.table];
      if (reason) throw conflict(entry, reason);
      await insertTrackedRow(tx, table, entry.before ?? {});
      return;
    }
    case 'update': {
      if (!current) throw conflict(entry, 'the row is gone');
      const before = entry.before ?? {};
      const after = entry.after ?? {};
      const changed = Object.keys(before).filter((name) => name !== 'updated_at' && JSON.stringify(before[name]) !== JSON.stringify(after[name]));
      // A generated column (a credential's fingerprint) changed: its source, unkept, changed with it.
      if (changed.some((name) => table.columns.get(name)?.generated)) throw conflict(entry, notKept[entry.table] ?? 'a column the history does not keep changed');
      if (changed.length === 0) throw conflict(entry, 'the change changed nothing the history keeps');
      await updateTrackedRow(tx, table, entry.row_id, before, changed);
      return;
    }
  }
}

function conflict(entry: HistoryEntry, reason: string): SwitchboardError {
  return new SwitchboardError('conflict', `Cannot revert change ${entry.id} (${entry.op} of ${entry.table} ${entry.row_id}): ${reason}`, { isRetryable: false });
}
