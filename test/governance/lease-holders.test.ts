// A rule changed in place while a call under the old rule is in flight: the instance then holds two
// counters of the same limit, metric and period (the old one retired, returning its lease once its
// call settles; the new one serving new calls). Each must hold its own lease row: when both shared
// the instance's row, the retired counter's release deleted it together with what the new counter
// had consumed and not yet reported, and that consumption never reached `spent`. Both databases,
// and the Redis store for rate limits when Redis is reachable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Governor } from '../../src/governance/governor.js';
import { awayFromMinuteEnd, createWorld, REDIS_URL, redisReachable, within, type Instance, type World } from './governed-gateways.js';

const PICO = 1_000_000_000_000n;


function admitRequest(world: World, instance: Instance, tokens: number) {
  const resolved = instance.switchboard.service.resolve('gov-a');
  return {
    projectId: world.projectId,
    apiKeyId: world.key.id,
    publicName: 'gov-a',
    model: resolved.model,
    provider: resolved.provider,
    estimate: () => Promise.resolve({ inputTokens: 0, outputTokens: tokens }),
  };
}

/** Sums a field over the Redis hashes matching `pattern` (the counters of one limit and metric). */
async function redisHashes(pattern: string): Promise<{ sum(field: string): Promise<number>; close(): Promise<void> }> {
  const { Redis } = await import('ioredis');
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return {
    async sum(field) {
      let total = 0;
      for (const key of await client.keys(pattern)) total += Number((await client.hget(key, field)) ?? '0');
      return total;
    },
    async close() {
      await client.quit();
    },
  };
}

/** Waits until the instance has loaded a governance configuration other than `seen`. */
async function reloaded(governor: Governor, seen: unknown): Promise<void> {
  await within(3000, () => Promise.resolve(governor.rules !== seen));
}

async function budgetSpent(world: World, name: string): Promise<bigint> {
  const result = await world.db.query<{ spent: string }>(
    `select coalesce(sum(c.spent), 0)::text as spent from public.ai_governance_counters c join public.ai_budgets b on b.id = c.limit_id where b.name = $1`,
    [name],
  );
  return BigInt(result.rows[0]?.spent ?? '0');
}

describe('a rule changed in place with a call in flight (lease rows per counter)', () => {
  let world: World;

  before(async () => {
    world = await createWorld();
  });
  after(async () => {
    await world?.close();
  });

  it("the retired counter's release leaves the new counter's lease and consumption alone", async () => {
    await world.db.query(`insert into public.ai_budgets (name, project_id, limit_usd, period) values ('gov-holders', $1, 1000, 'day')`, [world.projectId]);
    const instance = await world.start({ governance: { syncMs: 50 } });
    const governor = instance.switchboard.governor as Governor;
    await within(3000, () => Promise.resolve(governor.rules.budgetCount === 1));
    const request = admitRequest(world, instance, 5);

    const old = await governor.admit(request);
    const seen = governor.rules;
    await world.db.query(`update public.ai_budgets set limit_usd = 900 where name = 'gov-holders'`);
    await reloaded(governor, seen);

    const fresh = await governor.admit(request);
    // The old call settles: its counter reports $5 and returns its lease.
    old.settle(5n * PICO, 5);
    await within(3000, async () => (await budgetSpent(world, 'gov-holders')) === 5n * PICO);
    // The new counter's call settles after that release, then two more calls on the new counter.
    fresh.settle(3n * PICO, 3);
    for (const cost of [2n, 4n]) (await governor.admit(request)).settle(cost * PICO, Number(cost));
    await within(3000, async () => (await budgetSpent(world, 'gov-holders')) === 14n * PICO);
    await instance.close();
    assert.equal(await budgetSpent(world, 'gov-holders'), 14n * PICO, 'every settled dollar is in spent, once');
    const leases = await world.db.query(`select 1 from public.ai_governance_leases`);
    assert.equal(leases.rowCount, 0, 'every lease was returned on close');
  });
});

const skipRedis = (await redisReachable()) ? false : `Redis is unreachable at ${REDIS_URL}`;

describe('the same on the Redis store (tokens per minute)', { skip: skipRedis }, () => {
  let world: World;

  before(async () => {
    world = await createWorld();
  });
  after(async () => {
    await world?.close();
  });

  it("the retired counter's release leaves the new counter's lease and consumption alone", async () => {
    await awayFromMinuteEnd(15);
    const inserted = await world.db.query<{ id: string }>(
      `insert into public.ai_rate_limits (name, project_id, api_key_id, tokens_per_minute) values ('gov-holders-tpm', $1, $2, 100000) returning id`,
      [world.projectId, world.key.id],
    );
    const limitId = inserted.rows[0]?.id as string;
    const instance = await world.start({ governance: { redisUrl: REDIS_URL, syncMs: 50 } });
    const governor = instance.switchboard.governor as Governor;
    await within(3000, () => Promise.resolve(governor.rules.rateLimitCount === 1));
    const request = admitRequest(world, instance, 5);

    const old = await governor.admit(request);
    const seen = governor.rules;
    await world.db.query(`update public.ai_rate_limits set tokens_per_minute = 90000 where id = $1`, [limitId]);
    await reloaded(governor, seen);

    const fresh = await governor.admit(request);
    old.settle(null, 5);
    const redis = await redisHashes(`switchboard:governance:${limitId}:tokens:*`);
    try {
      await within(3000, async () => (await redis.sum('spent')) === 5);
      fresh.settle(null, 3);
      for (const tokens of [2, 4]) (await governor.admit(request)).settle(null, tokens);
      await instance.close();
      assert.equal(await redis.sum('spent'), 14, 'every settled token is in spent, once');
      assert.equal(await redis.sum('leased'), 0, 'every lease was returned on close');
    } finally {
      await redis.close();
    }
  });
});
