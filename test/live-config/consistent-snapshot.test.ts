// The configuration snapshot is read in one transaction: a transaction another connection commits
// between two statements of a load (a provider and its model, with the version row they bump) is in
// the snapshot entirely or not at all, and the snapshot's version is the one its rows were read at.
// The interleaving runs on Postgres only: PGlite is one connection, where the load's transaction
// keeps every other statement out until it ends, so nothing can commit between two of its reads.
// The other tests run on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { selectConfigVersion } from '../../src/db/sql/config-version.js';
import { builtinProviderClasses } from '../../src/providers/builtin.js';
import { defaultProviderDeps } from '../../src/providers/shared/provider-deps.js';
import type { ConfigSnapshot } from '../../src/registry/config-snapshot.js';
import { ConfigWatcher } from '../../src/registry/config-watcher.js';
import { createTestDb, postgresUrl, type TestDb } from '../helpers/test-db.js';
import { instrumentDb, type InstrumentedDb } from './instrumented-db.js';

const onPglite = postgresUrl() === undefined
  ? 'PGlite is one connection: no other session can commit between two statements of a load'
  : false;

/** The statements that read a snapshot part or the version row. */
const partReads = /from public\.(ai_providers|ai_models|ai_price_history|ai_routes|ai_route_health|ai_credential_blocks|switchboard_config_version|switchboard_active_api_keys)\b/;
const versionRead = /from public\.switchboard_config_version\b/;
const providersRead = /from public\.ai_providers\b/;
const modelsRead = /from public\.ai_models\b/;

describe('a consistent configuration snapshot', () => {
  let base: TestDb;
  let db: InstrumentedDb;
  const deps = defaultProviderDeps();
  const watchers: ConfigWatcher[] = [];
  const logs: string[] = [];

  before(async () => {
    base = await createTestDb();
    db = instrumentDb(base);
  });
  after(async () => {
    await Promise.all(watchers.map((watcher) => watcher.stop()));
    await deps.dispatcher.close();
    await base.dispose();
  });

  function watcher(): ConfigWatcher {
    const created = new ConfigWatcher(db, {
      loader: { classes: builtinProviderClasses, deps, cache: new Map() },
      pollMs: 0,
      listen: false,
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    watchers.push(created);
    return created;
  }

  /** Another connection commits a provider and its model in one transaction; returns the version after it. */
  async function commitPair(name: string): Promise<number> {
    await base.transaction(async (tx) => {
      await tx.query(`insert into public.ai_providers (name, provider_class, api_base_url) values ($1, 'OpenAIProvider', 'http://127.0.0.1:9/v1')`, [`${name}-p`]);
      await tx.query(
        `insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o-mini' from public.ai_providers where name = $2`,
        [`${name}-m`, `${name}-p`],
      );
    });
    return selectConfigVersion(base);
  }

  /** Both rows or neither, and a version that says which. */
  function assertWhole(snapshot: ConfigSnapshot, name: string, versionBefore: number, versionAfter: number): void {
    const provider = snapshot.registry.providers.has(`${name}-p`);
    const model = snapshot.registry.models.get(`${name}-m`);
    assert.equal(model !== undefined, provider, `the provider and its model are both in the snapshot or neither (model: ${model?.status} ${model?.reason ?? ''})`);
    if (model) assert.equal(model.status, 'available', model.reason);
    assert.equal(snapshot.version, provider ? versionAfter : versionBefore, 'the version is the one the rows were read at');
  }

  test('start(): a commit right after the version read is not in a snapshot tagged with the older version', { skip: onPglite }, async () => {
    const before = await selectConfigVersion(base);
    let afterVersion = 0;
    const ran = db.interleave(versionRead, async () => {
      afterVersion = await commitPair('ilv-start');
    });
    const watching = watcher();
    await watching.start();
    await ran;
    assertWhole(watching.snapshot, 'ilv-start', before, afterVersion);
    await watching.refresh(new Set());
    assertWhole(watching.snapshot, 'ilv-start', before, afterVersion);
    assert.equal(watching.snapshot.version, afterVersion, 'the next version check loads it');
  });

  test('start(): a commit between the providers read and the models read is in it entirely or not at all', { skip: onPglite }, async () => {
    const before = await selectConfigVersion(base);
    let afterVersion = 0;
    const ran = db.interleave(providersRead, async () => {
      afterVersion = await commitPair('ilv-pair');
    }, modelsRead);
    const watching = watcher();
    await watching.start();
    await ran;
    assertWhole(watching.snapshot, 'ilv-pair', before, afterVersion);
    await watching.refresh(new Set());
    assert.equal(watching.snapshot.version, afterVersion);
    assertWhole(watching.snapshot, 'ilv-pair', before, afterVersion);
  });

  test('a version check: a commit after the version row is read, or between two parts, is in the reload entirely or not at all', { skip: onPglite }, async () => {
    const watching = watcher();
    await watching.start();
    // A refresh of every part; the commit lands right after it read the version row.
    let before = watching.snapshot.version;
    let afterVersion = 0;
    let ran = db.interleave(versionRead, async () => {
      afterVersion = await commitPair('ilv-check');
    });
    await watching.refresh();
    await ran;
    assertWhole(watching.snapshot, 'ilv-check', before, afterVersion);
    await watching.refresh(new Set());
    assertWhole(watching.snapshot, 'ilv-check', before, afterVersion);

    // A change-driven check that reloads the registry; the commit lands between its two reads.
    await base.query(`update public.ai_providers set display_name = 'OpenAI (edited)' where name = 'openai'`);
    before = await selectConfigVersion(base);
    ran = db.interleave(providersRead, async () => {
      afterVersion = await commitPair('ilv-parts');
    }, modelsRead);
    await watching.refresh(new Set());
    await ran;
    assert.equal(watching.snapshot.registry.providers.get('openai')?.displayName, 'OpenAI (edited)');
    assertWhole(watching.snapshot, 'ilv-parts', before, afterVersion);
    await watching.refresh(new Set());
    assertWhole(watching.snapshot, 'ilv-parts', before, afterVersion);
    assert.equal(watching.snapshot.version, afterVersion);
  });

  test('every read of a load, and of a version check, runs in one transaction', async () => {
    const watching = watcher();
    const mark = db.statements.length;
    await watching.start();
    const load = db.statements.slice(mark).filter((statement) => partReads.test(statement.sql));
    assert.ok(load.length >= 7, `the whole load is seen: ${load.length} statements`);
    assert.notEqual(load[0]?.tx, undefined, 'the load runs in a transaction');
    assert.deepEqual(new Set(load.map((statement) => statement.tx)).size, 1, 'one transaction');

    await base.query(`insert into public.ai_routes (name) values ('one-tx-route')`);
    const checkMark = db.statements.length;
    await watching.refresh(new Set());
    assert.ok(watching.snapshot.routes.find('one-tx-route', null));
    // The version row may be read on the pool first (did anything change?); the parts are read in
    // one transaction with the version row they are tagged with.
    const check = db.statements.slice(checkMark).filter((statement) => partReads.test(statement.sql));
    const parts = check.filter((statement) => !versionRead.test(statement.sql));
    assert.ok(parts.some((statement) => /ai_routes/.test(statement.sql)), 'the routes were read');
    assert.notEqual(parts[0]?.tx, undefined, 'in a transaction');
    assert.deepEqual(new Set(parts.map((statement) => statement.tx)).size, 1, 'one transaction');
    assert.ok(check.some((statement) => statement.tx === parts[0]?.tx && versionRead.test(statement.sql)), 'with the version row');
  });
});

describe('a consistent snapshot on a database without the routing migrations', () => {
  let db: TestDb;
  const deps = defaultProviderDeps();
  let watching: ConfigWatcher;
  const logs: string[] = [];

  before(async () => {
    db = await createTestDb();
    await db.query(`insert into public.ai_routes (name) values ('older-route')`);
    watching = new ConfigWatcher(db, {
      loader: { classes: builtinProviderClasses, deps, cache: new Map() },
      pollMs: 0,
      listen: false,
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    await watching.start();
  });
  after(async () => {
    await watching?.stop();
    await deps.dispatcher.close();
    await db?.dispose();
  });

  // The route loader catches the missing table (a gateway started with --no-migrate during an
  // upgrade): that failed statement must not abort the load's transaction.
  test('a missing ai_credential_blocks or ai_routes table still loads the rest', async () => {
    await db.exec('alter table public.ai_credential_blocks rename to ai_credential_blocks_moved');
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'older-model', id, 'gpt-4o-mini' from public.ai_providers where name = 'openai'`);
    await watching.refresh();
    assert.deepEqual(logs.filter((line) => !line.startsWith('info')), []);
    assert.equal(watching.snapshot.version, await selectConfigVersion(db));
    assert.ok(watching.snapshot.registry.models.has('older-model'));
    assert.ok(watching.snapshot.routes.find('older-route', null), 'routes still load without the shared blocks');

    await db.exec('alter table public.ai_routes rename to ai_routes_moved');
    await db.query(`update public.ai_models set is_active = false where name = 'older-model'`);
    await watching.refresh();
    assert.deepEqual(logs.filter((line) => !line.startsWith('info')), []);
    assert.equal(watching.snapshot.registry.models.get('older-model')?.status, 'inactive');
    assert.equal(watching.snapshot.routes.find('older-route', null), undefined, 'no routes table, no routes');
  });
});
