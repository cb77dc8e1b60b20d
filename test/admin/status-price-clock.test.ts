// GET /admin/v1/status judges which unusable price rows are in force by the clock prices take
// effect by: the database's, as the ledger and the budgets do (the governor's measured offset). On
// a host whose clock was 10 minutes behind, the status listed an unusable row a good row had
// replaced (by the database's clock) as one to come, and called one in force "scheduled", for 10
// minutes. Postgres only: the process's clock is skewed, which
// PGlite's clock follows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminServiceFor } from '../../src/service/admin/admin-for-switchboard.js';
import { createSwitchboard } from '../../src/service/switchboard.js';
import { createTestDb, skipWithoutPostgres } from '../helpers/test-db.js';

const BEHIND = 10 * 60_000;

describe('status: unusable prices by the database clock', () => {
  it('a replaced row is not listed, one in force is in force (process clock 10 minutes behind)', { skip: skipWithoutPostgres() }, async () => {
    const db = await createTestDb();
    const real = Date.now;
    try {
      const one = async (sql: string): Promise<string> => String((await db.query<{ id: string }>(sql)).rows[0]?.id);
      const provider = await one(`insert into public.ai_providers (name, provider_class, api_base_url) values ('pc-openai', 'OpenAIProvider', 'http://127.0.0.1:9/v1') returning id`);
      const replacedModel = await one(`insert into public.ai_models (name, provider_id, model_id) values ('pc-replaced', '${provider}', 'gpt-4o-mini') returning id`);
      const currentModel = await one(`insert into public.ai_models (name, provider_id, model_id) values ('pc-current', '${provider}', 'gpt-4o-mini') returning id`);
      const replaced = await one(`insert into public.ai_price_history (model_id, pricing, effective_from) values ('${replacedModel}', '{"input_per_mtok": -1}', now()) returning id`);
      await db.query(`insert into public.ai_price_history (model_id, pricing, effective_from) values ('${replacedModel}', '{"input_per_mtok": 1}', now())`);
      const current = await one(`insert into public.ai_price_history (model_id, pricing, effective_from) values ('${currentModel}', '{"input_per_mtok": -1}', now()) returning id`);
      // From here on the process's clock is off; the governor measures the offset when it starts.
      Date.now = () => real.call(Date) - BEHIND;
      const switchboard = await createSwitchboard({ db, env: {}, pollMs: 0, listen: false, usage: false });
      try {
        assert.ok(Math.abs((switchboard.governor?.clockOffsetMs ?? 0) - BEHIND) < 5000, `offset measured ${switchboard.governor?.clockOffsetMs} ms`);
        const errors = adminServiceFor(switchboard).dashboard?.status().load_errors ?? [];
        const prices = errors.filter((error) => error.table === 'ai_price_history');
        assert.equal(prices.find((error) => error.row_id === replaced), undefined, JSON.stringify(prices));
        assert.match(prices.find((error) => error.row_id === current)?.reason ?? '', /in force: costs using it are unknown/, JSON.stringify(prices));
      } finally {
        await switchboard.close();
      }
    } finally {
      Date.now = real;
      await db.dispose();
    }
  });
});
