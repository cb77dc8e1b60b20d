import { DatabaseError, SwitchboardError } from '../errors.js';

/** The fields both drivers (pg and PGlite) put on a server error, plus Node's socket error code. */
interface DriverErrorFields {
  code?: unknown;
  constraint?: unknown;
  detail?: unknown;
  message?: unknown;
}

const unavailableSocketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300']);
// node-postgres' own errors, plain `Error`s with no code: pg-pool found no free connection, or a
// new one, within its connect timeout; pg's connection ended under a statement.
const unavailableDriverMessages = new Set(['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout', 'Connection terminated unexpectedly']);
// Values the database refuses: check, not null, bad text representation, invalid parameter,
// datetime format and overflow, numeric out of range, string too long, and text Postgres cannot
// hold (22021: a NUL or invalid UTF-8; 22P05: `\u0000` in jsonb).
const invalidInputStates = new Set(['23514', '23502', '22P02', '22023', '22007', '22008', '22003', '22001', '22021', '22P05']);

/**
 * Classifies a driver error by its SQLSTATE (or socket error code) into a typed `DatabaseError`
 * that keeps `sqlState` and `constraint`. A `SwitchboardError` passes through unchanged.
 */
export function mapDatabaseError(error: unknown): SwitchboardError {
  if (SwitchboardError.isInstance(error)) return error;
  const fields: DriverErrorFields = typeof error === 'object' && error !== null ? (error as DriverErrorFields) : {};
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const sqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const constraint = typeof fields.constraint === 'string' && fields.constraint !== '' ? fields.constraint : undefined;
  const detail = typeof fields.detail === 'string' && fields.detail !== '' ? fields.detail : undefined;
  const base = typeof fields.message === 'string' && fields.message !== '' ? fields.message : String(error);
  const options = { sqlState, constraint, cause: error };

  // 23505 unique, 23503 foreign key, 23001 restrict (a row others still reference).
  if (sqlState === '23505' || sqlState === '23503' || sqlState === '23001') {
    const message = detail === undefined ? base : `${base} (${detail})`;
    return new DatabaseError('conflict', message, { ...options, isRetryable: false });
  }
  if (sqlState !== undefined && invalidInputStates.has(sqlState)) {
    return new DatabaseError('invalid_request', base, { ...options, isRetryable: false });
  }
  const driverUnavailable = code === undefined && unavailableDriverMessages.has(base);
  if (driverUnavailable || (code !== undefined && unavailableSocketCodes.has(code)) || (sqlState !== undefined && (sqlState.startsWith('08') || unavailableStates.has(sqlState)))) {
    return new DatabaseError('database_unavailable', `database unavailable: ${base}`, { ...options, isRetryable: true });
  }
  // 42501: insufficient privilege, which includes a row-level security policy refusing a write.
  if (sqlState === '42501') {
    return new DatabaseError('permission_denied', base, { ...options, isRetryable: false });
  }
  if (sqlState === '40001' || sqlState === '40P01') {
    return new DatabaseError('database_error', base, { ...options, isRetryable: true });
  }
  return new DatabaseError('database_error', base, { ...options, isRetryable: false });
}

/** The error of committing a transaction a failed statement aborted (SQLSTATE 25P02). */
export function abortedTransaction(): DatabaseError {
  return new DatabaseError('database_error', 'current transaction is aborted: a statement failed, so the transaction was rolled back', {
    sqlState: '25P02',
    isRetryable: false,
  });
}

/**
 * LISTEN channel names are plain lowercase identifiers, so both drivers (one quotes names, the
 * other does not) listen on the same channel `pg_notify` sends to.
 */
export function checkChannelName(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
    throw new DatabaseError('invalid_request', `invalid LISTEN channel name ${JSON.stringify(channel)}: use lowercase letters, digits and _`, {
      isRetryable: false,
    });
  }
}
