// Library calls one after another: the ledger settles ended calls in a batch after the event-loop
// turn, and a budget must still see the previous call's actual cost when the next one is admitted
// in the same turn (`await switchboard.chat(…)` twice in a row). PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SwitchboardError } from '../../src/errors.js';
import { user } from '../library/library-harness.js';
import { createWorld, MODELS, PROJECT, type Instance, type World } from './governed-gateways.js';

// Output costs $1 per token; "Echo: a b c d" is 5 tokens ($5); max_tokens 60 reserves $60.
const LIMIT_USD = 68;

describe('a budget across library calls made one after another', () => {
  let world: World;
  let instance: Instance;

  before(async () => {
    world = await createWorld();
    await world.db.query(
      `insert into public.ai_budgets (name, project_id, limit_usd, period) select 'gov-seq', id, $1, 'month' from public.projects where name = $2`,
      [LIMIT_USD, PROJECT],
    );
    instance = await world.start();
  });
  after(async () => {
    await world?.close();
  });

  it('admits the next call against the previous call\'s actual cost, not its reservation', async () => {
    const call = (requestId: string) =>
      instance.switchboard.chat(
        { model: MODELS[0], maxTokens: 60, messages: [user('a b c d')] },
        { projectId: world.projectId, requestId },
      );
    // $60 reserved then $5 spent; the second call needs $5 + $60 <= $68 (with the first still
    // reserved it would need $120 and be refused).
    await call('seq-1');
    await call('seq-2');
    // $10 spent: a third reservation of $60 would pass the limit.
    await assert.rejects(call('seq-3'), (error: unknown) => error instanceof SwitchboardError && error.code === 'insufficient_quota');

    await instance.switchboard.service.usage?.flush();
    const rows = await world.db.query<{ request_id: string; status: number; cost_usd: string | null }>(
      `select request_id, status, cost_usd::text from public.ai_usage where request_id like 'seq-%' order by request_id`,
    );
    assert.deepEqual(
      rows.rows.map((row) => [row.request_id, row.status, row.cost_usd === null ? null : Number(row.cost_usd)]),
      [
        ['seq-1', 200, 5],
        ['seq-2', 200, 5],
        ['seq-3', 429, 0],
      ],
    );
  });
});
