// An instance starting up loads its first snapshot, then opens its LISTEN connection. A change
// committed between the two (a key revoked while a new instance connects, as in a rolling deploy)
// notifies nobody this instance hears: before, it was missed until the next version poll (5 s by
// default, up to SWITCHBOARD_CONFIG_POLL_MS, at most an hour), as when LISTEN is restored after a
// lost connection, which already checks the version. Here the poll is an hour, and the change is
// committed right before the watcher's LISTEN. PGlite and Postgres.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../src/db/db.js';
import { selectConfigVersion } from '../../src/db/sql/config-version.js';
import { builtinProviderClasses } from '../../src/providers/builtin.js';
import { defaultProviderDeps } from '../../src/providers/shared/provider-deps.js';
import { ConfigWatcher } from '../../src/registry/config-watcher.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `db`, committing `change` (on the same database) just before its first LISTEN. */
function committingBeforeListen(db: Db, change: () => Promise<void>): Db {
  let pending: (() => Promise<void>) | undefined = change;
  return {
    kind: db.kind,
    query: (sql, params, options) => db.query(sql, params, options),
    exec: (sql) => db.exec(sql),
    transaction: (work, options) => db.transaction(work, options),
    listen: async (channel, handler, onLost) => {
      const run = pending;
      pending = undefined;
      await run?.();
      return db.listen(channel, handler, onLost);
    },
    close: () => Promise.resolve(),
  };
}

describe('a change committed while an instance opens its LISTEN connection', () => {
  let base: TestDb;
  const deps = defaultProviderDeps();
  let watcher: ConfigWatcher | undefined;

  before(async () => {
    base = await createTestDb();
  });
  after(async () => {
    await watcher?.stop();
    await deps.dispatcher.close();
    await base.dispose();
  });

  test('is applied at once, not at the next poll', async () => {
    let committed = 0;
    const db = committingBeforeListen(base, async () => {
      await base.query(`insert into public.ai_models (name, provider_id, model_id) select 'start-gap', id, 'gpt-4o-mini' from public.ai_providers where name = 'openai'`);
      committed = await selectConfigVersion(base);
    });
    watcher = new ConfigWatcher(db, {
      loader: { classes: builtinProviderClasses, deps, cache: new Map() },
      pollMs: 3_600_000,
      listen: true,
    });
    const first = await watcher.start();
    assert.equal(first.registry.models.has('start-gap'), false, 'the first snapshot was read before the change');
    assert.ok(committed > first.version, 'the change was committed after the first snapshot');

    // A generous bound: the check runs right after LISTEN; the poll would come in an hour.
    const started = performance.now();
    while (watcher.snapshot.version < committed && performance.now() - started < 10_000) await sleep(10);
    assert.equal(watcher.snapshot.version, committed, 'the version committed before LISTEN is served');
    assert.equal(watcher.snapshot.registry.models.get('start-gap')?.status, 'available');
  });
});
