// A price row takes effect at its `effective_from`, which is the database's time. An instance whose
// clock is 10 minutes behind the database's used to price calls (the ledger's cost, and the
// worst case a budget reserves) at the old price for 10 minutes after a change took effect. Prices
// are now looked up at the database's time, by the clock offset the governor measures on the
// statements it runs anyway; the lookup stays in memory. The offset is injected as in the governor's
// clock tests (test/governance/fixed-window-clock.test.ts), and on Postgres the process's own
// clock is skewed too, as on a host whose clock is off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GovernanceError } from '../../src/governance/governance-error.js';
import { Governor } from '../../src/governance/governor.js';
import { PriceBook } from '../../src/registry/price-book.js';
import { createSwitchboard } from '../../src/service/switchboard.js';
import { UsageRecorder } from '../../src/usage/usage-recorder.js';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import { createDirectWorld } from '../governance/direct-governor.js';
import { skipWithoutPostgres } from '../helpers/test-db.js';
import { LIBRARY_ENV, user } from '../library/library-harness.js';
import { ledgerRows, startLedgerStack } from './ledger-harness.js';

const BEHIND = 10 * 60_000;
const PROVIDER_ID = '00000000-0000-4000-8000-000000000002';
const usage = { inputTokens: 10, outputTokens: 4, totalTokens: 14, buckets: { input: 10, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 4, reasoning: 0 }, raw: { prompt_tokens: 10 } };

describe('prices by the database clock', () => {
  it('a budget reserves at the price in force by the database clock (governor clock injected 10 minutes behind)', async () => {
    const world = await createDirectWorld('price-clock-budget');
    let governor: Governor | undefined;
    try {
      const now = (await world.db.query<{ now: Date }>('select clock_timestamp() as now')).rows[0]?.now.getTime() as number;
      // $1 per output token from the epoch; $100 from a minute ago by the database's clock.
      const book = new PriceBook([
        { id: '1', providerId: PROVIDER_ID, modelId: null, pricing: { input_per_mtok: 0, output_per_mtok: 1_000_000 }, effectiveFrom: new Date(0) },
        { id: '2', providerId: PROVIDER_ID, modelId: null, pricing: { input_per_mtok: 0, output_per_mtok: 100_000_000 }, effectiveFrom: new Date(now - 60_000) },
      ]);
      await world.db.query(`insert into public.ai_budgets (name, project_id, limit_usd, period) values ('price-clock', $1, 50, 'month')`, [world.projectId]);
      governor = new Governor({ db: world.db, prices: () => book, settings: { syncMs: 60_000 }, now: () => Date.now() - BEHIND });
      await governor.start();
      assert.ok(Math.abs(governor.clockOffsetMs - BEHIND) < 1000, `offset measured ${governor.clockOffsetMs} ms`);
      const subject = governor;
      // 10 output tokens: $10 at the old price (fits in $50), $1,000 at the new one.
      await assert.rejects(
        async () => subject.admit(world.request(10)),
        (error: unknown) => {
          assert.ok(error instanceof GovernanceError, String(error));
          assert.equal(error.code, 'insufficient_quota');
          assert.match(error.message, /may cost up to \$1,?000/);
          return true;
        },
      );
    } finally {
      governor?.halt();
      await world.db.dispose();
    }
  });

  it('the ledger prices an attempt at the price in force by the database clock (offset injected)', async () => {
    const stack = await startLedgerStack();
    try {
      const { switchboard, db } = stack;
      const { model, provider } = switchboard.service.resolve('lib-gpt');
      // The database is 10 minutes ahead of this instance: a row effective 5 minutes from now by
      // this instance's clock took effect 5 minutes ago by the database's.
      const inserted = await db.query<{ id: string }>(
        `insert into public.ai_price_history (model_id, pricing, effective_from, source) values ($1, '{"input_per_mtok": 100, "output_per_mtok": 200}', $2, 'sql') returning id::text`,
        [model.id, new Date(Date.now() + BEHIND / 2)],
      );
      await switchboard.reloadChanged();
      const recorder = new UsageRecorder({ writer: new UsageWriter(db, { flushIntervalMs: 60_000 }), prices: () => switchboard.watcher.snapshot.prices, clockOffsetMs: () => BEHIND });
      const attempt = recorder.begin({ requestId: 'price-clock-1', projectId: null, apiKeyId: null, receivedAt: undefined, signal: undefined }, 'lib-gpt', 'chat', false, model, provider);
      attempt.end({ status: 200, errorCode: null, incomplete: false, usage, estimate: undefined });
      await recorder.close();
      const [row] = await ledgerRows(db, `request_id = 'price-clock-1'`);
      assert.equal(row?.price_id, inserted.rows[0]?.id, 'the price row in force by the database clock');
      assert.equal(row?.cost_usd, '0.001800000000', '10 × $100/M + 4 × $200/M');
    } finally {
      await stack.close();
    }
  });

  it('a gateway whose process clock is 10 minutes behind charges the new price as soon as it takes effect (Postgres)', { skip: skipWithoutPostgres() }, async () => {
    const stack = await startLedgerStack();
    const real = Date.now;
    try {
      const { db } = stack;
      // From here on the process's clock is off; the governor measures the offset when it starts.
      Date.now = () => real.call(Date) - BEHIND;
      let changedId: string | undefined;
      const switchboard = await createSwitchboard({ db, env: LIBRARY_ENV, pollMs: 0, listen: false, usage: { flushIntervalMs: 50 } });
      try {
        const changed = await db.query<{ id: string }>(
          `insert into public.ai_price_history (model_id, pricing, effective_from, source)
           select id, '{"input_per_mtok": 100, "output_per_mtok": 200}', now(), 'sql' from public.ai_models where name = 'lib-gpt' returning id::text`,
        );
        changedId = changed.rows[0]?.id;
        await switchboard.reloadChanged();
        await switchboard.chat({ model: 'lib-gpt', messages: [user('price check')] }, { requestId: 'price-clock-2' });
      } finally {
        await switchboard.close();
      }
      const [row] = await ledgerRows(db, `request_id = 'price-clock-2'`);
      assert.equal(row?.price_id, changedId, 'the price that took effect before the call by the database clock');
    } finally {
      Date.now = real;
      await stack.close();
    }
  });
});
