// A reservation prices a call whose prompt may pass a long-prompt tier's threshold at that tier:
// the estimate counts o200k tokens and the vendor's tokenizer, which decides the tier, may count
// more, so an estimate × TIER_MARGIN (1.5) above the threshold reserves at the tier. At $1 per
// input token, $2 above 1,000 tokens, a ~710-token prompt reserved ~$710 of a $1,000 budget and
// was admitted though the vendor might bill it at $2 a token; now it reserves ~$1,420 and is
// refused. A ~510-token prompt (× 1.5 under 1,000) still reserves at the base price and passes.
// PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWorld, within, type Instance, type World } from './governed-gateways.js';

const MODEL = 'tier-model';
const BUDGET = 'tier-key-month';

describe('a long-prompt price tier in reservations', () => {
  let world: World;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    await world.db.query(
      `insert into public.ai_models (name, provider_id, model_id, max_tokens, pricing)
       select $1, id, 'gpt-4o-mini', 64,
              '{"input_per_mtok": 1000000, "output_per_mtok": 0, "tiers": [{"above_input_tokens": 1000, "input_per_mtok": 2000000}]}'::jsonb
         from public.ai_providers where name = 'gov-openai'`,
      [MODEL],
    );
    await world.db.query(`insert into public.ai_budgets (name, project_id, api_key_id, limit_usd) values ($1, $2, $3, 1000)`, [BUDGET, world.projectId, world.key.id]);
    gateway = await world.start();
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 1));
  });
  after(async () => {
    await world?.close();
  });

  // One word of `chars` bytes: the mock bills a token or two, the reservation counts the bytes.
  const call = async (chars: number): Promise<{ status: number; code: string | undefined }> => {
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 1, messages: [{ role: 'user', content: 'a'.repeat(chars) }] }),
    });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code };
  };

  it('reserves a near-threshold prompt at the tier (refused: ~$1,420 > $1,000) and a shorter one at the base price', async () => {
    assert.deepEqual(await call(700), { status: 429, code: 'insufficient_quota' });
    assert.deepEqual(await call(500), { status: 200, code: undefined });
  });
});
