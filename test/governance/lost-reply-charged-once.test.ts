// A lease exchange that the store committed but whose reply was lost (the connection dropped
// between the commit and the answer) fails on the instance, which reports the same consumption
// again with its next exchange. Each report carries its lease's running total, so the store charges
// only what is new: $3 settled, reply lost, $2 more settled is $5 spent, not $3 + $5 = $8.
// A proxy mutes the replies, the test waits until the store shows the commit, then cuts the connection.
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
import { createDirectWorld, PICO, spentUsd } from './direct-governor.js';
import { awayFromMinuteEnd, REDIS_URL, redisReachable, within } from './governed-gateways.js';

const redisSkip = (await redisReachable()) ? false : `Redis is unreachable at ${REDIS_URL}`;
// No background rounds: the test runs each exchange itself.
const settings = { ...defaultGovernanceSettings, syncMs: 60_000 };

function leaseSync(db: Db, counter: LeaseCounter): LeaseSync {
  return new LeaseSync(db, 'gov-lost-reply', settings, new Map([[counter.key, counter]]), () => undefined, new DatabaseClock());
}

/** Settles `amount` on `counter` (reserved, then consumed in full). */
function settle(counter: LeaseCounter, amount: bigint): void {
  assert.notEqual(counter.reserveFree(amount), undefined);
  counter.settle(amount, amount);
}

/**
 * Runs a round whose reply the proxy drops; once `committed()` shows the store ran it, the
 * connection is cut (`cut`), or left to the exchange's deadline, which drops it.
 */
async function roundWithLostReply(sync: LeaseSync, counter: LeaseCounter, proxy: TcpProxy, committed: () => Promise<boolean>, cut: boolean): Promise<void> {
  proxy.muteReplies();
  const round = sync.round();
  await within(10_000, committed);
  if (cut) proxy.cut();
  await round;
  await counter.syncing;
  proxy.restore();
}

/** A refill, and the end of its tracking (a round skips a counter still marked in flight). */
async function refill(sync: LeaseSync, counter: LeaseCounter): Promise<void> {
  await sync.refill([counter], [0n]);
  await counter.syncing;
}

describe('a lease exchange that committed but whose reply was lost', () => {
  it('Postgres: what it reported is charged once when the next exchange reports it again ($3 + $2 settled, $5 spent)', { skip: skipWithoutPostgres() }, async () => {
    const world = await createDirectWorld('gov-lost-reply-pg');
    const url = new URL(world.db.url as string);
    const proxy = await startTcpProxy('127.0.0.1', Number(url.port || 5432));
    url.host = `127.0.0.1:${proxy.port}`;
    const through = await openPostgresDb({ url: url.toString() });
    try {
      const row = await world.db.query<{ id: string }>(
        `insert into public.ai_budgets (name, project_id, limit_usd, period) values ('lost-reply', $1, 1000, 'day') returning id`,
        [world.projectId],
      );
      const budgetId = row.rows[0]?.id as string;
      const rule = { kind: 'budget', id: budgetId, limitPico: 1000n * PICO, fingerprint: 'f' } as BudgetRule;
      const counter = new LeaseCounter(`${budgetId}:usd_pico`, rule, 'usd_pico', 50n * PICO);
      const sync = leaseSync(through, counter);
      await refill(sync, counter);
      settle(counter, 3n * PICO);
      await roundWithLostReply(sync, counter, proxy, async () => (await spentUsd(world.db, budgetId)) === 3, true);
      assert.equal(counter.failed, true, 'the instance saw the exchange fail');
      settle(counter, 2n * PICO);
      await sync.round();
      assert.equal(counter.failed, false);
      assert.equal(await spentUsd(world.db, budgetId), 5, '$3 + $2 settled');
    } finally {
      await proxy.close();
      await through.close().catch(() => undefined);
      await world.db.dispose();
    }
  });

  it('Redis: what it reported is charged once when the next exchange reports it again (3 + 2 requests, 5 spent)', { skip: redisSkip }, async () => {
    await awayFromMinuteEnd(15);
    const world = await createDirectWorld('gov-lost-reply-redis');
    const proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    const through = new URL(REDIS_URL);
    through.host = `127.0.0.1:${proxy.port}`;
    const redis = new Redis(REDIS_URL);
    const limitId = '00000000-0000-4000-8000-' + Date.now().toString(16).padStart(12, '0');
    const rule = { kind: 'rate_limit', id: limitId, requestsPerMinute: 1000n, fingerprint: 'f' } as RateLimitRule;
    const counter = new LeaseCounter(`${limitId}:requests`, rule, 'requests', 100n);
    const sync = leaseSync(world.db, counter);
    // ioredis never settles a command whose connection closed (it does not resend it either): the
    // exchange ends at its deadline, which drops the connection.
    sync.redis = await redisLeaseStore(through.toString(), 1500);
    const spent = async (): Promise<number> => {
      let total = 0;
      for (const key of await redis.keys(`switchboard:governance:${limitId}:requests:*`)) total += Number((await redis.hget(key, 'spent')) ?? '0');
      return total;
    };
    try {
      await refill(sync, counter);
      settle(counter, 3n);
      await roundWithLostReply(sync, counter, proxy, async () => (await spent()) === 3, false);
      assert.equal(counter.failed, true, 'the instance saw the exchange fail');
      settle(counter, 2n);
      // Until the client has reconnected, an exchange fails at once (no offline queue) and charges nothing.
      await within(10_000, async () => {
        await sync.round();
        return !counter.failed;
      });
      assert.equal(await spent(), 5, '3 + 2 requests');
    } finally {
      sync.halt();
      redis.disconnect();
      await proxy.close();
      await world.db.dispose();
    }
  });
});
