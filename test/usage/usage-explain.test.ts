// `usage explain`: a request's ledger rows, the price history rows they point at, and tokens × price
// per bucket summing exactly to cost_usd. Prices and rows are inserted with plain SQL (the pricing
// triggers write the history); the test computes every bucket's cost itself in femto-USD (10^-15)
// from the prices' decimal text, so defaults (cached = input, reasoning = output, Anthropic's 0.1× /
// 1.25× / 2×) and the half-up rounding to 12 decimals are checked, not assumed.
// PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Queryable } from '../../src/db/db.js';
import { explainUsage, type ExplainedAttempt } from '../../src/usage/reports/usage-explain.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/** A decimal string (USD) as femto-USD; throws when it has more than 15 decimals. */
function femto(decimal: string): bigint {
  const [whole, fraction = ''] = decimal.split('.') as [string, string | undefined];
  assert.ok(fraction.length <= 15, decimal);
  return BigInt(whole) * 10n ** 15n + BigInt(fraction.padEnd(15, '0'));
}

/** femto-USD rounded half up to pico-USD, as the 12-decimal string the ledger stores. */
function roundToPico(value: bigint): string {
  const pico = (value + 500n) / 1000n;
  return `${pico / 10n ** 12n}.${(pico % 10n ** 12n).toString().padStart(12, '0')}`;
}

/** The femto-USD cost of `tokens` at `usdPerMtok` × `multiplier` (a decimal string). */
function bucketCost(tokens: number, usdPerMtok: string, multiplier = '1'): bigint {
  // femto per token = USD per Mtok × 10^9; the multiplier has at most 2 decimals.
  return (BigInt(tokens) * femto(usdPerMtok) * femto(multiplier)) / 10n ** 21n;
}

interface Buckets {
  input: number;
  cached: number;
  write5m: number;
  write1h: number;
  output: number;
  reasoning: number;
}

describe('usage explain', () => {
  let db: TestDb;
  const ids: Record<string, string> = {};

  async function priceId(tx: Queryable, column: 'model_id' | 'provider_id', id: string): Promise<string> {
    const result = await tx.query<{ id: string }>(`select id::text as id from public.ai_price_history where ${column} = $1 order by id desc limit 1`, [id]);
    return result.rows[0]?.id as string;
  }

  async function insertAttempt(requestId: string, attempt: number, model: string, buckets: Buckets, cost: string | null, status = 200): Promise<void> {
    await db.query(
      `insert into public.ai_usage (request_id, attempt, started_at, ended_at, requested_model, model_id, model_name, provider_id, provider_name,
         endpoint, status, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens,
         usage_source, price_id, provider_price_id, cost_usd)
       values ($1, $2, now() - interval '2 seconds', now() - interval '1 second', $3, $4, $3, $5, $6, 'chat', $7, $8, $9, $10, $11, $12, $13,
         'provider', $14, $15, $16)`,
      [
        requestId, attempt, model, ids[`${model}:id`] ?? null, ids[`${model}:provider`] ?? null, ids[`${model}:providerName`] ?? null, status,
        buckets.input, buckets.cached, buckets.write5m, buckets.write1h, buckets.output, buckets.reasoning,
        ids[`${model}:price`] ?? null, ids[`${model}:providerPrice`] ?? null, cost,
      ],
    );
  }

  before(async () => {
    db = await createTestDb();
    const models: [string, string, string, string, string][] = [
      ['exp-gpt', 'exp-openai', 'OpenAIProvider', '{"input_per_mtok": 0.15, "output_per_mtok": 0.6}', '{"cached_input_per_mtok": 0.075, "reasoning_per_mtok": 2.5, "per_request": 0.0001}'],
      ['exp-claude', 'exp-anthropic', 'AnthropicProvider', '{"input_per_mtok": 3, "output_per_mtok": 15}', '{"input_per_mtok": 0.000003}'],
      ['exp-free', 'exp-unpriced', 'OpenAIProvider', '{}', '{}'],
    ];
    for (const [model, provider, className, providerPricing, modelPricing] of models) {
      const providerRow = await db.query<{ id: string }>(
        `insert into public.ai_providers (name, provider_class, api_base_url, pricing) values ($1, $2, 'http://127.0.0.1:9/v1', $3::jsonb) returning id`,
        [provider, className, providerPricing],
      );
      const providerId = providerRow.rows[0]?.id as string;
      const modelRow = await db.query<{ id: string }>(
        `insert into public.ai_models (name, provider_id, model_id, pricing) values ($1, $2, $1, $3::jsonb) returning id`,
        [model, providerId, modelPricing],
      );
      const modelId = modelRow.rows[0]?.id as string;
      Object.assign(ids, {
        [`${model}:id`]: modelId,
        [`${model}:provider`]: providerId,
        [`${model}:providerName`]: provider,
        [`${model}:price`]: await priceId(db, 'model_id', modelId),
        [`${model}:providerPrice`]: await priceId(db, 'provider_id', providerId),
      });
    }
  });
  after(async () => {
    await db?.dispose();
  });

  const only = (attempts: ExplainedAttempt[]): ExplainedAttempt => {
    assert.equal(attempts.length, 1);
    return attempts[0] as ExplainedAttempt;
  };

  test("every bucket at its own rate, each from the model's key, the provider's, or the default; the sum is cost_usd", async () => {
    const buckets = { input: 1234, cached: 567, write5m: 89, write1h: 10, output: 321, reasoning: 55 };
    const expected = {
      input: bucketCost(1234, '0.15'),
      cached_input: bucketCost(567, '0.075'),
      cache_write_5m: bucketCost(89, '0.15'),
      cache_write_1h: bucketCost(10, '0.15'),
      output: bucketCost(321, '0.6'),
      reasoning: bucketCost(55, '2.5'),
      per_request: femto('0.0001'),
    };
    const total = Object.values(expected).reduce((sum, value) => sum + value, 0n);
    await insertAttempt('exp-openai-1', 1, 'exp-gpt', buckets, roundToPico(total));
    // A later price change must not change the explanation: the row points at its own price rows.
    await db.query(`update public.ai_models set pricing = '{"cached_input_per_mtok": 9}' where name = 'exp-gpt'`);
    const explanation = await explainUsage(db, 'exp-openai-1');
    const attempt = only(explanation.attempts);
    assert.deepEqual(
      attempt.buckets.map((bucket) => [bucket.bucket, bucket.tokens, bucket.price_per_mtok, bucket.price_from, femto(bucket.cost_usd)]),
      [
        ['input', 1234, '0.15', 'provider', expected.input],
        ['cached_input', 567, '0.075', 'model', expected.cached_input],
        ['cache_write_5m', 89, '0.15', 'default: input price', expected.cache_write_5m],
        ['cache_write_1h', 10, '0.15', 'default: input price', expected.cache_write_1h],
        ['output', 321, '0.6', 'provider', expected.output],
        ['reasoning', 55, '2.5', 'model', expected.reasoning],
        ['per_request', 1, '0.0001', 'model', expected.per_request],
      ],
    );
    assert.equal(attempt.computed_cost_usd, roundToPico(total));
    assert.equal(attempt.cost_usd, roundToPico(total));
    assert.equal(attempt.matches, true);
    assert.equal(explanation.total_cost_usd, roundToPico(total));
    assert.deepEqual(
      attempt.prices.map((price) => [price.id, price.of, price.pricing]),
      [
        [ids['exp-gpt:price'], 'model', { cached_input_per_mtok: 0.075, reasoning_per_mtok: 2.5, per_request: 0.0001 }],
        [ids['exp-gpt:providerPrice'], 'provider', { input_per_mtok: 0.15, output_per_mtok: 0.6 }],
      ],
    );
  });

  test("Anthropic defaults (cached 0.1×, 5-minute write 1.25×, 1-hour write 2× input) with fractions of a pico-USD, rounded half up", async () => {
    const buckets = { input: 11, cached: 7, write5m: 5, write1h: 3, output: 2, reasoning: 0 };
    const expected = [
      ['input', 11, '0.000003', 'model', bucketCost(11, '0.000003')],
      ['cached_input', 7, '0.0000003', 'default: 0.1 x input (Anthropic)', bucketCost(7, '0.000003', '0.1')],
      ['cache_write_5m', 5, '0.00000375', 'default: 1.25 x input (Anthropic)', bucketCost(5, '0.000003', '1.25')],
      ['cache_write_1h', 3, '0.000006', 'default: 2 x input (Anthropic)', bucketCost(3, '0.000003', '2')],
      ['output', 2, '15', 'provider', bucketCost(2, '15')],
    ] as const;
    const total = expected.reduce((sum, row) => sum + row[4], 0n);
    assert.notEqual(total % 1000n, 0n, 'the sum has a fraction of a pico-USD');
    await insertAttempt('exp-claude-1', 1, 'exp-claude', buckets, roundToPico(total));
    const attempt = only((await explainUsage(db, 'exp-claude-1')).attempts);
    assert.deepEqual(
      attempt.buckets.map((bucket) => [bucket.bucket, bucket.tokens, bucket.price_per_mtok, bucket.price_from, femto(bucket.cost_usd)]),
      expected.map((row) => [...row]),
    );
    assert.equal(attempt.computed_cost_usd, roundToPico(total));
    assert.equal(attempt.matches, true);
  });

  test('a stored cost that differs by one pico-USD is reported as not matching', async () => {
    const buckets = { input: 1000, cached: 0, write5m: 0, write1h: 0, output: 1000, reasoning: 0 };
    const right = bucketCost(1000, '0.15') + bucketCost(1000, '0.6') + femto('0.0001');
    await insertAttempt('exp-openai-off', 1, 'exp-gpt', buckets, roundToPico(right + 1000n));
    const attempt = only((await explainUsage(db, 'exp-openai-off')).attempts);
    assert.equal(attempt.computed_cost_usd, roundToPico(right));
    assert.equal(attempt.matches, false);
  });

  test('no price: cost unknown (null), no buckets, and the reason', async () => {
    await insertAttempt('exp-free-1', 1, 'exp-free', { input: 10, cached: 0, write5m: 0, write1h: 0, output: 5, reasoning: 0 }, null);
    const explanation = await explainUsage(db, 'exp-free-1');
    const attempt = only(explanation.attempts);
    assert.deepEqual([attempt.cost_usd, attempt.computed_cost_usd, attempt.buckets, attempt.matches], [null, null, [], true]);
    assert.match(attempt.unpriced_reason ?? '', /no input, output or per-request price/);
    assert.equal(explanation.total_cost_usd, null);
  });

  test('several attempts: each explained, the total is their sum', async () => {
    const failed = { input: 100, cached: 0, write5m: 0, write1h: 0, output: 0, reasoning: 0 };
    const served = { input: 200, cached: 0, write5m: 0, write1h: 0, output: 50, reasoning: 0 };
    const first = bucketCost(100, '0.15') + femto('0.0001');
    const second = bucketCost(200, '0.15') + bucketCost(50, '0.6') + femto('0.0001');
    await insertAttempt('exp-retry', 1, 'exp-gpt', failed, roundToPico(first), 500);
    await insertAttempt('exp-retry', 2, 'exp-gpt', served, roundToPico(second));
    const explanation = await explainUsage(db, 'exp-retry');
    assert.deepEqual(explanation.attempts.map((attempt) => [attempt.attempt, attempt.status, attempt.matches]), [[1, 500, true], [2, 200, true]]);
    assert.equal(explanation.total_cost_usd, roundToPico(first + second));
  });
});
