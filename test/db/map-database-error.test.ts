import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapDatabaseError } from '../../src/db/map-database-error.js';
import { DatabaseError, SwitchboardError } from '../../src/errors.js';

/** A driver error as pg and PGlite both shape it. */
function driverError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`server said ${code}`), { code, ...extra });
}

test('SQLSTATE → code, status and retryability', () => {
  const expectations: [string, string, number, boolean][] = [
    ['23505', 'conflict', 409, false],
    ['23503', 'conflict', 409, false],
    ['23001', 'conflict', 409, false],
    ['23514', 'invalid_request', 400, false],
    ['23502', 'invalid_request', 400, false],
    ['22P02', 'invalid_request', 400, false],
    ['22023', 'invalid_request', 400, false],
    ['22007', 'invalid_request', 400, false],
    ['22021', 'invalid_request', 400, false],
    ['22P05', 'invalid_request', 400, false],
    ['08006', 'database_unavailable', 503, true],
    ['08001', 'database_unavailable', 503, true],
    ['57P01', 'database_unavailable', 503, true],
    ['40001', 'database_error', 500, true],
    ['40P01', 'database_error', 500, true],
    ['42P01', 'database_error', 500, false],
  ];
  for (const [sqlState, code, status, retryable] of expectations) {
    const mapped = mapDatabaseError(driverError(sqlState));
    assert.ok(mapped instanceof DatabaseError, sqlState);
    assert.equal(mapped.code, code, sqlState);
    assert.equal(mapped.status, status, sqlState);
    assert.equal(mapped.isRetryable, retryable, sqlState);
    assert.equal(mapped.sqlState, sqlState);
  }
});

test('socket errors → database_unavailable without a fake sqlState', () => {
  const mapped = mapDatabaseError(driverError('ECONNREFUSED'));
  assert.ok(mapped instanceof DatabaseError);
  assert.equal(mapped.code, 'database_unavailable');
  assert.equal(mapped.sqlState, undefined);
});

test('keeps the constraint and adds the detail of a conflict', () => {
  const mapped = mapDatabaseError(
    driverError('23505', { constraint: 'projects_name_key', detail: 'Key (name)=(acme) already exists.' }),
  );
  assert.ok(mapped instanceof DatabaseError);
  assert.equal(mapped.constraint, 'projects_name_key');
  assert.equal(mapped.message, 'server said 23505 (Key (name)=(acme) already exists.)');
});

test('a SwitchboardError passes through; anything else is a database_error', () => {
  const own = new SwitchboardError('not_found', 'nope');
  assert.equal(mapDatabaseError(own), own);
  const mapped = mapDatabaseError('weird');
  assert.equal(mapped.code, 'database_error');
  assert.equal(mapped.message, 'weird');
});

test("node-postgres' own connection errors (no code) → retryable database_unavailable", () => {
  // pg-pool: no free connection, or no new one, within connectionTimeoutMillis; pg: the socket ended.
  for (const message of ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout', 'Connection terminated unexpectedly']) {
    const mapped = mapDatabaseError(new Error(message));
    assert.ok(mapped instanceof DatabaseError, message);
    assert.equal(mapped.code, 'database_unavailable', message);
    assert.equal(mapped.status, 503, message);
    assert.equal(mapped.isRetryable, true, message);
  }
  // The same words as a server error's message keep its SQLSTATE's mapping.
  assert.equal(mapDatabaseError(driverError('42P01', { message: 'Connection terminated unexpectedly' })).code, 'database_error');
});
