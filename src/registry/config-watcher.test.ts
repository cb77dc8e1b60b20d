import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { selectConfigState, selectConfigVersion } from '../db/sql/config-version.js';
import { SwitchboardError } from '../errors.js';
import { builtinProviderClasses } from '../providers/builtin.js';
import { defaultProviderDeps } from '../providers/shared/provider-deps.js';
import { createTestDb, type TestDb } from '../../test/helpers/test-db.js';
import type { ConfigSnapshot, SnapshotPart } from './config-snapshot.js';
import { ConfigWatcher, type ConfigWatcherOptions } from './config-watcher.js';

type LogLine = { level: string; message: string };

describe('ConfigWatcher', () => {
  let db: TestDb;
  const deps = defaultProviderDeps();
  const watchers: ConfigWatcher[] = [];

  async function startWatcher(options: Partial<ConfigWatcherOptions> & { logs?: LogLine[] } = {}): Promise<ConfigWatcher> {
    const { logs, ...rest } = options;
    const watcher = new ConfigWatcher(db, {
      loader: { classes: builtinProviderClasses, deps, cache: new Map() },
      pollMs: 0,
      listen: false,
      log: (level, message) => logs?.push({ level, message }),
      ...rest,
    });
    watchers.push(watcher);
    await watcher.start();
    return watcher;
  }

  /** Resolves with the next snapshot swap, or rejects after `ms`. */
  function nextChange(watcher: ConfigWatcher, ms = 5000): Promise<{ snapshot: ConfigSnapshot; parts: ReadonlySet<SnapshotPart> }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no snapshot change within ${ms} ms`)), ms);
      watcher.onChange((snapshot, parts) => {
        clearTimeout(timer);
        resolve({ snapshot, parts });
      });
    });
  }

  async function insertModel(name: string, provider = 'openai'): Promise<void> {
    await db.query(
      `insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o-mini' from public.ai_providers where name = $2`,
      [name, provider],
    );
  }

  const hasModel = (watcher: ConfigWatcher, name: string) => watcher.snapshot.registry.models.get(name)?.status === 'available';

  before(async () => {
    db = await createTestDb();
  });
  after(async () => {
    await Promise.all(watchers.map((watcher) => watcher.stop()));
    await deps.dispatcher.close();
    await db.dispose();
  });

  test('every config write bumps the version once per statement', async () => {
    const before = await selectConfigVersion(db);
    await db.exec(`
      insert into public.ai_models (name, provider_id, model_id)
        select 'bump-' || n, p.id, 'gpt-4o-mini' from generate_series(1, 3) n, public.ai_providers p where p.name = 'openai'`);
    assert.equal(await selectConfigVersion(db), before + 1);
    await db.query(`update public.ai_providers set display_name = 'OpenAI (edited)' where name = 'openai'`);
    assert.equal(await selectConfigVersion(db), before + 2);
    await db.query(`select count(*) from public.ai_models`);
    assert.equal(await selectConfigVersion(db), before + 2, 'a read does not bump');
    const state = await selectConfigState(db);
    assert.equal(state.version, before + 2);
    assert.equal(state.tableVersions?.get('ai_models'), before + 1, 'each table records the version of its last change');
    assert.equal(state.tableVersions?.get('ai_providers'), before + 2);
    assert.ok((state.tableVersions?.get('ai_budgets') ?? Infinity) <= before);
  });

  test('refresh() picks up a model inserted after start', async () => {
    const watcher = await startWatcher();
    const startVersion = watcher.snapshot.version;
    assert.equal(startVersion, await selectConfigVersion(db));
    await insertModel('watch-refresh');
    assert.equal(hasModel(watcher, 'watch-refresh'), false, 'nothing reloads without LISTEN, poll or refresh');
    assert.throws(() => watcher.snapshot.registry.resolve('watch-refresh'), (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'no_such_model');
    await watcher.refresh();
    assert.equal(watcher.snapshot.registry.resolve('watch-refresh').provider.name, 'openai');
    assert.equal(watcher.snapshot.version, await selectConfigVersion(db));
    assert.ok(watcher.snapshot.version > startVersion);
    // No part named: only what changed since (nothing), and it resolves.
    const same = watcher.snapshot;
    await watcher.refresh(new Set());
    assert.equal(watcher.snapshot, same);
  });

  test('with listen: true, the trigger NOTIFY reloads the registry after an SQL insert', async () => {
    const watcher = await startWatcher({ listen: true, debounceMs: 5 });
    const apiKeysBefore = watcher.snapshot.apiKeys;
    const change = nextChange(watcher);
    await insertModel('watch-notify', 'anthropic');
    const { snapshot, parts } = await change;
    assert.deepEqual([...parts], ['registry']);
    assert.equal(snapshot, watcher.snapshot);
    assert.equal(snapshot.registry.resolve('watch-notify').provider.name, 'anthropic');
    assert.equal(snapshot.version, await selectConfigVersion(db));
    assert.equal(snapshot.apiKeys, apiKeysBefore, 'a model change does not reload the API keys');
  });

  test('without LISTEN, the version poll catches a change', async () => {
    const watcher = await startWatcher({ pollMs: 25 });
    assert.equal(hasModel(watcher, 'watch-refresh'), true);
    const change = nextChange(watcher);
    await db.query(`update public.ai_models set is_active = false where name = 'watch-refresh'`);
    const { snapshot } = await change;
    assert.equal(snapshot.registry.models.get('watch-refresh')?.status, 'inactive');
    assert.equal(snapshot.version, await selectConfigVersion(db));
  });

  test('an unchanged provider row keeps its instance across reloads; an edited one is rebuilt', async () => {
    const watcher = await startWatcher();
    const before = watcher.snapshot.registry;
    await db.query(`update public.ai_providers set config = '{"timeouts": {"first_byte_ms": 5000}}' where name = 'google'`);
    await watcher.refresh();
    const after = watcher.snapshot.registry;
    assert.notEqual(after, before);
    assert.ok(before.providers.get('anthropic')?.provider);
    assert.equal(after.providers.get('anthropic')?.provider, before.providers.get('anthropic')?.provider);
    assert.ok(after.providers.get('google')?.provider);
    assert.notEqual(after.providers.get('google')?.provider, before.providers.get('google')?.provider);
  });

  test('a failed reload keeps serving the last good snapshot and logs why', async () => {
    const logs: LogLine[] = [];
    const watcher = await startWatcher({ logs });
    const good = watcher.snapshot;
    await db.exec('alter table public.ai_models rename to ai_models_moved');
    try {
      await watcher.refresh();
      assert.equal(watcher.snapshot, good);
      assert.ok(
        logs.some((line) => line.level === 'error' && line.message.includes(`still serving version ${good.version}`)),
        JSON.stringify(logs),
      );
    } finally {
      await db.exec('alter table public.ai_models_moved rename to ai_models');
    }
    await insertModel('watch-after-failure');
    await watcher.refresh();
    assert.equal(watcher.snapshot.registry.resolve('watch-after-failure').model.name, 'watch-after-failure');
  });
  test('the version check reloads only the parts whose tables changed since the version served', async () => {
    await db.query(`insert into public.projects (name) values ('watch-parts')`);
    const watcher = await startWatcher({ pollMs: 25 });
    let change = nextChange(watcher);
    await db.query(`insert into public.ai_rate_limits (name, project_id, requests_per_minute) select 'watch-rpm', id, 5 from public.projects where name = 'watch-parts'`);
    assert.deepEqual([...(await change).parts], ['governance']);
    change = nextChange(watcher);
    await db.query(`update public.projects set allowed_models = array['gpt-4o-mini'] where name = 'watch-parts'`);
    assert.deepEqual([...(await change).parts].sort(), ['apiKeys', 'credentials', 'governance']);
    // By hand, without a table: everything.
    change = nextChange(watcher);
    await db.query(`update public.switchboard_config_version set version = version + 1`);
    assert.deepEqual([...(await change).parts].sort(), ['apiKeys', 'credentials', 'governance', 'registry', 'routes']);
  });

  test('a notification that did not come with a version change reloads nothing', async () => {
    const watcher = await startWatcher({ listen: true, debounceMs: 1, minIntervalMs: 20 });
    const swaps: ReadonlySet<SnapshotPart>[] = [];
    watcher.onChange((_snapshot, parts) => swaps.push(parts));
    for (const payload of ['{}', '{"table": "ai_provider_credentials"}', '{"version": 999999, "table": "api_keys"}', '[', 'null']) {
      await db.query(`select pg_notify('switchboard_config', $1)`, [payload]);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(swaps, []);
    const change = nextChange(watcher);
    await insertModel('watch-hinted');
    assert.deepEqual([...(await change).parts], ['registry']);
  });

  test('a version moved past 2^53 by hand: every check reloads, so no change is missed (consecutive versions read alike there)', async () => {
    const logs: LogLine[] = [];
    await db.exec(`update public.switchboard_config_version set version = 4611686018427387904 where id`);
    const watcher = await startWatcher({ logs });
    await insertModel('watch-past-2-53');
    const { rows } = await db.query<{ version: string }>('select version::text as version from public.switchboard_config_version where id');
    assert.equal(rows[0]?.version, '4611686018427387905', 'the trigger moved the version by one');
    await watcher.refresh(new Set());
    assert.ok(hasModel(watcher, 'watch-past-2-53'), 'the new model is served after the next version check');
    assert.ok(logs.some((line) => line.level === 'warn' && line.message.includes('past 2^53')));
    await db.exec(`update public.switchboard_config_version set version = 1000 where id`);
  });

  // Last: it rewinds the schema to before per-table versions (a gateway started with --no-migrate
  // while an upgrade is under way).
  test('without per-table versions, a moved version reloads the parts the notifications named (the poll: everything)', async () => {
    await db.exec(`
      create or replace function public.switchboard_notify_config() returns trigger
      language plpgsql security definer set search_path = '' as $$
      declare new_version bigint;
      begin
        update public.switchboard_config_version set version = version + 1 where id returning version into new_version;
        perform pg_notify('switchboard_config', json_build_object('version', new_version, 'table', tg_table_name)::text);
        return null;
      end;
      $$;
      alter table public.switchboard_config_version drop column table_versions;`);
    assert.equal((await selectConfigState(db)).tableVersions, undefined);
    const listening = await startWatcher({ listen: true, debounceMs: 1, minIntervalMs: 20 });
    const swaps: ReadonlySet<SnapshotPart>[] = [];
    listening.onChange((_snapshot, parts) => swaps.push(parts));
    await db.query(`select pg_notify('switchboard_config', '{}')`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(swaps, [], 'no version change, no reload');
    const change = nextChange(listening);
    await insertModel('watch-unmigrated');
    assert.deepEqual([...(await change).parts], ['registry']);
    const polling = await startWatcher({ pollMs: 25 });
    const polled = nextChange(polling);
    await db.query(`update public.ai_models set is_active = false where name = 'watch-unmigrated'`);
    assert.equal((await polled).parts.size, 5);
  });
});
