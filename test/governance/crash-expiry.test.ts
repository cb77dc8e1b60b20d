// Issue 10: an instance that dies with leases and reservations outstanding. Its leases are not
// renewed, expire, and are charged whole (reserved + unreported + free room), so nothing reserved is
// lost; the next period's counter starts clean. In-process (a halted governor, both databases) and
// a real `switchboard serve` process killed with SIGKILL (Postgres only).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { selectCounterStatus } from '../../src/db/sql/governance.js';
import type { Governor } from '../../src/governance/governor.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';
import { insertProjectKey, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';
import { chat, createWorld, PROJECT, within, type World } from './governed-gateways.js';

const PICO = 1_000_000_000_000n;

interface CounterRow {
  period_start: Date;
  spent: string;
  leased: string;
  reserved: string;
  leases: string;
}

async function counters(db: TestDb, budget: string): Promise<CounterRow[]> {
  const result = await db.query<CounterRow>(
    `select c.period_start, c.spent::text as spent, c.leased::text as leased,
            coalesce((select sum(l.reserved) from public.ai_governance_leases l where l.counter_id = c.id), 0)::text as reserved,
            (select count(*) from public.ai_governance_leases l where l.counter_id = c.id)::text as leases
       from public.ai_governance_counters c join public.ai_budgets b on b.id = c.limit_id
      where b.name = $1 order by c.period_start`,
    [budget],
  );
  return result.rows;
}

describe('a crashed instance (halted in-process)', () => {
  let world: World;

  before(async () => {
    world = await createWorld();
    await world.db.query(
      `insert into public.ai_budgets (name, project_id, limit_usd, period, starts_at, ends_at)
       values ('gov-crash', $1, 100, 'fixed', now() - interval '1 minute', now() + interval '1 hour')`,
      [world.projectId],
    );
  });
  after(async () => {
    await world?.close();
  });

  it('expires its leases, charges them whole, and the next period starts clean', async () => {
    // A TTL of a few seconds: a loaded CI machine can stall the live instance's renewals past one second.
    const doomed = await world.start({ governance: { leaseTtlMs: 3000, syncMs: 50 } });
    const governor = doomed.switchboard.governor as Governor;
    const resolved = doomed.switchboard.service.resolve('gov-a');
    const request = {
      projectId: world.projectId,
      apiKeyId: world.key.id,
      publicName: 'gov-a',
      model: resolved.model,
      provider: resolved.provider,
      estimate: () => Promise.resolve({ inputTokens: 0, outputTokens: 5 }),
    };
    // One call settled ($5), three in flight ($15 reserved) when the instance dies.
    const settled = await governor.admit(request);
    settled.settle(5n * PICO, 5);
    for (let index = 0; index < 3; index += 1) await governor.admit(request);
    await within(10_000, async () => (await counters(world.db, 'gov-crash'))[0]?.reserved === (15n * PICO).toString());
    const [before] = await counters(world.db, 'gov-crash');
    assert.ok(before);
    assert.equal(BigInt(before.spent), 5n * PICO, 'the settled call was reported');
    assert.ok(BigInt(before.leased) >= 15n * PICO);
    governor.halt();

    await new Promise((resolve) => setTimeout(resolve, 3300));
    await selectCounterStatus(world.db);
    const [afterExpiry] = await counters(world.db, 'gov-crash');
    assert.ok(afterExpiry);
    assert.equal(afterExpiry.leases, '0');
    assert.equal(afterExpiry.leased, '0');
    // Charged whole: spent + reserved before = what is spent now, plus the free room of the lease.
    assert.equal(BigInt(afterExpiry.spent), BigInt(before.spent) + BigInt(before.leased));
    assert.ok(BigInt(afterExpiry.spent) >= 5n * PICO + 15n * PICO, 'nothing reserved is lost');

    // The next period (a new window) starts clean, on a live instance.
    await world.db.query(`update public.ai_budgets set starts_at = now(), ends_at = now() + interval '1 hour' where name = 'gov-crash'`);
    const survivor = await world.start();
    assert.equal((await chat(survivor.origin, world.key.key)).status, 200);
    await survivor.close();
    const periods = await counters(world.db, 'gov-crash');
    assert.equal(periods.length, 2);
    assert.equal(periods[0]?.spent, afterExpiry.spent, 'the old period is untouched');
    assert.equal(BigInt(periods[1]?.spent ?? '0'), 5n * PICO, 'the new period holds only its own call');
    assert.equal(periods[1]?.leased, '0');
  });
});

describe('a switchboard serve process killed with SIGKILL', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let hanging: MockServer;
  let serve: ServeProcess | undefined;
  let key: string;

  before(async () => {
    db = await createTestDb();
    hanging = await startMockServer(() => new Promise<void>(() => {}));
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, pricing)
       values ('gov-hang', 'OpenAIProvider', $1, '["GOV_HANG_API_KEY"]'::jsonb, '{"input_per_mtok": 0, "output_per_mtok": 1000000}'::jsonb)`,
      [`${hanging.origin}/v1`],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'gov-hang', id, 'gpt-4o-mini' from public.ai_providers where name = 'gov-hang'`);
    key = (await insertProjectKey(db, PROJECT, 'crash')).key;
    await db.query(
      `insert into public.ai_budgets (name, project_id, limit_usd, period) select 'gov-kill', id, 1000, 'month' from public.projects where name = $1`,
      [PROJECT],
    );
    serve = await startServeProcess({
      databaseUrl: db.url as string,
      env: { GOV_HANG_API_KEY: 'sk-hang-0123456789', SWITCHBOARD_GOVERNANCE_LEASE_TTL_MS: '1500', SWITCHBOARD_GOVERNANCE_SYNC_MS: '50' },
    });
  });
  after(async () => {
    await serve?.stop().catch(() => {});
    await hanging?.close();
    await db?.dispose();
  });

  it('its leases expire and are charged whole; reservations in flight are not lost', async () => {
    const instance = serve as ServeProcess;
    const calls = Array.from({ length: 3 }, () =>
      fetch(`${instance.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gov-hang', max_tokens: 7, messages: [{ role: 'user', content: 'hello' }] }),
      }).catch(() => undefined),
    );
    // 3 × 7 output tokens at $1 = $21 reserved, reported by the instance's next sync.
    await within(5000, async () => (await counters(db, 'gov-kill'))[0]?.reserved === (21n * PICO).toString());
    const [before] = await counters(db, 'gov-kill');
    assert.ok(before);
    process.kill(instance.pid, 'SIGKILL');
    await Promise.all(calls);
    await new Promise((resolve) => setTimeout(resolve, 1800));
    await selectCounterStatus(db);
    const [afterExpiry] = await counters(db, 'gov-kill');
    assert.ok(afterExpiry);
    assert.equal(afterExpiry.leases, '0');
    assert.equal(afterExpiry.leased, '0');
    assert.equal(BigInt(afterExpiry.spent), BigInt(before.spent) + BigInt(before.leased));
    assert.ok(BigInt(afterExpiry.spent) >= 21n * PICO);
  });
});
