import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SwitchboardError } from '../../src/errors.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { defineClassTests, insertLibraryRows, LIBRARY_ENV, startVendorMocks, user, type VendorMocks } from './library-harness.js';

// The application's first run: createSwitchboard() on an empty temp folder creates the embedded
// database (initdb + migrations) and its master key, then rows inserted with SQL are served.
describe('createSwitchboard on the embedded database in a temp data dir', () => {
  let root: string;
  let dataDir: string;
  let mocks: VendorMocks;
  let switchboard: Switchboard | undefined;
  const current = (): Switchboard => {
    assert.ok(switchboard, 'the Switchboard is open');
    return switchboard;
  };

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'sb-library-'));
    dataDir = path.join(root, 'db');
    mocks = await startVendorMocks();
    switchboard = await createSwitchboard({ dataDir, env: LIBRARY_ENV });
    await insertLibraryRows(switchboard.db, mocks);
    await switchboard.reload();
  });
  after(async () => {
    await switchboard?.close();
    await mocks.close();
    await rm(root, { recursive: true, force: true });
  });

  test('the database is embedded, in the data dir, with the seeded providers and a lock', async () => {
    const db = current().db;
    assert.equal(db.kind, 'embedded');
    assert.ok(existsSync(path.join(dataDir, 'PG_VERSION')), 'the cluster lives in the data dir');
    const lock = JSON.parse(await readFile(path.join(dataDir, 'switchboard.lock'), 'utf8')) as { pid?: unknown };
    assert.equal(lock.pid, process.pid);
    const seeded = await db.query<{ n: number }>('select count(*)::int as n from public.ai_providers where is_builtin');
    assert.ok((seeded.rows[0]?.n ?? 0) > 0, 'migrations ran, seed included');
  });

  test('the master key is generated next to the data dir, readable by its owner only', () => {
    const keyFile = path.join(path.dirname(dataDir), 'master.key');
    assert.ok(existsSync(keyFile), keyFile);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(existsSync(path.join(dataDir, 'master.key')), false, 'not inside the database folder');
  });

  defineClassTests(() => ({ switchboard: current(), mocks }));

  test('a second createSwitchboard on the open data dir is refused; the first keeps its lock and serves', async () => {
    const error = await createSwitchboard({ dataDir, env: LIBRARY_ENV }).then(
      () => assert.fail('opened twice'),
      (caught: unknown) => caught,
    );
    assert.ok(SwitchboardError.isInstance(error));
    assert.equal(error.code, 'database_locked');
    assert.ok(error.message.includes(dataDir), error.message);
    assert.ok(existsSync(path.join(dataDir, 'switchboard.lock')));
    const response = await current().chat({ model: 'lib-command', messages: [user('still here')] });
    assert.equal(response.choices[0]?.content, 'Echo: still here');
  });

  test('close() releases the data dir (closing twice is harmless); a second createSwitchboard on it serves the same rows', async () => {
    const keyFile = path.join(path.dirname(dataDir), 'master.key');
    const key = await readFile(keyFile, 'utf8');
    const closing = current();
    await Promise.all([closing.close(), closing.close()]);
    await closing.close();
    switchboard = undefined;
    assert.equal(existsSync(path.join(dataDir, 'switchboard.lock')), false, 'the lock is released');

    switchboard = await createSwitchboard({ dataDir, env: LIBRARY_ENV });
    assert.equal(await readFile(keyFile, 'utf8'), key, 'the master key is reused, not regenerated');
    assert.ok(current().models().some((model) => model.name === 'lib-gemini'), 'rows inserted before are loaded at start');
    const before = mocks.google.requests.length;
    const response = await current().chat({ model: 'lib-gemini', messages: [user('after reopening')] });
    assert.equal(response.choices[0]?.content, 'Echo: after reopening');
    assert.equal(mocks.google.requests.length, before + 1);
  });
});
