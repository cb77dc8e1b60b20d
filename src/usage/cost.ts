/**
 * The cost of one upstream attempt: its usage buckets × the prices in force when it started.
 * Integer arithmetic only (see money.ts).
 *
 * @module
 */
import type { UsageBuckets } from '../providers/spec/index.js';
import type { IntegerPrices, PriceKey, PriceTier } from '../registry/parse-prices.js';
import type { PriceBook, PriceEntry } from '../registry/price-book.js';

/** The price rows an attempt used and its cost (null = no price known, never 0 for unknown). */
export interface CostQuote {
  /**
   * pico-USD (1e-12 USD), or null when the model has no input, output or per-request price (a
   * `web_search_per_call` price alone does not price a call's tokens).
   */
  costPico: bigint | null;
  /** The model's `ai_price_history` row in force. */
  priceId: string | null;
  /** The provider's `ai_price_history` row in force. */
  providerPriceId: string | null;
}

/** What identifies the prices of an attempt. */
export interface PricedModel {
  modelId: string;
  providerId: string;
  /** Anthropic rows default their cache prices to Anthropic's multipliers. */
  anthropic: boolean;
}

// Prices are scaled by 40 so that the default multipliers (0.1×, 1.25×, 2×) stay integers.
const scale = 40n;

/**
 * The cost of `buckets` at `time` (epoch ms): each key of the model's price row wins over its
 * provider's row. Missing keys default: cached input = input (Anthropic: 0.1× input), 5-minute
 * cache write = input (Anthropic: 1.25×), 1-hour cache write = input (Anthropic: 2×), reasoning =
 * output; a missing input or output price is 0 when the other one is set; web searches cost
 * `web_search_per_call` each (0 when missing). A prompt (promptTokens) above a tier's threshold
 * prices the whole call at that tier (tierPrices). The result is rounded to the pico-USD (half up)
 * only when a default multiplier leaves a fraction.
 */
export function quoteCost(prices: PriceBook, model: PricedModel, buckets: UsageBuckets, time: number): CostQuote {
  const modelRow = prices.modelPrice(model.modelId, time);
  const providerRow = prices.providerPrice(model.providerId, time);
  const priceId = modelRow?.id ?? null;
  const providerPriceId = providerRow?.id ?? null;
  if (modelRow?.invalid || providerRow?.invalid) return { priceId, providerPriceId, costPico: null };
  const rates = mergedRates(prices, modelRow, providerRow, model.anthropic);
  if (rates === null) return { priceId, providerPriceId, costPico: null };
  return { priceId, providerPriceId, costPico: costAtRates(rates.tiers === undefined ? rates : atPrompt(rates, promptTokens(buckets)), buckets) };
}

/**
 * The tokens a vendor's long-prompt rule counts: every input token, cache reads and cache writes
 * included (Gemini's `promptTokenCount`, Anthropic's input + cache tokens).
 */
export function promptTokens(buckets: UsageBuckets): number {
  return buckets.input + buckets.cachedInput + buckets.cacheWrite5m + buckets.cacheWrite1h;
}

/**
 * The prices of a call in `tier`: the tier's keys over the base ones (`tiers` dropped). A tier that
 * sets `input_per_mtok` drops the base's cache rates and one that sets `output_per_mtok` the base's
 * reasoning rate, so those it leaves out follow their default rules from the tier's own rates
 * (Anthropic: 0.1×, 1.25× and 2× the tier's input).
 */
export function tierPrices(prices: IntegerPrices, tier: PriceTier): IntegerPrices {
  const flat: IntegerPrices = { ...prices };
  delete flat.tiers;
  if (tier.prices.input_per_mtok !== undefined) {
    delete flat.cached_input_per_mtok;
    delete flat.cache_write_per_mtok;
    delete flat.cache_write_1h_per_mtok;
  }
  if (tier.prices.output_per_mtok !== undefined) delete flat.reasoning_per_mtok;
  return { ...flat, ...tier.prices };
}

/** The tier a prompt of `tokens` exceeds (the highest), if any. */
export function tierAt(tiers: readonly PriceTier[] | undefined, tokens: number): PriceTier | undefined {
  if (tiers === undefined) return undefined;
  for (let index = tiers.length - 1; index >= 0; index -= 1) {
    const tier = tiers[index] as PriceTier;
    if (tokens > tier.aboveInputTokens) return tier;
  }
  return undefined;
}

/**
 * A reservation's worst case (pico-USD, null = no price in force): `buckets` as quoteCost prices
 * them, except that output is priced at the higher of the output and reasoning rates, since the
 * request, not the gateway, decides how much of it is reasoning, which the ledger charges at
 * `reasoning_per_mtok`, and that the tier is the one a prompt of `tierTokens` exceeds (the caller's
 * estimate with its margin: the vendor's tokenizer may count more). Moves `buckets.output` into
 * `buckets.reasoning` when that rate is higher (the caller's own object: no copy).
 */
export function quoteWorstCost(prices: PriceBook, model: PricedModel, buckets: UsageBuckets, time: number, tierTokens = promptTokens(buckets)): bigint | null {
  const modelRow = prices.modelPrice(model.modelId, time);
  const providerRow = prices.providerPrice(model.providerId, time);
  if (modelRow?.invalid || providerRow?.invalid) return null;
  const merged = mergedRates(prices, modelRow, providerRow, model.anthropic);
  if (merged === null) return null;
  const rates = merged.tiers === undefined ? merged : atPrompt(merged, tierTokens);
  if ((rates.big[5] as bigint) > (rates.big[4] as bigint)) {
    buckets.reasoning += buckets.output;
    buckets.output = 0;
  }
  return costAtRates(rates, buckets);
}

/**
 * Σ bucket × rate in pico-USD (at the tier the prompt exceeds, if any), or null when neither input,
 * output nor per-request is priced.
 */
export function costOfBuckets(prices: IntegerPrices, buckets: UsageBuckets, anthropic: boolean): bigint | null {
  const rates = ratesOf(prices, anthropic);
  if (rates === null) return null;
  return costAtRates(rates.tiers === undefined ? rates : atPrompt(rates, promptTokens(buckets)), buckets);
}

/**
 * Per-token rates ×40 in the order of `bucketsInOrder`, then the per-request price ×40, then the
 * price of one web search ×40; `small` holds the same as numbers when each is a safe integer, for
 * the common cost that stays exact in doubles.
 */
interface Rates {
  big: readonly bigint[];
  small: readonly number[] | undefined;
  /** The largest per-token rate (×40), for the bound that keeps a sum exact in doubles. */
  maxRate: number;
  /** The long-prompt tiers' rates, thresholds increasing; undefined without tiers (the common case). */
  tiers: readonly { above: number; rates: Rates }[] | undefined;
}

/** The rates of the highest tier a prompt of `tokens` exceeds, else the base rates. */
function atPrompt(rates: Rates, tokens: number): Rates {
  const tiers = rates.tiers ?? [];
  for (let index = tiers.length - 1; index >= 0; index -= 1) {
    const tier = tiers[index] as { above: number; rates: Rates };
    if (tokens > tier.above) return tier.rates;
  }
  return rates;
}

const bucketsInOrder = (b: UsageBuckets): readonly number[] => [b.input, b.cachedInput, b.cacheWrite5m, b.cacheWrite1h, b.output, b.reasoning];

function ratesOf(prices: IntegerPrices, anthropic: boolean): Rates | null {
  const input = prices.input_per_mtok;
  const output = prices.output_per_mtok;
  if (input === undefined && output === undefined && prices.per_request === undefined) return null;
  const in40 = (input ?? 0n) * scale;
  const out40 = (output ?? 0n) * scale;
  const rate = (key: PriceKey, fallback: bigint): bigint => {
    const price = prices[key];
    return price === undefined ? fallback : price * scale;
  };
  const big = [
    in40,
    rate('cached_input_per_mtok', anthropic ? (input ?? 0n) * 4n : in40),
    rate('cache_write_per_mtok', anthropic ? (input ?? 0n) * 50n : in40),
    rate('cache_write_1h_per_mtok', anthropic ? (input ?? 0n) * 80n : in40),
    out40,
    rate('reasoning_per_mtok', out40),
    (prices.per_request ?? 0n) * scale,
    (prices.web_search_per_call ?? 0n) * scale,
  ];
  const safe = big.every((value) => value <= BigInt(Number.MAX_SAFE_INTEGER));
  const small = safe ? big.map(Number) : undefined;
  const maxRate = small === undefined ? Infinity : Math.max(...small.slice(0, 6));
  // A tier's prices always keep an input, output or per-request price (the base has one): never null.
  const tiers = prices.tiers?.length ? prices.tiers.map((tier) => ({ above: tier.aboveInputTokens, rates: ratesOf(tierPrices(prices, tier), anthropic) as Rates })) : undefined;
  return { big, small, maxRate, tiers };
}

function costAtRates(rates: Rates, buckets: UsageBuckets): bigint {
  const tokens = bucketsInOrder(buckets);
  const searches = buckets.webSearchCalls ?? 0;
  const { small } = rates;
  if (small !== undefined) {
    // Exact in doubles while every product and the sum stay safe integers: Σ tokens × the largest
    // rate + the per-request price + the searches' price bounds them all.
    let count = 0;
    let integers = Number.isSafeInteger(searches) && searches >= 0;
    for (const value of tokens) {
      integers &&= Number.isSafeInteger(value) && value >= 0;
      count += value;
    }
    const fixed = (small[6] as number) + searches * (small[7] as number);
    if (integers && count * rates.maxRate + fixed <= Number.MAX_SAFE_INTEGER) {
      let total40 = fixed;
      for (let index = 0; index < 6; index += 1) total40 += (tokens[index] as number) * (small[index] as number);
      const rounded = total40 + 20;
      return BigInt((rounded - (rounded % 40)) / 40);
    }
  }
  let total40 = (rates.big[6] as bigint) + BigInt(Math.trunc(searches)) * (rates.big[7] as bigint);
  for (let index = 0; index < 6; index += 1) total40 += BigInt(tokens[index] as number) * (rates.big[index] as bigint);
  return (total40 + scale / 2n) / scale;
}

/** The merged rates of each (model row, provider row) pair, computed once per price book. */
const ratesCache = new WeakMap<PriceBook, Map<string, RatePair>>();
type RatePair = readonly [Rates | null, Rates | null];

/** The pair used last: most attempts in a row use the same prices, found without a key. */
let last: { book: PriceBook; modelRow: PriceEntry | undefined; providerRow: PriceEntry | undefined; pair: RatePair } | undefined;

function mergedRates(book: PriceBook, modelRow: PriceEntry | undefined, providerRow: PriceEntry | undefined, anthropic: boolean): Rates | null {
  if (last === undefined || last.book !== book || last.modelRow !== modelRow || last.providerRow !== providerRow) {
    last = { book, modelRow, providerRow, pair: pairRates(book, modelRow, providerRow) };
  }
  return last.pair[anthropic ? 1 : 0];
}

function pairRates(book: PriceBook, modelRow: PriceEntry | undefined, providerRow: PriceEntry | undefined): RatePair {
  let pairs = ratesCache.get(book);
  if (pairs === undefined) ratesCache.set(book, (pairs = new Map()));
  const key = `${modelRow?.id ?? ''}/${providerRow?.id ?? ''}`;
  let pair = pairs.get(key);
  if (pair === undefined) {
    const merged: IntegerPrices = { ...providerRow?.prices, ...modelRow?.prices };
    pair = [ratesOf(merged, false), ratesOf(merged, true)];
    pairs.set(key, pair);
  }
  return pair;
}
