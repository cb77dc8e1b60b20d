import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDb } from '../../src/db/open-db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { DatabaseError } from '../../src/errors.js';
import { createTestDb, postgresUrl, skipWithoutPostgres } from '../helpers/test-db.js';

test('a malformed URL → database_unavailable with a one-line message', async () => {
  for (const url of ['not a url', 'mysql://root:hunter2@localhost/db']) {
    const error = await openPostgresDb({ url }).catch((caught: unknown) => caught);
    assert.ok(error instanceof DatabaseError, url);
    assert.equal(error.code, 'database_unavailable');
    assert.match(error.message, /malformed database URL/);
    assert.doesNotMatch(error.message, /hunter2|\n/);
  }
});

test('an unreachable server → database_unavailable naming host and database, never the password', async () => {
  const error = await openDb({ databaseUrl: 'postgres://app:s3cret-pass@127.0.0.1:1/switchboard' }).catch((caught: unknown) => caught);
  assert.ok(error instanceof DatabaseError);
  assert.equal(error.code, 'database_unavailable');
  assert.match(error.message, /^cannot connect to Postgres at 127\.0\.0\.1:1\/switchboard: .*ECONNREFUSED/);
  assert.doesNotMatch(error.message, /s3cret|\n/);
});

test('a missing database → database_unavailable', { skip: skipWithoutPostgres() }, async () => {
  const url = new URL(postgresUrl() ?? '');
  url.pathname = '/sb_no_such_database';
  const error = await openPostgresDb({ url: url.toString() }).catch((caught: unknown) => caught);
  assert.ok(error instanceof DatabaseError);
  assert.equal(error.code, 'database_unavailable');
  assert.match(error.message, /sb_no_such_database/);
});

test('the LISTEN connection dying is reported to onListenError, and listen works again after', { skip: skipWithoutPostgres() }, async () => {
  const testDb = await createTestDb();
  const errors: Error[] = [];
  const db = await openPostgresDb({ url: testDb.url ?? '', onListenError: (error) => errors.push(error) });
  try {
    await db.listen('sb_a', () => undefined);
    await testDb.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = 'listen "sb_a"'`);
    const deadline = Date.now() + 5_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(errors.length, 1);

    const received: string[] = [];
    await db.listen('sb_b', (payload) => received.push(payload));
    await db.query(`select pg_notify('sb_b', 'back')`);
    while (received.length === 0 && Date.now() < deadline + 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(received, ['back']);
  } finally {
    await db.close();
    await testDb.dispose();
  }
});

test('a pool connection killed while idle does not crash the process', { skip: skipWithoutPostgres() }, async () => {
  const testDb = await createTestDb();
  try {
    await testDb.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { rows } = await testDb.query<{ ok: number }>('select 1 as ok');
    assert.deepEqual(rows, [{ ok: 1 }]);
  } finally {
    await testDb.dispose();
  }
});
