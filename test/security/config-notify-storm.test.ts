// Postgres checks no privilege on NOTIFY: any login, the read-only runtime role included, can send
// `switchboard_config` notifications (here: as `switchboard_runtime`). A notification is a hint:
// the version row decides whether anything reloads, and which parts. A storm of forged
// notifications costs a few version reads (at most one per 50 ms, the default), no reload and no
// credential-cache flush, while a real change made during the storm still applies within a second.
// Budget and rate-limit edits reload the governance rules only. Real databases (PGlite or Postgres).
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { Db, Queryable } from '../../src/db/db.js';
import type { SnapshotPart } from '../../src/registry/config-snapshot.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

type Counts = Record<'versionReads' | 'providerLoads' | 'keyLoads' | 'governanceLoads' | 'total', number>;

/** `db`, counting the statements the configuration feed sends. */
function counting(db: Db, counts: Counts): Db {
  const count = (sql: string): void => {
    counts.total += 1;
    if (sql.includes('switchboard_config_version')) counts.versionReads += 1;
    if (sql.includes('from public.ai_providers order by name')) counts.providerLoads += 1;
    if (sql.includes('switchboard_active_api_keys')) counts.keyLoads += 1;
    if (sql.includes('from public.ai_budgets order by name')) counts.governanceLoads += 1;
  };
  const wrap = (target: Queryable): Queryable => ({
    query: (sql, params) => {
      count(sql);
      return target.query(sql, params);
    },
    exec: (sql) => {
      count(sql);
      return target.exec(sql);
    },
  });
  return {
    kind: db.kind,
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    listen: (channel, handler, onLost) => db.listen(channel, handler, onLost),
    close: () => Promise.resolve(),
  };
}

const zero = (): Counts => ({ versionReads: 0, providerLoads: 0, keyLoads: 0, governanceLoads: 0, total: 0 });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The ms until `check` holds (polled every 5 ms), or Infinity after `timeoutMs`. */
async function timeTo(check: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) return Infinity;
    await sleep(5);
  }
  return performance.now() - start;
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  if ((await timeTo(check, timeoutMs)) === Infinity) assert.fail(`${what}: not within ${timeoutMs} ms`);
}

describe('the config change feed under forged notifications', () => {
  let db: TestDb;
  let switchboard: Switchboard;
  const counts: Counts = zero();
  const loads: SnapshotPart[][] = [];

  before(async () => {
    db = await createTestDb();
    await db.query(`insert into public.projects (name) values ('storm')`);
    const wrapped = counting(db, counts);
    switchboard = await createSwitchboard({ db: wrapped, migrate: false, env: {}, pollMs: 0, listen: true, usage: false });
    switchboard.watcher.onChange((_snapshot, parts) => loads.push([...parts].sort()));
  });
  after(async () => {
    await switchboard?.close();
    await db?.dispose();
  });

  test('1,000 forged notifications a few ms apart: no reload, no credential flush; a real change still applies within 1 s', async () => {
    Object.assign(counts, zero());
    loads.length = 0;
    const payloads = ['{}', 'not json', '{"table": "ai_provider_credentials"}', '{"version": 999999, "table": "api_keys"}', '{"table": "ai_budgets"}'];
    let applied: Promise<number> | undefined;
    const start = performance.now();
    for (let index = 0; index < 1000; index += 1) {
      await db.transaction(async (tx) => {
        await tx.query('set local role switchboard_runtime');
        await tx.query(`select pg_notify('switchboard_config', $1)`, [payloads[index % payloads.length] as string]);
      });
      if (index === 500) {
        await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'storm-model', id, 'gpt-4o-mini' from public.ai_providers where name = 'openai'`);
        applied = timeTo(() => switchboard.watcher.snapshot.registry.models.get('storm-model')?.status === 'available', 1000);
      }
      // Mostly closer than the 10 ms debounce, now and then a pause longer than it.
      await sleep(index % 10 === 9 ? 15 : 2);
    }
    const stormMs = performance.now() - start;
    const latency = await applied;
    // The storm's last notifications are checked too.
    await sleep(500);
    const elapsed = performance.now() - start;
    assert.equal(loads.filter((parts) => parts.includes('credentials')).length, 0, 'no credential-cache flush');
    assert.deepEqual(loads, [['registry']], 'one load: the real change, and only its part');
    assert.equal(counts.providerLoads, 1);
    assert.equal(counts.keyLoads, 0, 'the API keys were not reloaded');
    assert.equal(counts.governanceLoads, 0, 'the governance rules were not reloaded');
    assert.ok(counts.versionReads <= Math.ceil(elapsed / 50) + 2, `${counts.versionReads} version reads in ${elapsed.toFixed(0)} ms (storm ${stormMs.toFixed(0)} ms)`);
    assert.ok((latency ?? Infinity) < 1000, 'the real change made during the storm applied within 1 s');
  });

  test('a rate-limit or budget edit reloads the governance rules only (no credential flush)', async () => {
    const governor = switchboard.governor;
    assert.ok(governor);
    Object.assign(counts, zero());
    loads.length = 0;
    await db.query(`insert into public.ai_rate_limits (name, project_id, requests_per_minute) select 'storm-rpm', id, 10 from public.projects where name = 'storm'`);
    await waitFor(() => governor.rules.rateLimitCount === 1, 2000, 'the new rate limit');
    await db.query(`insert into public.ai_budgets (name, project_id, limit_usd, period) select 'storm-budget', id, 5, 'month' from public.projects where name = 'storm'`);
    await waitFor(() => governor.rules.budgetCount === 1, 2000, 'the new budget');
    assert.deepEqual(loads, [['governance'], ['governance']]);
    assert.equal(counts.providerLoads, 0);
    assert.equal(counts.keyLoads, 0);
  });
});
