/**
 * How the usage writer tells a row the database refused from a database that is unavailable, and
 * how it names such a row's request id.
 *
 * @module
 */
import { DatabaseError } from '../errors.js';

/** Characters of a request id kept when it is recorded under a suffixed id (explain matches on them). */
export const KEPT_ID_CHARS = 100;

/**
 * An error about the rows sent, not the database: SQLSTATE class 22 (data exception), 23
 * (integrity: a duplicate key, a foreign key, a check) or 54000 (a value too large for an index: a
 * library caller's request id of thousands of characters). Anything else (unavailable, permission,
 * a missing table) leaves every row waiting.
 */
export function isRowError(error: unknown): boolean {
  if (!(error instanceof DatabaseError)) return false;
  if (error.code === 'conflict') return true;
  const state = error.sqlState ?? '';
  return state.startsWith('22') || state.startsWith('23') || state === '54000';
}

/** A request id for a log line: a library caller's id may be megabytes long. */
export function clipId(requestId: string): string {
  return requestId.length > KEPT_ID_CHARS ? `${requestId.slice(0, KEPT_ID_CHARS)}…` : requestId;
}
