/**
 * The embedded data dir is owner-only: what PGlite writes (files 0666, folders 0755 whatever the
 * umask) loses its group and world bits on open and close, a dir left loose before is warned
 * about and tightened, and another local user (`nobody`, through runuser) can neither read nor
 * change a database file. Runs on PGlite whatever DATABASE_URL says: the data dir is embedded only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEmbeddedDb, type EmbeddedDb } from '../../src/db/pglite-adapter.js';
import { createEmbeddedTestDb } from '../helpers/test-db.js';

/** Every path under `root` (itself included) whose mode has a group or world bit, with the mode. */
function sharedEntries(root: string): string[] {
  const found: string[] = [];
  const visit = (entry: string): void => {
    const stats = lstatSync(entry);
    if (stats.isSymbolicLink()) return;
    if ((stats.mode & 0o077) !== 0) found.push(`${path.relative(root, entry) || '.'} ${(stats.mode & 0o777).toString(8)}`);
    if (stats.isDirectory()) for (const name of readdirSync(entry)) visit(path.join(entry, name));
  };
  visit(root);
  return found;
}

function countEntries(root: string): number {
  let count = 0;
  const visit = (entry: string): void => {
    count += 1;
    if (lstatSync(entry).isDirectory()) for (const name of readdirSync(entry)) visit(path.join(entry, name));
  };
  visit(root);
  return count;
}

/** Gives every folder under `root` 0755 and every file 0666: what PGlite (and older versions) left. */
function loosen(root: string): void {
  chmodSync(root, 0o755);
  for (const name of readdirSync(root)) {
    const entry = path.join(root, name);
    if (statSync(entry).isDirectory()) loosen(entry);
    else chmodSync(entry, 0o666);
  }
}

/** Why the `nobody` attack cannot run here, or undefined when it can. */
function otherUserUnavailable(): string | undefined {
  if (process.platform === 'win32') return 'POSIX modes only';
  if (process.getuid?.() !== 0) return 'needs root to switch to another user';
  const probe = spawnSync('runuser', ['-u', 'nobody', '--', 'true']);
  return probe.status === 0 ? undefined : 'no other user to switch to (runuser -u nobody failed)';
}

/** Runs `script` with /bin/sh as the local user `nobody`. */
function asNobody(script: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('runuser', ['-u', 'nobody', '--', '/bin/sh', '-c', script], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('embedded data dir permissions', () => {
  let root: string;
  /** The migrated test cluster as a tarball: each open writes its ~1,000 files without an initdb. */
  let cluster: Blob;
  const freshDir = () => path.join(root, 'fresh', '.switchboard', 'db');
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'switchboard-perms-'));
    const source = await createEmbeddedTestDb();
    cluster = await (source as unknown as EmbeddedDb).dumpDataDir();
    await source.dispose();
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a new data dir, its new parent and everything PGlite wrote are owner-only after open and after close, with no warning', async () => {
    const dataDir = freshDir();
    const parent = path.dirname(dataDir);
    const warnings: string[] = [];
    const db = await openEmbeddedDb({ dataDir, loadDataDir: cluster, warn: (message) => warnings.push(message) });
    try {
      assert.ok(countEntries(dataDir) > 500, 'PGlite wrote its cluster');
      assert.deepEqual(sharedEntries(path.join(root, 'fresh')), []);
      await db.exec('create table perms_probe (id int); insert into perms_probe select generate_series(1, 5000)');
    } finally {
      await db.close();
    }
    assert.equal(statSync(parent).mode & 0o777, 0o700);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.deepEqual(sharedEntries(path.join(root, 'fresh')), []);
    assert.deepEqual(warnings, []);
  });

  it('a data dir left group/world accessible (0755 folders, 0666 files) is warned about once and tightened', async () => {
    const dataDir = freshDir(); // The cluster the first test left.
    loosen(dataDir);
    writeFileSync(path.join(dataDir, 'notes.txt'), 'left by hand', { mode: 0o666 });
    chmodSync(path.join(dataDir, 'notes.txt'), 0o666);
    assert.ok(sharedEntries(dataDir).length > 500);

    const warnings: string[] = [];
    const db = await openEmbeddedDb({ dataDir, warn: (message) => warnings.push(message) });
    try {
      assert.deepEqual(sharedEntries(dataDir), []);
      assert.equal((await db.query<{ one: number }>('select 1 as one')).rows[0]?.one, 1);
    } finally {
      await db.close();
    }
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', new RegExp(`^The embedded data dir ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was accessible to other local users \\(\\d+ entries, e\\.g\\. .*\\(755\\)`));
    assert.match(warnings[0] ?? '', /folders 0700, files 0600/);
    assert.equal(statSync(path.join(dataDir, 'notes.txt')).mode & 0o777, 0o600);
  });

  it('another local user (nobody) can neither read nor change the database files', { skip: otherUserUnavailable() ?? false }, async () => {
    // A project folder others may enter (0755, like a home or checkout), holding the default layout.
    const project = path.join(root, 'attack');
    mkdirSync(project, { mode: 0o755 });
    chmodSync(root, 0o755);
    chmodSync(project, 0o755);
    const dataDir = path.join(project, 'db');
    const db = await openEmbeddedDb({ dataDir, loadDataDir: cluster, warn: () => {} });
    try {
      // Only folders Switchboard creates are made 0700: an existing parent is the operator's.
      assert.equal(statSync(project).mode & 0o777, 0o755);
      await db.exec(`create table perms_secret (value text); insert into perms_secret values ('tenant-secret-value')`);
      const config = path.join(dataDir, 'postgresql.auto.conf');
      assert.ok(existsSync(config));
      // The attack of the issue: read the cluster's files, append a config line (made it read-only).
      const read = asNobody(`cat '${path.join(dataDir, 'PG_VERSION')}'`);
      assert.notEqual(read.status, 0, `nobody read PG_VERSION: ${read.stdout}`);
      assert.match(read.stderr, /Permission denied/);
      const list = asNobody(`ls '${dataDir}'`);
      assert.notEqual(list.status, 0, `nobody listed the data dir: ${list.stdout}`);
      const before = readFileSync(config, 'utf8');
      const write = asNobody(`echo "default_transaction_read_only = on" >> '${config}'`);
      assert.notEqual(write.status, 0, 'nobody appended to postgresql.auto.conf');
      assert.equal(readFileSync(config, 'utf8'), before);
      const grep = asNobody(`grep -r tenant-secret-value '${dataDir}'`);
      assert.notEqual(grep.status, 0);
      assert.equal(grep.stdout, '');
    } finally {
      await db.close();
    }
    const afterClose = asNobody(`cat '${path.join(dataDir, 'PG_VERSION')}'`);
    assert.notEqual(afterClose.status, 0, 'readable after close');
  });
});
