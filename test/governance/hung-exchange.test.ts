// A lease exchange whose connection dies silently (no RST: a Postgres failover to another host, a
// NAT or load balancer dropping its state, a network partition) never answers: node-postgres has no
// client-side timeout and no TCP keepalive here, and the governor never abandons an exchange
// (admission-wait.ts `#refill`, lease-sync.ts `round`). The counters in it stay `syncing` and the
// background round stays stuck on it, so once the database is reachable again the instance keeps
// refusing (fail closed) or admitting unmetered and unreported (fail open) for as long as the dead
// socket lives: forever without keepalive when the statement was delivered before the peer vanished.
import assert from 'node:assert/strict';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { describe, it } from 'node:test';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { Governor } from '../../src/governance/governor.js';
import { GovernanceError } from '../../src/governance/governance-error.js';
import { skipWithoutPostgres } from '../helpers/test-db.js';
import { createDirectWorld, PICO, spentUsd } from './direct-governor.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));


async function scenario(fail: 'closed' | 'open', limitUsd: number, leaseFraction: number) {
  const world = await createDirectWorld(`gov-hung-${fail}`);
  const url = new URL(world.db.url as string);
  const proxy = await startTcpProxy('127.0.0.1', Number(url.port || 5432));
  url.host = `127.0.0.1:${proxy.port}`;
  const through = await openPostgresDb({ url: url.toString() });
  const governor = new Governor({ db: through, prices: world.prices, settings: { fail, syncMs: 100, leaseTtlMs: 1000, timeoutMs: 300, leaseFraction } });
  const budget = await world.db.query<{ id: string }>(`insert into public.ai_budgets (name, project_id, limit_usd, period) values ('h', $1, $2, 'day') returning id`, [
    world.projectId,
    limitUsd,
  ]);
  await governor.start();
  /** One $1 call: 'ok', 'quota' (429), 'unavailable' (503). */
  const call = async (): Promise<string> => {
    try {
      (await governor.admit(world.request(1))).settle(PICO, 1);
      return 'ok';
    } catch (error) {
      if (error instanceof GovernanceError) return error.code === 'governance_unavailable' ? 'unavailable' : 'quota';
      throw error;
    }
  };
  return {
    world,
    governor,
    proxy,
    call,
    budgetId: budget.rows[0]?.id as string,
    async dispose() {
      governor.halt();
      await proxy.close();
      await through.close().catch(() => undefined);
      await world.db.dispose();
    },
  };
}

const tally = (outcomes: string[]): Record<string, number> => Object.fromEntries([...new Set(outcomes)].map((o) => [o, outcomes.filter((x) => x === o).length]));

describe('a lease exchange on a connection that died silently', { skip: skipWithoutPostgres() }, () => {
  it('fail closed: once the database is reachable again, calls are admitted again (not 503 for as long as the dead socket lives)', async () => {
    const s = await scenario('closed', 1000, 0.005); // chunk $5
    try {
      for (let i = 0; i < 3; i += 1) assert.equal(await s.call(), 'ok');
      await sleep(300);
      s.proxy.freeze(); // every pooled connection is now a black hole; new ones are refused
      const during: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        during.push(await s.call());
        await sleep(50);
      }
      s.proxy.restore(); // the database answers new connections again
      await sleep(3000); // 3 lease TTLs, 30 sync intervals, 10 exchange timeouts
      const after: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        after.push(await s.call());
        await sleep(50);
      }
      // Reachable directly: a fresh connection answers at once.
      const fresh = await openPostgresDb({ url: (() => { const u = new URL(s.world.db.url as string); u.host = `127.0.0.1:${s.proxy.port}`; return u.toString(); })() });
      await fresh.query('select 1');
      await fresh.close();
      console.log('fail closed: during', tally(during), 'after recovery', tally(after));
      assert.deepEqual(tally(after), { ok: 20 }, `after the database came back: ${JSON.stringify(tally(after))}`);
    } finally {
      await s.dispose();
    }
  });

  it('fail open: once the database is reachable again, the budget is enforced and what was admitted is charged', async () => {
    const s = await scenario('open', 50, 0.1); // chunk $5
    try {
      for (let i = 0; i < 3; i += 1) assert.equal(await s.call(), 'ok');
      await sleep(300);
      s.proxy.freeze();
      for (let i = 0; i < 10; i += 1) {
        await s.call();
        await sleep(50);
      }
      s.proxy.restore();
      await sleep(3000);
      const after: string[] = [];
      for (let i = 0; i < 100; i += 1) after.push(await s.call());
      await sleep(1500);
      const admitted = 3 + 10 + after.filter((o) => o === 'ok').length;
      // close() waits for the hung exchange: bounded here so the test ends.
      const closed = await Promise.race([s.governor.close().then(() => 'closed'), sleep(3000).then(() => 'still waiting after 3 s')]);
      const spent = await spentUsd(s.world.db, s.budgetId);
      console.log('fail open: after recovery', tally(after), `admitted $${admitted} under a $50 budget, charged $${spent}; close(): ${closed}`);
      assert.ok(admitted <= 50 + 13, `admitted $${admitted} under a $50 budget after the database came back`);
      assert.equal(closed, 'closed');
      // Every dollar admitted is charged once (the expired lease whole, the rest reported).
      assert.equal(spent, admitted);
    } finally {
      await s.dispose();
    }
  });
});

describe('the same on the Redis store (a requests-per-minute limit)', { skip: skipWithoutPostgres() }, () => {
  it('fail closed: once Redis is reachable again, calls are admitted again', async () => {
    const { awayFromMinuteEnd, REDIS_URL, redisReachable } = await import('./governed-gateways.js');
    if (!(await redisReachable())) return;
    await awayFromMinuteEnd(15);
    const world = await createDirectWorld('gov-hung-redis');
    const proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    const through = new URL(REDIS_URL);
    through.host = `127.0.0.1:${proxy.port}`;
    const governor = new Governor({
      db: world.db,
      prices: world.prices,
      settings: { fail: 'closed', syncMs: 100, leaseTtlMs: 1000, timeoutMs: 300, leaseFraction: 0.0001, redisUrl: through.toString() },
    });
    try {
      await world.db.query(`insert into public.ai_rate_limits (name, project_id, requests_per_minute) values ('h-rpm', $1, 100000)`, [world.projectId]);
      await governor.start();
      const call = async (): Promise<string> => {
        try {
          (await governor.admit(world.request(1))).settle(PICO, 1);
          return 'ok';
        } catch (error) {
          if (error instanceof GovernanceError) return error.code;
          throw error;
        }
      };
      for (let i = 0; i < 3; i += 1) assert.equal(await call(), 'ok');
      await sleep(300);
      proxy.freeze();
      for (let i = 0; i < 20; i += 1) {
        await call();
        await sleep(50);
      }
      proxy.restore();
      await sleep(3000);
      const after: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        after.push(await call());
        await sleep(50);
      }
      console.log('redis fail closed: after recovery', tally(after));
      assert.deepEqual(tally(after), { ok: 20 });
    } finally {
      governor.halt();
      await proxy.close();
      await world.db.dispose();
    }
  });
});
