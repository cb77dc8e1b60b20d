/**
 * The cost of one upstream attempt: its usage buckets × the prices in force when it started.
 * Integer arithmetic only (see money.ts).
 *
 * @module
 */
import type { UsageBuckets } from '../providers/spec/index.js';
import type { IntegerPrices } from '../registry/parse-prices.js';
import type { PriceBook } from '../registry/price-book.js';

/** The price rows an attempt used and its cost (null = no price known, never 0 for unknown). */
export interface CostQuote {
  /** pico-USD (1e-12 USD), or null when the model has no input, output or per-request price. */
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
 * output; a missing input or output price is 0 when the other one is set. The result is rounded
 * to the pico-USD (half up) only when a default multiplier leaves a fraction.
 */
export function quoteCost(prices: PriceBook, model: PricedModel, buckets: UsageBuckets, time: number): CostQuote {
  const modelRow = prices.modelPrice(model.modelId, time);
  const providerRow = prices.providerPrice(model.providerId, time);
  const quote = { priceId: modelRow?.id ?? null, providerPriceId: providerRow?.id ?? null };
  if (modelRow?.invalid || providerRow?.invalid) return { ...quote, costPico: null };
  const merged: IntegerPrices = { ...providerRow?.prices, ...modelRow?.prices };
  return { ...quote, costPico: costOfBuckets(merged, buckets, model.anthropic) };
}

/** Σ bucket × rate in pico-USD, or null when neither input, output nor per-request is priced. */
export function costOfBuckets(prices: IntegerPrices, buckets: UsageBuckets, anthropic: boolean): bigint | null {
  const input = prices.input_per_mtok;
  const output = prices.output_per_mtok;
  if (input === undefined && output === undefined && prices.per_request === undefined) return null;
  const in40 = (input ?? 0n) * scale;
  const out40 = (output ?? 0n) * scale;
  const rate = (key: keyof IntegerPrices, fallback: bigint): bigint => {
    const price = prices[key];
    return price === undefined ? fallback : price * scale;
  };
  const total40 =
    BigInt(buckets.input) * in40 +
    BigInt(buckets.cachedInput) * rate('cached_input_per_mtok', anthropic ? (input ?? 0n) * 4n : in40) +
    BigInt(buckets.cacheWrite5m) * rate('cache_write_per_mtok', anthropic ? (input ?? 0n) * 50n : in40) +
    BigInt(buckets.cacheWrite1h) * rate('cache_write_1h_per_mtok', anthropic ? (input ?? 0n) * 80n : in40) +
    BigInt(buckets.output) * out40 +
    BigInt(buckets.reasoning) * rate('reasoning_per_mtok', out40) +
    (prices.per_request ?? 0n) * scale;
  return (total40 + scale / 2n) / scale;
}

