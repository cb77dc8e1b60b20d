// Consumption reported WITHOUT a lease, by an exchange that the store committed but whose reply was
// lost, is charged once when the next exchange reports it again: calls admitted unmetered before
// any lease (SWITCHBOARD_GOVERNANCE_FAIL=open: $3, reply lost, $2 more is $5 spent, not $8), and
// the overdraft reported apart past a lease not renewed for half its TTL ($50 lease, $53 settled,
// reply lost, $2 more is $55, not $58). A proxy mutes the replies; the test waits until the store
// shows the commit, then cuts the connection (Postgres) or lets the exchange's deadline drop it (Redis).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Db } from '../../src/db/db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { DatabaseClock } from '../../src/governance/database-clock.js';
import type { BudgetRule, RateLimitRule } from '../../src/governance/governance-rules.js';
import { defaultGovernanceSettings } from '../../src/governance/governance-settings.js';
import { LeaseCounter } from '../../src/governance/lease-counter.js';
import { redisLeaseStore } from '../../src/governance/lease-store.js';
import { LeaseSync } from '../../src/governance/lease-sync.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { skipWithoutPostgres } from '../helpers/test-db.js';
import { createDirectWorld, PICO, spentUsd, type DirectWorld } from './direct-governor.js';
import { awayFromMinuteEnd, REDIS_URL, redisReachable, within } from './governed-gateways.js';

const redisSkip = (await redisReachable()) ? false : `Redis is unreachable at ${REDIS_URL}`;
// No background rounds: the test runs each exchange itself.
const settings = { ...defaultGovernanceSettings, syncMs: 60_000 };

/** A counter, its LeaseSync, and the instance clock's shift (ms) the test moves. */
interface Setup {
  counter: LeaseCounter;
  sync: LeaseSync;
  clock: { shiftMs: number };
}

function setUp(db: Db, counter: LeaseCounter): Setup {
  const clock = { shiftMs: 0 };
  const counters = new Map([[counter.key, counter]]);
  const sync = new LeaseSync(db, 'gov-lost-unleased', settings, counters, () => undefined, new DatabaseClock(), () => Date.now() + clock.shiftMs);
  return { counter, sync, clock };
}

/** Settles `amount` admitted unmetered (as the governor does failing open: reserved past the lease). */
function settleUnmetered(counter: LeaseCounter, amount: bigint): void {
  counter.reserved += amount;
  counter.settle(amount, amount);
}

/** Runs a round whose reply the proxy drops; once `committed()` shows the store ran it, cuts the connection when `cut`. */
async function roundWithLostReply({ sync, counter }: Setup, proxy: TcpProxy, committed: () => Promise<boolean>, cut: boolean): Promise<void> {
  proxy.muteReplies();
  const round = sync.round();
  await within(10_000, committed);
  if (cut) proxy.cut();
  await round;
  await counter.syncing;
  proxy.restore();
  assert.equal(counter.failed, true, 'the instance saw the exchange fail');
}

/** Rounds until one works (a client still reconnecting fails at once and charges nothing). */
async function roundUntilItWorks({ sync, counter }: Setup): Promise<void> {
  await within(10_000, async () => {
    await sync.round();
    return !counter.failed;
  });
}

/** Takes a lease, then moves the instance's clock past half the lease TTL (its next report splits an overdraft off). */
async function leaseGoingStale(setup: Setup): Promise<void> {
  await setup.sync.refill([setup.counter], [0n]);
  await setup.counter.syncing;
  assert.notEqual(setup.counter.leaseId, null);
  setup.clock.shiftMs = settings.leaseTtlMs / 2 + 1000;
}

async function withPostgresProxy(project: string, test: (world: DirectWorld, through: Db, proxy: TcpProxy, budgetId: string) => Promise<void>): Promise<void> {
  const world = await createDirectWorld(project);
  const url = new URL(world.db.url as string);
  const proxy = await startTcpProxy('127.0.0.1', Number(url.port || 5432));
  url.host = `127.0.0.1:${proxy.port}`;
  const through = await openPostgresDb({ url: url.toString() });
  try {
    const row = await world.db.query<{ id: string }>(
      `insert into public.ai_budgets (name, project_id, limit_usd, period) values ('lost-unleased', $1, 1000, 'day') returning id`,
      [world.projectId],
    );
    await test(world, through, proxy, row.rows[0]?.id as string);
  } finally {
    await proxy.close();
    await through.close().catch(() => undefined);
    await world.db.dispose();
  }
}

async function withRedisProxy(project: string, test: (world: DirectWorld, redisUrl: string, proxy: TcpProxy, spent: () => Promise<number>, limitId: string) => Promise<void>): Promise<void> {
  await awayFromMinuteEnd(20);
  const world = await createDirectWorld(project);
  const proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
  const through = new URL(REDIS_URL);
  through.host = `127.0.0.1:${proxy.port}`;
  const redis = new Redis(REDIS_URL);
  const limitId = '00000000-0000-4000-8000-' + Date.now().toString(16).padStart(12, '0');
  const spent = async (): Promise<number> => {
    let total = 0;
    for (const key of await redis.keys(`switchboard:governance:${limitId}:requests:*`)) total += Number((await redis.hget(key, 'spent')) ?? '0');
    return total;
  };
  try {
    await test(world, through.toString(), proxy, spent, limitId);
  } finally {
    redis.disconnect();
    await proxy.close();
    await world.db.dispose();
  }
}

function budgetCounter(budgetId: string): LeaseCounter {
  const rule = { kind: 'budget', id: budgetId, limitPico: 1000n * PICO, fingerprint: 'f' } as BudgetRule;
  return new LeaseCounter(`${budgetId}:usd_pico`, rule, 'usd_pico', 50n * PICO);
}

function requestsCounter(limitId: string): LeaseCounter {
  const rule = { kind: 'rate_limit', id: limitId, requestsPerMinute: 1000n, fingerprint: 'f' } as RateLimitRule;
  return new LeaseCounter(`${limitId}:requests`, rule, 'requests', 100n);
}

describe('consumption reported without a lease, by an exchange whose reply was lost', () => {
  it('Postgres: calls admitted unmetered before any lease are charged once ($3 + $2 settled, $5 spent)', { skip: skipWithoutPostgres() }, async () => {
    await withPostgresProxy('gov-lost-unleased-pg', async (world, through, proxy, budgetId) => {
      const setup = setUp(through, budgetCounter(budgetId));
      settleUnmetered(setup.counter, 3n * PICO);
      await roundWithLostReply(setup, proxy, async () => (await spentUsd(world.db, budgetId)) === 3, true);
      settleUnmetered(setup.counter, 2n * PICO);
      await roundUntilItWorks(setup);
      assert.equal(await spentUsd(world.db, budgetId), 5, '$3 + $2 settled');
    });
  });

  it('Postgres: an overdraft past a stale lease is charged once ($53 + $2 settled on a $50 lease, $55 spent)', { skip: skipWithoutPostgres() }, async () => {
    await withPostgresProxy('gov-lost-overdraft-pg', async (world, through, proxy, budgetId) => {
      const setup = setUp(through, budgetCounter(budgetId));
      await leaseGoingStale(setup);
      settleUnmetered(setup.counter, 53n * PICO);
      await roundWithLostReply(setup, proxy, async () => (await spentUsd(world.db, budgetId)) === 53, true);
      settleUnmetered(setup.counter, 2n * PICO);
      await roundUntilItWorks(setup);
      assert.equal(await spentUsd(world.db, budgetId), 55, '$53 + $2 settled');
    });
  });

  it('Redis: requests admitted unmetered before any lease are charged once (3 + 2, 5 spent)', { skip: redisSkip }, async () => {
    await withRedisProxy('gov-lost-unleased-redis', async (world, redisUrl, proxy, spent, limitId) => {
      const setup = setUp(world.db, requestsCounter(limitId));
      // ioredis never settles a command whose connection closed: the exchange ends at its deadline, which drops the connection.
      setup.sync.redis = await redisLeaseStore(redisUrl, 1500);
      try {
        settleUnmetered(setup.counter, 3n);
        await roundWithLostReply(setup, proxy, async () => (await spent()) === 3, false);
        settleUnmetered(setup.counter, 2n);
        await roundUntilItWorks(setup);
        assert.equal(await spent(), 5, '3 + 2 requests');
      } finally {
        setup.sync.halt();
      }
    });
  });

  it('Redis: an overdraft past a stale lease is charged once (103 + 2 on a lease of 100, 105 spent)', { skip: redisSkip }, async () => {
    await withRedisProxy('gov-lost-overdraft-redis', async (world, redisUrl, proxy, spent, limitId) => {
      const setup = setUp(world.db, requestsCounter(limitId));
      setup.sync.redis = await redisLeaseStore(redisUrl, 1500);
      try {
        await leaseGoingStale(setup);
        settleUnmetered(setup.counter, 103n);
        await roundWithLostReply(setup, proxy, async () => (await spent()) === 103, false);
        settleUnmetered(setup.counter, 2n);
        await roundUntilItWorks(setup);
        assert.equal(await spent(), 105, '103 + 2 requests');
      } finally {
        setup.sync.halt();
      }
    });
  });
});
