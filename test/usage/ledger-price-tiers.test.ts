// Long-prompt price tiers through the library, against the strict Gemini and Anthropic mocks: a
// Gemini 2.5 Pro row whose prompt (promptTokenCount, cached tokens included) passes 200,000
// tokens, and a Claude 1M-context row whose input passes it only with its cache read and write,
// are charged whole at the tier's rates; one token less is the base price. Was: every call at the
// base rates (about half the vendor's bill). `usage explain` names the tier and recomputes the
// stored cost; the hourly rollups sum the stored costs. PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { renderExplanation } from '../../src/cli/commands/usage-explain.js';
import type { ChatMessage } from '../../src/providers/spec/index.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { explainUsage } from '../../src/usage/reports/usage-explain.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { insertLibraryRows, LIBRARY_ENV, startVendorMocks, user, type VendorMocks } from '../library/library-harness.js';
import { ledgerRows, rowBuckets, scaled, type Buckets } from './ledger-harness.js';

const PROJECT = '55555555-5555-4555-8555-555555555555';

// Gemini 2.5 Pro's published prices and Claude Sonnet 4's with the 1M context beta.
const GEMINI_PRICING = {
  input_per_mtok: 1.25,
  output_per_mtok: 10,
  cached_input_per_mtok: 0.125,
  tiers: [{ above_input_tokens: 200_000, input_per_mtok: 2.5, output_per_mtok: 15, cached_input_per_mtok: 0.25 }],
};
const CLAUDE_PRICING = {
  input_per_mtok: 3,
  output_per_mtok: 15,
  cached_input_per_mtok: 0.3,
  cache_write_per_mtok: 3.75,
  tiers: [{ above_input_tokens: 200_000, input_per_mtok: 6, output_per_mtok: 22.5 }],
};

/** USD/Mtok as decimal text per bucket, the test's own arithmetic (Anthropic: 0.1× and 1.25× the tier input). */
const RATES = {
  gemini: { base: ['1.25', '0.125', '0', '0', '10', '10'], tier: ['2.5', '0.25', '0', '0', '15', '15'] },
  claude: { base: ['3', '0.3', '3.75', '6', '15', '15'], tier: ['6', '0.6', '7.5', '12', '22.5', '22.5'] },
} as const;

function costPico(b: Buckets, rates: readonly string[]): bigint {
  const tokens = [b.input, b.cached, b.write5m, b.write1h, b.output, b.reasoning];
  return tokens.reduce((sum, count, index) => sum + count * scaled(rates[index] as string, 6), 0n);
}

// The mocks count words: the system text is 1 word ('cache' reads 3 tokens from Gemini's cache;
// 'cache-write' reads 3 and writes 2 with Anthropic), the user text `words - 1` more.
const prompt = (system: string, words: number): ChatMessage[] => [{ role: 'system', content: system }, user('w '.repeat(words - 1).trimEnd())];

describe('long-prompt price tiers in the ledger', () => {
  let db: TestDb;
  let mocks: VendorMocks;
  let switchboard: Switchboard;

  before(async () => {
    db = await createTestDb();
    mocks = await startVendorMocks();
    await insertLibraryRows(db, mocks);
    await db.query(`update public.ai_models set pricing = $1 where name = 'lib-gemini'`, [GEMINI_PRICING]);
    await db.query(`update public.ai_models set pricing = $1 where name = 'lib-claude'`, [CLAUDE_PRICING]);
    switchboard = await createSwitchboard({ db, env: LIBRARY_ENV, pollMs: 0, listen: false, usage: { flushIntervalMs: 50 } });
  });
  after(async () => {
    await switchboard?.close();
    await mocks?.close();
    await db?.dispose();
  });

  const cases = [
    { model: 'lib-gemini', rates: RATES.gemini, system: 'cache', cached: 3n, written: 0n },
    { model: 'lib-claude', rates: RATES.claude, system: 'cache-write', cached: 3n, written: 2n },
  ];
  for (const { model, rates, system, cached, written } of cases) {
    test(`${model}: a prompt over 200,000 tokens, cache included, costs the tier's rates; 200,000 the base`, async () => {
      const context = { projectId: PROJECT };
      await switchboard.chat({ model, messages: prompt(system, 200_001), maxTokens: 4 }, { ...context, requestId: `tier-over-${model}` });
      await switchboard.chat({ model, messages: prompt(system, 200_000), maxTokens: 4 }, { ...context, requestId: `tier-at-${model}` });
      await switchboard.service.usage?.flush();

      const [over, at] = await ledgerRows(db, `request_id in ($1, $2)`, [`tier-over-${model}`, `tier-at-${model}`]);
      assert.ok(over && at);
      const overBuckets = rowBuckets(over);
      const atBuckets = rowBuckets(at);
      // The uncached input alone is under the threshold: only the cache tokens take it over.
      assert.equal(overBuckets.cached, cached);
      assert.equal(overBuckets.write5m, written);
      assert.ok(overBuckets.input < 200_000n);
      assert.equal(overBuckets.input + overBuckets.cached + overBuckets.write5m + overBuckets.write1h, 200_001n);
      assert.equal(atBuckets.input + atBuckets.cached + atBuckets.write5m + atBuckets.write1h, 200_000n);
      assert.equal(scaled(over.cost_usd ?? '', 12), costPico(overBuckets, rates.tier));
      assert.equal(scaled(at.cost_usd ?? '', 12), costPico(atBuckets, rates.base));

      const explanation = await explainUsage(db, `tier-over-${model}`);
      assert.match(renderExplanation(explanation), /\n {2}long-prompt tier: 200001 input tokens > 200000 \(the model row's tiers\)/);
      const explainedOver = explanation.attempts[0];
      assert.deepEqual(explainedOver?.price_tier, { above_input_tokens: 200_000, from: 'model', prompt_tokens: 200_001 });
      assert.equal(explainedOver?.matches, true);
      assert.equal(explainedOver?.buckets.find((bucket) => bucket.bucket === 'input')?.price_from, 'model tier above 200000 input tokens');
      const explainedAt = (await explainUsage(db, `tier-at-${model}`)).attempts[0];
      assert.equal(explainedAt?.price_tier, null);
      assert.equal(explainedAt?.matches, true);
    });
  }

  test('the hourly rollups hold the ledger cost of these calls', async () => {
    await switchboard.service.usage?.flush();
    const sum = async (table: string): Promise<string | undefined> =>
      (await db.query<{ cost: string }>(`select sum(cost_usd)::text as cost from public.${table} where model_name in ('lib-gemini', 'lib-claude')`)).rows[0]?.cost;
    assert.equal(await sum('ai_usage_hourly'), await sum('ai_usage'));
  });
});
