import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Db } from '../../src/db/db.js';
import { openDb } from '../../src/db/open-db.js';
import { openEmbeddedDb } from '../../src/db/pglite-adapter.js';
import { DatabaseError } from '../../src/errors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A pid that surely belongs to no process: one that has just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('embedded data dir lock', () => {
  const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'sb-lock-')), 'nested', 'db');
  const lockFile = path.join(dataDir, 'switchboard.lock');
  let db: Db;

  before(async () => {
    // A stale lock left by a crashed process (its pid is gone) is taken over.
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(lockFile, JSON.stringify({ pid: deadPid(), startedAt: '2020-01-01T00:00:00Z' }));
    db = await openDb({ dataDir });
  });
  after(async () => {
    await db.close();
    rmSync(path.dirname(path.dirname(dataDir)), { recursive: true, force: true });
  });

  test('a stale lock is taken over; the dir is created and the lock names this process', async () => {
    assert.equal(db.kind, 'embedded');
    const lock: unknown = JSON.parse(readFileSync(lockFile, 'utf8'));
    assert.ok(typeof lock === 'object' && lock !== null && 'pid' in lock && 'startedAt' in lock);
    assert.equal(lock.pid, process.pid);
    assert.equal(typeof lock.startedAt, 'string');
    assert.deepEqual((await db.query('select 1 as one')).rows, [{ one: 1 }]);
  });

  test('a second open in the same process gets database_locked naming the dir and pid', async () => {
    const error = await openEmbeddedDb({ dataDir }).catch((caught: unknown) => caught);
    assert.ok(error instanceof DatabaseError);
    assert.equal(error.code, 'database_locked');
    assert.ok(error.message.includes(dataDir));
    assert.ok(error.message.includes(`pid ${process.pid}`));
    assert.match(error.message, /DATABASE_URL/);
    assert.ok(existsSync(lockFile), 'the holder keeps its lock');
  });

  test('a second process gets the same clear error and exits', async () => {
    const script = `
      import { openEmbeddedDb } from './src/db/pglite-adapter.ts';
      try { await openEmbeddedDb({ dataDir: ${JSON.stringify(dataDir)} }); console.log('opened'); }
      catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot });
    const outcome = JSON.parse(stdout.trim()) as { code: string; message: string };
    assert.equal(outcome.code, 'database_locked');
    assert.ok(outcome.message.includes(dataDir));
    assert.ok(outcome.message.includes(`pid ${process.pid}`));
  });

  test('close() removes the lock, and closing twice is harmless', async () => {
    await db.close();
    assert.ok(!existsSync(lockFile));
    await db.close();
  });
});


describe('an unusable data dir', () => {
  test('is a clear database_unavailable error naming the directory, before PGlite starts', async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'sb-notdir-'));
    try {
      const file = path.join(scratch, 'a-file');
      writeFileSync(file, 'not a directory');
      const dataDir = path.join(file, 'db');
      await assert.rejects(openEmbeddedDb({ dataDir }), (error: unknown) => {
        assert.ok(error instanceof DatabaseError);
        assert.equal(error.code, 'database_unavailable');
        assert.ok(error.message.includes(dataDir), error.message);
        assert.match(error.message, /ENOTDIR/);
        return true;
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
