import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrate, migrationsDirectory, readMigrations } from '../../src/db/migrate.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { DatabaseError } from '../../src/errors.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';

const dirs: string[] = [];

/** A temporary migrations directory holding `files`. */
function migrationDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-migrations-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

function isMigrationFailure(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof DatabaseError, String(error));
    assert.equal(error.code, 'migration_failed');
    assert.match(error.message, pattern);
    return true;
  };
}

describe('migration runner', () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDb();
  });
  after(async () => {
    await db.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Makes the database look never-migrated to the runner (tests use their own table names). */
  async function forgetMigrations(): Promise<void> {
    await db.exec('drop table if exists public.switchboard_migrations');
  }

  test('the package migrations are found and already applied to a test database', async () => {
    assert.equal(path.basename(migrationsDirectory()), 'migrations');
    const files = await readMigrations();
    assert.ok(files.some((file) => file.name.endsWith('_schema.sql')));
    assert.deepEqual(await migrate(db), { applied: [] });
    const { rows } = await db.query<{ name: string }>('select name from public.switchboard_migrations order by name');
    assert.deepEqual(rows.map((row) => row.name), files.map((file) => file.name));
  });

  test('applies pending files in name order, records checksums, and a rerun applies nothing', async () => {
    await forgetMigrations();
    const second = 'insert into public.t_fresh (label) values (\'from second\');\n';
    const dir = migrationDir({
      '20200101000002_second.sql': second,
      '20200101000001_first.sql': 'create table public.t_fresh (label text);\n',
      'README.md': 'not a migration',
    });
    assert.deepEqual(await migrate(db, { directory: dir }), { applied: ['20200101000001_first.sql', '20200101000002_second.sql'] });
    assert.deepEqual((await db.query('select label from public.t_fresh')).rows, [{ label: 'from second' }]);
    const recorded = await db.query<{ name: string; checksum: string; applied_at: Date }>(
      'select name, checksum, applied_at from public.switchboard_migrations order by name',
    );
    assert.equal(recorded.rows[1]?.checksum, createHash('sha256').update(second).digest('hex'));
    assert.ok(recorded.rows[0]?.applied_at instanceof Date);
    assert.deepEqual(await migrate(db, { directory: dir }), { applied: [] });
    assert.equal((await db.query('select * from public.t_fresh')).rowCount, 1);
  });

  test('refuses when an applied file changed, naming it', async () => {
    await forgetMigrations();
    const dir = migrationDir({ '20200202000001_changing.sql': 'create table public.t_changing (x int);\n' });
    await migrate(db, { directory: dir });
    writeFileSync(path.join(dir, '20200202000001_changing.sql'), 'create table public.t_changing (x int, y int);\n');
    await assert.rejects(migrate(db, { directory: dir }), isMigrationFailure(/20200202000001_changing\.sql was changed/));
  });

  test('refuses a database that is newer than the code', async () => {
    await forgetMigrations();
    const full = migrationDir({
      '20200303000001_one.sql': 'create table public.t_newer_one (x int);\n',
      '20200303000002_two.sql': 'create table public.t_newer_two (x int);\n',
    });
    await migrate(db, { directory: full });
    const older = migrationDir({ '20200303000001_one.sql': 'create table public.t_newer_one (x int);\n' });
    await assert.rejects(
      migrate(db, { directory: older }),
      isMigrationFailure(/^database is newer than this version of Switchboard: unknown migration 20200303000002_two\.sql$/),
    );
  });

  test('a failing migration rolls back entirely and names the file and the Postgres error', async () => {
    await forgetMigrations();
    const dir = migrationDir({
      '20200404000001_good.sql': 'create table public.t_good (x int);\n',
      '20200404000002_bad.sql': "create table public.t_half (x int);\ninsert into public.t_half values ('not a number');\n",
      '20200404000003_after.sql': 'create table public.t_after (x int);\n',
    });
    await assert.rejects(
      migrate(db, { directory: dir }),
      isMigrationFailure(/^migration 20200404000002_bad\.sql failed: invalid input syntax for type integer/),
    );
    const tables = await db.query<{ tablename: string }>(
      `select tablename from pg_tables where tablename in ('t_good', 't_half', 't_after') order by 1`,
    );
    assert.deepEqual(tables.rows, [{ tablename: 't_good' }]);
    const recorded = await db.query<{ name: string }>('select name from public.switchboard_migrations order by name');
    assert.deepEqual(recorded.rows, [{ name: '20200404000001_good.sql' }]);
  });

  test('refuses a misnamed migration file', async () => {
    const dir = migrationDir({ '2020_bad name.sql': 'select 1;' });
    await assert.rejects(migrate(db, { directory: dir }), isMigrationFailure(/2020_bad name\.sql is misnamed/));
  });
});

describe('concurrent migrators on one Postgres', { skip: skipWithoutPostgres() }, () => {
  test('both succeed and each file is applied once', async () => {
    const testDb = await createTestDb();
    const files: Record<string, string> = {
      '20200505000000_log.sql': 'create table public.t_log (name text not null);\n',
    };
    for (let index = 1; index <= 6; index += 1) {
      files[`2020050500000${index}_step.sql`] = `insert into public.t_log values ('step ${index}'); select pg_sleep(0.02);\n`;
    }
    const dir = migrationDir(files);
    const [first, second] = [await openPostgresDb({ url: testDb.url ?? '' }), await openPostgresDb({ url: testDb.url ?? '' })];
    try {
      await testDb.exec('drop table public.switchboard_migrations');
      const results = await Promise.all([migrate(first, { directory: dir }), migrate(second, { directory: dir })]);
      const applied = results.flatMap((result) => result.applied).sort();
      assert.deepEqual(applied, Object.keys(files).sort());
      const log = await testDb.query<{ name: string; n: string }>('select name, count(*) as n from public.t_log group by name order by name');
      assert.equal(log.rowCount, 6);
      assert.ok(log.rows.every((row) => row.n === '1'));
    } finally {
      await first.close();
      await second.close();
      await testDb.dispose();
      for (const made of dirs) rmSync(made, { recursive: true, force: true });
    }
  });
});
