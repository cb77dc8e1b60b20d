// Exact money: prices parsed from their decimal text, defaults per key, rounding, and an unknown price.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UsageBuckets } from '../providers/spec/index.js';
import { parsePricing, scaledInteger } from '../registry/parse-prices.js';
import { PriceBook } from '../registry/price-book.js';
import { costOfBuckets, quoteCost, quoteWorstCost } from './cost.js';
import { rowPrices } from './reports/explain-prices.js';
import { picoToDecimal } from './money.js';

const buckets = (partial: Partial<UsageBuckets>): UsageBuckets => ({
  input: 0,
  cachedInput: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  output: 0,
  reasoning: 0,
  ...partial,
});

describe('money', () => {
  test('prices come from the decimal text, never from float multiplication', () => {
    assert.equal(scaledInteger(0.15, 6), 150_000n);
    // 0.29 * 1e6 is 290000.00000000006 in floats.
    assert.equal(scaledInteger(0.29, 6), 290_000n);
    assert.equal(scaledInteger(1e-6, 6), 1n);
    assert.equal(scaledInteger(2.5e3, 6), 2_500_000_000n);
    assert.equal(scaledInteger(0.0000001, 6), undefined, 'more than 6 decimals');
    assert.equal(scaledInteger(-1, 6), undefined);
    assert.deepEqual(parsePricing({ input_per_mtok: 3, per_request: 0.000000000001, note: 'x' }).prices, { input_per_mtok: 3_000_000n, per_request: 1n });
    assert.match(parsePricing({ output_per_mtok: '1' }).invalid ?? '', /output_per_mtok/);
    assert.match(parsePricing([1]).invalid ?? '', /not an object/);
  });

  test('pico-USD print with 12 decimals', () => {
    assert.equal(picoToDecimal(1_500_000n), '0.000001500000');
    assert.equal(picoToDecimal(12_345_000_000_000_000n), '12345.000000000000');
  });

  test('decimals are the same on both sides of the largest safe integer', () => {
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    const cases: [bigint, string][] = [
      [0n, '0.000000000000'],
      [999_999_999_999n, '0.999999999999'],
      [1_000_000_000_000n, '1.000000000000'],
      [8_999_999_999_999_999n, '8999.999999999999'],
      [safe, '9007.199254740991'],
      [safe + 1n, '9007.199254740992'],
      [-1n, '-0.000000000001'],
    ];
    for (const [pico, decimal] of cases) assert.equal(picoToDecimal(pico), decimal, String(pico));
    // Every safe value below a whole dollar boundary keeps its 12 places (no float rounding).
    for (let whole = 1n; whole < 9_000n; whole += 997n) {
      const pico = whole * 1_000_000_000_000n - 1n;
      assert.equal(picoToDecimal(pico), `${whole - 1n}.999999999999`);
    }
  });

  test('each bucket at its own rate; missing keys take their defaults', () => {
    const prices = parsePricing({ input_per_mtok: 3, output_per_mtok: 15 }).prices;
    const usage = buckets({ input: 1_000, cachedInput: 1_000, cacheWrite5m: 1_000, cacheWrite1h: 1_000, output: 1_000, reasoning: 1_000 });
    // Generic: cached and cache writes at the input price, reasoning at the output price.
    assert.equal(costOfBuckets(prices, usage, false), 1_000n * (4n * 3_000_000n + 2n * 15_000_000n));
    // Anthropic: cache reads 0.1×, 5-minute writes 1.25×, 1-hour writes 2× the input price.
    assert.equal(costOfBuckets(prices, usage, true), 1_000n * (3_000_000n + 300_000n + 3_750_000n + 6_000_000n + 2n * 15_000_000n));
    const explicit = parsePricing({ input_per_mtok: 1, cached_input_per_mtok: 0.5, reasoning_per_mtok: 7, output_per_mtok: 2, per_request: 0.01 }).prices;
    assert.equal(costOfBuckets(explicit, buckets({ cachedInput: 10, reasoning: 10 }), true), 10n * 500_000n + 10n * 7_000_000n + 10_000_000_000n);
  });

  test('a fraction of a pico-dollar from a default multiplier rounds half up', () => {
    const prices = { input_per_mtok: 1n };
    // 1 token × 0.1 × 1 micro-USD/Mtok = 0.1 pico-USD → 0; 5 tokens → 0.5 → 1.
    assert.equal(costOfBuckets(prices, buckets({ cachedInput: 1 }), true), 0n);
    assert.equal(costOfBuckets(prices, buckets({ cachedInput: 5 }), true), 1n);
  });

  test('no input, output or per-request price: the cost is unknown, not 0', () => {
    assert.equal(costOfBuckets({}, buckets({ input: 10 }), false), null);
    assert.equal(costOfBuckets({ cached_input_per_mtok: 1n }, buckets({ input: 10 }), false), null);
    assert.equal(costOfBuckets({ per_request: 5n }, buckets({ input: 10 }), false), 5n);
  });

  test('the cost is the same exact integer whether it fits a double or needs BigInt', () => {
    const prices = parsePricing({ input_per_mtok: 2.5, cached_input_per_mtok: 1.25, output_per_mtok: 10, reasoning_per_mtok: 12.75, per_request: 0.000001 }).prices;
    const exact = (usage: UsageBuckets): bigint =>
      BigInt(usage.input) * 2_500_000n + BigInt(usage.cachedInput) * 1_250_000n + BigInt(usage.cacheWrite5m + usage.cacheWrite1h) * 2_500_000n +
      BigInt(usage.output) * 10_000_000n + BigInt(usage.reasoning) * 12_750_000n + 1_000_000n;
    // Small: every product fits a double. Huge: 2^53 tokens × 12.75 USD/Mtok does not.
    for (const usage of [buckets({ input: 123, cachedInput: 7, output: 45, reasoning: 9 }), buckets({ input: 2 ** 53, output: 2 ** 52, reasoning: 3 })]) {
      assert.equal(costOfBuckets(prices, usage, false), exact(usage));
    }
    // Rounding half up at the boundary of a double's exact range: 0.1 × 1 micro-USD/Mtok per cached token.
    assert.equal(costOfBuckets({ input_per_mtok: 1n }, buckets({ cachedInput: 2 ** 52 + 5 }), true), (BigInt(2 ** 52 + 5) + 5n) / 10n);
    assert.equal(costOfBuckets({ input_per_mtok: 1n }, buckets({ cachedInput: 15 }), true), 2n);
  });

  test('a price row so large that its rate is no safe integer still costs exactly', () => {
    const huge = { input_per_mtok: 10n ** 18n };
    assert.equal(costOfBuckets(huge, buckets({ input: 3 }), false), 3n * 10n ** 18n);
  });

  test('web_search_per_call: USD per search with up to 12 decimals, validated like per_request', () => {
    assert.deepEqual(parsePricing({ input_per_mtok: 3, web_search_per_call: 0.01 }).prices, { input_per_mtok: 3_000_000n, web_search_per_call: 10_000_000_000n });
    assert.deepEqual(parsePricing({ web_search_per_call: 0.000000000001 }).prices, { web_search_per_call: 1n });
    assert.match(parsePricing({ input_per_mtok: 3, web_search_per_call: 0.0000000000001 }).invalid ?? '', /^web_search_per_call must be a non-negative number with at most 12 decimals$/);
    assert.match(parsePricing({ web_search_per_call: -0.01 }).invalid ?? '', /web_search_per_call/);
    assert.match(parsePricing({ web_search_per_call: '0.01' }).invalid ?? '', /web_search_per_call/);
    assert.deepEqual(parsePricing({ web_search_per_call: null }).prices, {});
  });

  test('web searches cost searches × web_search_per_call on top of the tokens, exactly', () => {
    const prices = parsePricing({ input_per_mtok: 3, output_per_mtok: 15, per_request: 0.000001, web_search_per_call: 0.01 }).prices;
    const tokens = 100n * 3_000_000n + 20n * 15_000_000n + 1_000_000n;
    assert.equal(costOfBuckets(prices, buckets({ input: 100, output: 20 }), false), tokens);
    assert.equal(costOfBuckets(prices, buckets({ input: 100, output: 20, webSearchCalls: 3 }), false), tokens + 3n * 10_000_000_000n);
    assert.equal(costOfBuckets(prices, buckets({ input: 100, output: 20, webSearchCalls: 3 }), true), tokens + 3n * 10_000_000_000n);
    // No search price: searches cost 0 (the tokens are still priced).
    assert.equal(costOfBuckets({ input_per_mtok: 3_000_000n }, buckets({ input: 100, webSearchCalls: 3 }), false), 300_000_000n);
    // Past a double's exact range the same arithmetic runs in BigInt.
    const big = buckets({ input: 2 ** 53, webSearchCalls: 7 });
    assert.equal(costOfBuckets(prices, big, false), BigInt(2 ** 53) * 3_000_000n + 1_000_000n + 7n * 10_000_000_000n);
    const manySearches = buckets({ webSearchCalls: 2 ** 40 });
    assert.equal(costOfBuckets({ per_request: 0n, web_search_per_call: 10n ** 12n }, manySearches, false), BigInt(2 ** 40) * 10n ** 12n);
  });

  test('a web search price alone leaves the tokens unpriced: the cost is unknown', () => {
    assert.equal(costOfBuckets({ web_search_per_call: 10_000_000_000n }, buckets({ input: 10, webSearchCalls: 2 }), false), null);
  });
});

// Long-prompt tiers: Gemini 2.5 Pro and Claude Sonnet 4/4.5 (1M context) price a whole request at
// higher rates once its prompt, cache reads and writes included, passes 200,000 tokens.
describe('price tiers', () => {
  const gemini = parsePricing({
    input_per_mtok: 1.25,
    output_per_mtok: 10,
    cached_input_per_mtok: 0.125,
    tiers: [{ above_input_tokens: 200_000, input_per_mtok: 2.5, output_per_mtok: 15, cached_input_per_mtok: 0.25 }],
  });
  const claude = parsePricing({
    input_per_mtok: 3,
    output_per_mtok: 15,
    cached_input_per_mtok: 0.3,
    cache_write_per_mtok: 3.75,
    tiers: [{ above_input_tokens: 200_000, input_per_mtok: 6, output_per_mtok: 22.5 }],
  });

  test('a Gemini prompt over the threshold (cached tokens counted) is priced whole at the tier', () => {
    assert.equal(gemini.invalid, undefined);
    const over = buckets({ input: 150_000, cachedInput: 50_001, output: 1_000, reasoning: 500 });
    // Every bucket at the tier's rate; reasoning follows the tier's output rate.
    assert.equal(costOfBuckets(gemini.prices, over, false), 150_000n * 2_500_000n + 50_001n * 250_000n + 1_500n * 15_000_000n);
    const at = buckets({ input: 150_000, cachedInput: 50_000, output: 1_000, reasoning: 500 });
    assert.equal(costOfBuckets(gemini.prices, at, false), 150_000n * 1_250_000n + 50_000n * 125_000n + 1_500n * 10_000_000n, 'exactly 200,000: the base rates');
  });

  test('Claude: cache reads and writes count toward the threshold, and their rates follow the tier input (Anthropic multipliers)', () => {
    const over = buckets({ input: 199_990, cachedInput: 6, cacheWrite5m: 3, cacheWrite1h: 2, output: 100 });
    // 0.1 × 6, 1.25 × 6 and 2 × 6 USD/Mtok: the base's explicit 0.30 and 3.75 are the base tier's.
    const tier = 199_990n * 6_000_000n + 6n * 600_000n + 3n * 7_500_000n + 2n * 12_000_000n + 100n * 22_500_000n;
    assert.equal(costOfBuckets(claude.prices, over, true), tier);
    const under = buckets({ input: 199_990, cachedInput: 6, cacheWrite5m: 3, cacheWrite1h: 1, output: 100 });
    assert.equal(costOfBuckets(claude.prices, under, true), 199_990n * 3_000_000n + 6n * 300_000n + 3n * 3_750_000n + 1n * 6_000_000n + 100n * 15_000_000n);
  });

  test('the highest tier exceeded applies, over the base rates (not over the tier below); keys it leaves out keep the base', () => {
    const prices = parsePricing({
      input_per_mtok: 1,
      output_per_mtok: 2,
      per_request: 0.000001,
      tiers: [
        { above_input_tokens: 10, input_per_mtok: 3, output_per_mtok: 4 },
        { above_input_tokens: 20, input_per_mtok: 5 },
      ],
    }).prices;
    assert.equal(costOfBuckets(prices, buckets({ input: 10, output: 1 }), false), 10n * 1_000_000n + 2_000_000n + 1_000_000n);
    assert.equal(costOfBuckets(prices, buckets({ input: 11, output: 1 }), false), 11n * 3_000_000n + 4_000_000n + 1_000_000n);
    assert.equal(costOfBuckets(prices, buckets({ input: 21, output: 1 }), false), 21n * 5_000_000n + 2_000_000n + 1_000_000n);
  });

  test("tiers are validated with the row's other prices: a bad one makes the row unusable", () => {
    const bad: [unknown, RegExp][] = [
      [{ above_input_tokens: 200_000, input_per_mtok: 2.5 }, /^tiers must be an array$/],
      [[{ input_per_mtok: 2.5 }], /^tiers\[0\]\.above_input_tokens must be a positive integer$/],
      [[{ above_input_tokens: 0, input_per_mtok: 2.5 }], /above_input_tokens must be a positive integer/],
      [[{ above_input_tokens: 1.5, input_per_mtok: 2.5 }], /above_input_tokens must be a positive integer/],
      [[{ above_input_tokens: '200000', input_per_mtok: 2.5 }], /above_input_tokens must be a positive integer/],
      [[{ above_input_tokens: 2 ** 53, input_per_mtok: 2.5 }], /above_input_tokens must be a positive integer/],
      [[{ above_input_tokens: 10, input_per_mtok: 1 }, { above_input_tokens: 10, input_per_mtok: 2 }], /^tiers\[1\]\.above_input_tokens must be above the previous tier's$/],
      [[{ above_input_tokens: 20, input_per_mtok: 1 }, { above_input_tokens: 10, input_per_mtok: 2 }], /above the previous tier's/],
      [[{ above_input_tokens: 10, input_per_mtok: -1 }], /^tiers\[0\]\.input_per_mtok must be a non-negative number with at most 6 decimals$/],
      [[{ above_input_tokens: 10, output_per_mtok: '15' }], /tiers\[0\]\.output_per_mtok/],
      [[{ above_input_tokens: 10, input_per_mtok_: 2 }], /^tiers\[0\]\."input_per_mtok_" is not a price key$/],
      [[{ above_input_tokens: 10, tiers: [] }], /"tiers" is not a price key/],
      [[{ above_input_tokens: 10 }], /^tiers\[0\] sets no price$/],
      [[null], /^tiers\[0\] must be an object$/],
      [Array.from({ length: 9 }, (_, index) => ({ above_input_tokens: index + 1, input_per_mtok: 1 })), /^tiers holds at most 8 tiers$/],
    ];
    for (const [tiers, reason] of bad) {
      const parsed = parsePricing({ input_per_mtok: 1, tiers });
      assert.match(parsed.invalid ?? '', reason, JSON.stringify(tiers).slice(0, 80));
      assert.deepEqual(parsed.prices, {});
    }
    assert.equal(parsePricing({ input_per_mtok: 1, tiers: null }).invalid, undefined);
    // The price book lists such a row with its reason (the status' load errors), and prices nothing with it.
    const book = new PriceBook([{ id: '1', modelId: 'm', providerId: null, pricing: { input_per_mtok: 1, tiers: [{ above_input_tokens: 0, input_per_mtok: 2 }] }, effectiveFrom: new Date(0) }]);
    assert.match(book.unusable(1)[0]?.reason ?? '', /tiers\[0\]\.above_input_tokens/);
    const model = { modelId: 'm', providerId: 'p', anthropic: false };
    assert.equal(quoteCost(book, model, buckets({ input: 5 }), 1).costPico, null);
  });

  test("a model row's tiers replace its provider's ([] turns them off); the provider's apply under the model's base prices", () => {
    const row = (id: string, of: 'model' | 'provider', pricing: unknown) => ({ id, modelId: of === 'model' ? 'm' : null, providerId: of === 'provider' ? 'p' : null, pricing, effectiveFrom: new Date(0) });
    const provider = row('1', 'provider', { input_per_mtok: 1, tiers: [{ above_input_tokens: 10, input_per_mtok: 3 }] });
    const model = { modelId: 'm', providerId: 'p', anthropic: false };
    const cost = (book: PriceBook, input: number) => quoteCost(book, model, buckets({ input }), 1).costPico;
    const inherited = new PriceBook([provider, row('2', 'model', { input_per_mtok: 2 })]);
    assert.deepEqual([cost(inherited, 10), cost(inherited, 11)], [20_000_000n, 33_000_000n]);
    const own = new PriceBook([provider, row('2', 'model', { input_per_mtok: 2, tiers: [{ above_input_tokens: 100, input_per_mtok: 4 }] })]);
    assert.deepEqual([cost(own, 11), cost(own, 101)], [22_000_000n, 404_000_000n]);
    const off = new PriceBook([provider, row('2', 'model', { input_per_mtok: 2, tiers: [] })]);
    assert.equal(cost(off, 1_000), 2_000_000_000n);
  });

  test("a reservation takes the tier of the caller's margin-raised prompt, not only of its buckets", () => {
    const book = new PriceBook([{ id: '1', modelId: 'm', providerId: null, pricing: { input_per_mtok: 1.25, output_per_mtok: 10, tiers: [{ above_input_tokens: 200_000, input_per_mtok: 2.5, output_per_mtok: 15 }] }, effectiveFrom: new Date(0) }]);
    const model = { modelId: 'm', providerId: 'p', anthropic: false };
    const estimate = () => buckets({ input: 150_000, output: 1_000 });
    assert.equal(quoteWorstCost(book, model, estimate(), 1), 150_000n * 1_250_000n + 1_000n * 10_000_000n);
    assert.equal(quoteWorstCost(book, model, estimate(), 1, 225_000), 150_000n * 2_500_000n + 1_000n * 15_000_000n);
  });

  test("explain's rates are the ledger's: the tier's keys, the defaults it derives, and no price from tiers alone", () => {
    const explained = rowPrices({ input_per_mtok: 3, output_per_mtok: 15, cached_input_per_mtok: 0.3, tiers: [{ above_input_tokens: 200_000, input_per_mtok: 6 }] }, {}, true, 200_001);
    assert.ok(explained.priced);
    assert.deepEqual(explained.tier, { above_input_tokens: 200_000, from: 'model' });
    const rate = (bucket: string) => explained.rates.find((entry) => entry.bucket === bucket);
    assert.deepEqual([rate('input')?.rate40, rate('input')?.from], [240_000_000n, 'model tier above 200000 input tokens']);
    assert.deepEqual([rate('cachedInput')?.rate40, rate('cachedInput')?.from], [24_000_000n, 'default: 0.1 x input (Anthropic)']);
    assert.deepEqual([rate('output')?.rate40, rate('output')?.from], [600_000_000n, 'model']);
    const base = rowPrices({ input_per_mtok: 3, tiers: [{ above_input_tokens: 200_000, input_per_mtok: 6 }] }, {}, true, 200_000);
    assert.ok(base.priced && base.tier === null);
    // A row with tiers only is unpriced in the ledger, so in explain too.
    const tiersOnly = { tiers: [{ above_input_tokens: 10, input_per_mtok: 6 }] };
    assert.equal(costOfBuckets(parsePricing(tiersOnly).prices, buckets({ input: 11 }), false), null);
    assert.equal(rowPrices(tiersOnly, {}, false, 11).priced, false);
  });
});
