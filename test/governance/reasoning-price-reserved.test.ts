// A reservation prices its output at the higher of the output and reasoning rates: the ledger
// charges a reasoning model's reasoning tokens at `reasoning_per_mtok`, which an admin may set
// above `output_per_mtok`, and the client chooses how much of its output goes to reasoning
// (`reasoning_effort`). At $1 per output token and $10 per reasoning token, a call limited to 9
// tokens reserved $9 and cost $72 (2 visible tokens, 7 reasoning); a second one fitted in what
// the $100 budget had left, and $144 was spent. Now each reserves $90: the second is refused and
// $72 is spent. PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWorld, within, type Instance, type World } from './governed-gateways.js';

const MODEL = 'rp-o';
const BUDGET = 'rp-key-month';

describe('a reasoning price above the output price', () => {
  let world: World;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    await world.db.query(
      `insert into public.ai_models (name, provider_id, model_id, max_tokens, features, pricing)
       select $1, id, 'o4-mini', 64, '{"reasoning": true}'::jsonb, '{"input_per_mtok": 0, "output_per_mtok": 1000000, "reasoning_per_mtok": 10000000}'::jsonb
         from public.ai_providers where name = 'gov-openai'`,
      [MODEL],
    );
    await world.db.query(`insert into public.ai_budgets (name, project_id, api_key_id, limit_usd) values ($1, $2, $3, 100)`, [BUDGET, world.projectId, world.key.id]);
    gateway = await world.start();
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 1));
  });
  after(async () => {
    await world?.close();
  });

  const call = async (): Promise<{ status: number; code: string | undefined }> => {
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_completion_tokens: 9, reasoning_effort: 'low', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code };
  };

  function budgetSpent(): number {
    const line = new RegExp(`switchboard_governance_spent\\{kind="budget",name="${BUDGET}",metric="usd"\\} ([\\d.]+)`).exec(gateway.switchboard.governor?.metricsText() ?? '');
    return Number(line?.[1] ?? 0);
  }

  it('reserves the output at the reasoning rate: the second call is refused, $72 of $100 spent (was $144)', async () => {
    assert.deepEqual(await call(), { status: 200, code: undefined });
    const costs = async (): Promise<number[]> => {
      await gateway.switchboard.service.usage?.flush();
      const result = await world.db.query<{ cost: string }>(`select cost_usd::text as cost from public.ai_usage where requested_model = $1 and status = 200`, [MODEL]);
      return result.rows.map((row) => Number(row.cost));
    };
    await within(5000, async () => (await costs()).length === 1);
    assert.deepEqual(await costs(), [72], '2 visible tokens at $1, 7 reasoning tokens at $10');
    await within(10_000, () => Promise.resolve(budgetSpent() === 72));
    assert.deepEqual(await call(), { status: 429, code: 'insufficient_quota' });
    assert.equal(budgetSpent(), 72);
  });
});
