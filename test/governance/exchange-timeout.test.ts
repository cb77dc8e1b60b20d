// A lease exchange a call waits on (a refill) is bounded by SWITCHBOARD_GOVERNANCE_TIMEOUT_MS. When
// the database does not answer in time, the call gets what it gets when the store is unreachable
// (fail closed: 503 governance_unavailable; open: admitted unmetered) within the bound, instead of
// waiting as long as the database does. Postgres: another connection holds the counter row's lock,
// and the exchange's own lock timeout ends its wait in the database too. PGlite (one connection): a
// transaction holds the connection, so the exchange waits its turn. Nothing is lost either way: the
// late or failed exchange's report reaches `spent` afterwards.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { GovernanceError } from '../../src/governance/governance-error.js';
import { Governor } from '../../src/governance/governor.js';
import type { TestDb } from '../helpers/test-db.js';
import { createDirectWorld, PICO, spentUsd } from './direct-governor.js';
import { within } from './governed-gateways.js';

const TIMEOUT_MS = 400;

interface Blocker {
  release(): Promise<void>;
}

/** Holds the budget's counter row locked (Postgres) or the one connection (PGlite) until released. */
async function block(db: TestDb, budgetId: string): Promise<Blocker> {
  let released: Promise<void> | undefined;
  if (db.url !== undefined) {
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    await client.query('begin');
    const locked = await client.query('select id from public.ai_governance_counters where limit_id = $1 for update', [budgetId]);
    assert.equal(locked.rowCount, 1);
    return {
      release: () =>
        (released ??= (async () => {
          await client.query('rollback');
          await client.end();
        })()),
    };
  }
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered = (): void => undefined;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const held = db.transaction(async (tx) => {
    await tx.query('select 1');
    entered();
    await gate;
  });
  await inside;
  return {
    release: () =>
      (released ??= (async () => {
        open();
        await held;
      })()),
  };
}

/** Sessions of this database waiting on a lock inside a lease exchange. */
async function exchangesWaiting(db: TestDb): Promise<number> {
  const result = await db.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and query like '%switchboard\\_governance\\_sync%'`,
  );
  return result.rows[0]?.n ?? 0;
}

describe('a lease exchange that does not answer in time', () => {
  for (const fail of ['closed', 'open'] as const) {
    it(`fail ${fail}: the call waiting on it ${fail === 'closed' ? 'gets 503' : 'is admitted unmetered'} within the bound; spent stays exact`, async () => {
      const world = await createDirectWorld(`gov-timeout-${fail}`);
      const governor = new Governor({
        db: world.db,
        prices: world.prices,
        // A $1 chunk of the $1,000 budget: every $10 call needs a refill. No background rounds.
        settings: { fail, timeoutMs: TIMEOUT_MS, syncMs: 60_000, leaseFraction: 0.001 },
      });
      try {
        const budget = await world.db.query<{ id: string }>(
          `insert into public.ai_budgets (name, project_id, limit_usd, period) values ('timeout-day', $1, 1000, 'day') returning id`,
          [world.projectId],
        );
        const budgetId = budget.rows[0]?.id as string;
        await governor.start();
        const first = await governor.admit(world.request(10));
        first.settle(10n * PICO, 10);

        const blocker = await block(world.db, budgetId);
        // Without a bound the call would wait for this (the old behaviour): the test then fails on time.
        const safety = setTimeout(() => void blocker.release(), 4000);
        try {
          const started = performance.now();
          const call = (async () => governor.admit(world.request(10)))();
          // Postgres: the exchange is really waiting on the lock in the database.
          if (world.db.url !== undefined) await within(TIMEOUT_MS, async () => (await exchangesWaiting(world.db)) === 1);
          if (fail === 'closed') {
            await assert.rejects(
              call,
              (error: unknown) => {
                assert.ok(error instanceof GovernanceError, String(error));
                assert.equal(error.code, 'governance_unavailable');
                assert.equal(error.status, 503);
                assert.equal(error.retryAfter, 1);
                return true;
              },
            );
          } else {
            const unmetered = await call;
            unmetered.settle(10n * PICO, 10);
          }
          const took = performance.now() - started;
          assert.ok(took >= TIMEOUT_MS - 50 && took < TIMEOUT_MS + 1000, `the call took ${Math.round(took)} ms (bound ${TIMEOUT_MS} ms)`);
          if (world.db.url !== undefined) {
            // The database gave up on the exchange as well (lock_timeout), while the lock is still held.
            await within(TIMEOUT_MS + 2000, async () => (await exchangesWaiting(world.db)) === 0);
          }
        } finally {
          clearTimeout(safety);
          await blocker.release();
        }

        const third = await governor.admit(world.request(10));
        third.settle(10n * PICO, 10);
        await governor.close();
        // Closed: the first and third calls; open: the unmetered one too, reported late.
        assert.equal(await spentUsd(world.db, budgetId), fail === 'closed' ? 20 : 30);
        const leases = await world.db.query<{ n: number }>('select count(*)::int as n from public.ai_governance_leases');
        assert.equal(leases.rows[0]?.n, 0, 'every lease returned on close');
      } finally {
        governor.halt();
        await world.db.dispose();
      }
    });
  }
});
