// Fixed-window budgets follow the database's clock, not the instance's. An instance whose clock is
// two hours off (either way) meters the window the database says is in force: a tight window
// refuses a call that does not fit (naming the window's end by the database's clock), and a wide
// one is charged for what the call cost. Before, the instance judged the window by its own clock
// and left such calls unmetered. The offset is measured on the statements the governor runs anyway
// (the rules' read, the lease exchanges). Both databases with the clock injected into the governor;
// on Postgres also with the process's own clock skewed (`Date.now`), as on a host whose clock is off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GovernanceError } from '../../src/governance/governance-error.js';
import { Governor } from '../../src/governance/governor.js';
import { skipWithoutPostgres } from '../helpers/test-db.js';
import { createDirectWorld, PICO, spentUsd, type DirectWorld } from './direct-governor.js';

const HOUR = 3_600_000;

/** The database's time now (epoch ms). */
async function databaseNow(world: DirectWorld): Promise<number> {
  const result = await world.db.query<{ now: Date }>('select clock_timestamp() as now');
  return (result.rows[0]?.now as Date).getTime();
}

/** A fixed-window budget of the world's project over [from, to) (database time), with its id. */
async function windowBudget(world: DirectWorld, name: string, limitUsd: number, from: number, to: number): Promise<string> {
  const result = await world.db.query<{ id: string }>(
    `insert into public.ai_budgets (name, project_id, limit_usd, period, starts_at, ends_at) values ($1, $2, $3, 'fixed', $4, $5) returning id`,
    [name, world.projectId, limitUsd, new Date(from), new Date(to)],
  );
  return result.rows[0]?.id as string;
}

/**
 * The window [database now − 1 h, database now + 1 h) is in force for a governor whose instance
 * clock is `skewMs` off: a $10 call is refused by a $5 budget over it, then admitted and charged
 * by a $1,000 one.
 */
async function checkWindow(skewMs: number, governorOf: (world: DirectWorld) => Governor): Promise<void> {
  const world = await createDirectWorld(`gov-clock-${skewMs > 0 ? 'ahead' : 'behind'}`);
  let governor: Governor | undefined;
  try {
    const now = await databaseNow(world);
    const tightId = await windowBudget(world, 'clock-tight', 5, now - HOUR, now + HOUR);
    governor = governorOf(world);
    await governor.start();
    assert.ok(Math.abs(governor.clockOffsetMs + skewMs) < 1000, `offset measured ${governor.clockOffsetMs} ms for a clock ${skewMs} ms off`);

    const subject = governor;
    await assert.rejects(
      async () => subject.admit(world.request(10)),
      (error: unknown) => {
        assert.ok(error instanceof GovernanceError, String(error));
        assert.equal(error.code, 'insufficient_quota');
        assert.match(error.message, new RegExp(`It resets at ${new Date(now + HOUR).toISOString().slice(0, 16)}`));
        return true;
      },
    );

    await world.db.query(`update public.ai_budgets set is_active = false where id = $1`, [tightId]);
    const wideId = await windowBudget(world, 'clock-wide', 1000, now - HOUR, now + HOUR);
    await governor.reload();
    const ticket = await governor.admit(world.request(10));
    ticket.settle(3n * PICO, 3);
    await governor.close();
    assert.equal(await spentUsd(world.db, wideId), 3, 'the call was charged to the window in force');
  } finally {
    governor?.halt();
    await world.db.dispose();
  }
}

describe('fixed windows by the database clock', () => {
  for (const skewMs of [2 * HOUR, -2 * HOUR]) {
    it(`an instance clock ${skewMs > 0 ? 'two hours ahead' : 'two hours behind'} (injected)`, async () => {
      await checkWindow(skewMs, (world) => new Governor({ db: world.db, prices: world.prices, settings: { syncMs: 60_000 }, now: () => Date.now() + skewMs }));
    });
  }

  for (const skewMs of [2 * HOUR, -2 * HOUR]) {
    it(`the process clock ${skewMs > 0 ? 'two hours ahead' : 'two hours behind'} (Postgres)`, { skip: skipWithoutPostgres() }, async () => {
      const real = Date.now;
      await checkWindow(skewMs, (world) => {
        // From here on (the governor's start, admission, close) the process's clock is off.
        Date.now = () => real.call(Date) + skewMs;
        return new Governor({ db: world.db, prices: world.prices, settings: { syncMs: 60_000 } });
      }).finally(() => {
        Date.now = real;
      });
    });
  }
});
