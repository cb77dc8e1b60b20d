// The governance rules reload when the governance tables change; a reload that fails (a database
// error) after the configuration snapshot reloaded fine is retried while the rules are behind the
// configuration version, so a new rate limit applies with no further change. Also at start.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import type { Db, Queryable } from '../../src/db/db.js';
import { DatabaseError } from '../../src/errors.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/** `db`, whose next `count` budget selects (`selectBudgets`) fail once armed. */
function failingBudgets(db: Db): { db: Db; failNext(count?: number): void; failed(): number } {
  let armed = 0;
  let failed = 0;
  const wrap = (target: Queryable): Queryable => ({
    query: (sql, params) => {
      if (armed > 0 && sql.includes('from public.ai_budgets order by name')) {
        armed -= 1;
        failed += 1;
        return Promise.reject(new DatabaseError('database_unavailable', 'connection terminated (injected)', { sqlState: '08006', isRetryable: true }));
      }
      return target.query(sql, params);
    },
    exec: (sql) => target.exec(sql),
  });
  return {
    db: {
      kind: db.kind,
      ...wrap(db),
      transaction: (work) => db.transaction((tx) => work(wrap(tx))),
      listen: (channel, handler, onLost) => db.listen(channel, handler, onLost),
      close: () => Promise.resolve(),
    },
    failNext: (count = 1) => {
      armed = count;
    },
    failed: () => failed,
  };
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - start;
}

describe('a failed governance reload is retried', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  async function start(db: TestDb, wrapped: Db, logs: string[]): Promise<Switchboard> {
    const switchboard = await createSwitchboard({
      db: wrapped,
      migrate: false,
      env: {},
      pollMs: 200,
      listen: true,
      usage: false,
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    cleanup.push(() => switchboard.close());
    return switchboard;
  }

  test('a rate limit added while the rules could not be read applies with no further change', async () => {
    const db = await createTestDb();
    cleanup.push(() => db.dispose());
    await db.query(`insert into public.projects (name) values ('retry')`);
    const failing = failingBudgets(db);
    const logs: string[] = [];
    const switchboard = await start(db, failing.db, logs);
    const governor = switchboard.governor;
    assert.ok(governor);
    assert.equal(governor.rules.rateLimitCount, 0);
    failing.failNext();
    await db.query(`insert into public.ai_rate_limits (name, project_id, requests_per_minute) select 'retry-rpm', id, 1 from public.projects where name = 'retry'`);
    const took = await waitFor(() => governor.rules.rateLimitCount === 1, 3000, 'the rate limit in force');
    assert.equal(failing.failed(), 1, 'the first reload failed');
    assert.ok(logs.some((line) => line.startsWith('error: governance: reloading')), logs.join('\n'));
    assert.ok((governor.rulesVersion ?? 0) >= switchboard.watcher.snapshot.version);
    console.log(`the rate limit applied ${took.toFixed(0)} ms after the failed reload`);
  });

  test('rules that could not be loaded at start are loaded by a retry', async () => {
    const db = await createTestDb();
    cleanup.push(() => db.dispose());
    await db.query(`insert into public.projects (name) values ('retry-start')`);
    await db.query(`insert into public.ai_budgets (name, project_id, limit_usd) select 'retry-budget', id, 1 from public.projects where name = 'retry-start'`);
    const failing = failingBudgets(db);
    failing.failNext(2);
    const switchboard = await start(db, failing.db, []);
    const governor = switchboard.governor;
    assert.ok(governor);
    await waitFor(() => governor.rules.budgetCount === 1, 3000, 'the budget in force');
    assert.equal(failing.failed(), 2);
  });
});
