/**
 * The per-bucket rates behind a ledger row's cost, for `usage explain`. The rates come from the
 * ledger's own cost function (`costOfBuckets`), probed one bucket at a time, so explain can never
 * disagree with how the cost was computed; only the label saying where a rate came from is here.
 *
 * Rates are in "pico-USD per 40 tokens" (= 1/40 micro-USD per million tokens): the ledger scales
 * prices by 40 so its default multipliers (0.1×, 1.25×, 2×) stay integers.
 *
 * @module
 */
import type { UsageBuckets } from '../../providers/spec/index.js';
import { parsePricing, type IntegerPrices, type PriceKey, type PriceTier } from '../../registry/parse-prices.js';
import { costOfBuckets, tierAt, tierPrices } from '../cost.js';

/** A token bucket (web searches are priced per search, apart: `RowPrices.webSearchPico`). */
export type BucketName = Exclude<keyof UsageBuckets, 'webSearchCalls'>;

/** A bucket's rate and where it came from. */
export interface BucketRate {
  bucket: BucketName;
  priceKey: PriceKey;
  /** pico-USD per 40 tokens. */
  rate40: bigint;
  /** 'model', 'provider', or the default rule applied. */
  from: string;
}

/** The long-prompt tier a call was priced at: its threshold and the price row whose `tiers` it is. */
export interface AppliedTier {
  above_input_tokens: number;
  from: 'model' | 'provider';
}

/**
 * A row's priced buckets: their rates, the per-request price and the price of one web search
 * (pico-USD), and the tier applied (null: the base prices), or why there is none.
 */
export type RowPrices =
  | { priced: true; rates: BucketRate[]; perRequestPico: bigint; webSearchPico: bigint; tier: AppliedTier | null }
  | { priced: false; reason: string };

const bucketKeys: [BucketName, PriceKey, string, string][] = [
  ['input', 'input_per_mtok', 'default: 0 (only output is priced)', 'default: 0 (only output is priced)'],
  ['cachedInput', 'cached_input_per_mtok', 'default: input price', 'default: 0.1 x input (Anthropic)'],
  ['cacheWrite5m', 'cache_write_per_mtok', 'default: input price', 'default: 1.25 x input (Anthropic)'],
  ['cacheWrite1h', 'cache_write_1h_per_mtok', 'default: input price', 'default: 2 x input (Anthropic)'],
  ['output', 'output_per_mtok', 'default: 0 (only input is priced)', 'default: 0 (only input is priced)'],
  ['reasoning', 'reasoning_per_mtok', 'default: output price', 'default: output price'],
];

const none: UsageBuckets = { input: 0, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 };

/**
 * The rates of a row priced from `modelPricing` over `providerPricing` (the model's keys win),
 * `anthropic` for the Anthropic default multipliers, at the tier a prompt of `promptTokens` (all
 * its input tokens) exceeds.
 */
export function rowPrices(modelPricing: unknown, providerPricing: unknown, anthropic: boolean, promptTokens: number): RowPrices {
  const model: { prices: IntegerPrices; invalid?: string } = modelPricing === undefined ? { prices: {} } : parsePricing(modelPricing);
  const provider: { prices: IntegerPrices; invalid?: string } = providerPricing === undefined ? { prices: {} } : parsePricing(providerPricing);
  const invalid = model.invalid ?? provider.invalid;
  if (invalid !== undefined) return { priced: false, reason: `a price row is unusable: ${invalid}` };
  const all: IntegerPrices = { ...provider.prices, ...model.prices };
  const flat = { ...all, tiers: [] };
  // As the ledger: tiers only change the rates of a row priced without them.
  if (costOfBuckets(flat, none, anthropic) === null) return { priced: false, reason: 'no input, output or per-request price' };
  const tier = tierAt(all.tiers, promptTokens);
  const tierFrom = model.prices.tiers !== undefined ? 'model' : 'provider';
  // The prices of this call, flat: the tier's over the base ones (their rates probed below).
  const merged = tier === undefined ? flat : tierPrices(all, tier);
  const base = costOfBuckets(merged, none, anthropic) as bigint;
  const rates = bucketKeys.map(([bucket, priceKey, fallback, anthropicFallback]): BucketRate => {
    // 40 tokens of one bucket: the ledger's sum is exact (no rounding) and is 40 × the rate.
    const rate40 = (costOfBuckets(merged, { ...none, [bucket]: 40 }, anthropic) as bigint) - base;
    return { bucket, priceKey, rate40, from: keyFrom(priceKey, merged, model.prices, tier, tierFrom) ?? (anthropic ? anthropicFallback : fallback) };
  });
  // One search: exact (×40 in the ledger and divided back), whatever the other prices.
  const webSearchPico = (costOfBuckets(merged, { ...none, webSearchCalls: 1 }, anthropic) as bigint) - base;
  return { priced: true, rates, perRequestPico: base, webSearchPico, tier: tier === undefined ? null : { above_input_tokens: tier.aboveInputTokens, from: tierFrom } };
}

/** Which row set `key` for this call ('model tier above N' for a tier's key), or undefined: a default. */
function keyFrom(key: PriceKey, merged: IntegerPrices, model: IntegerPrices, tier: PriceTier | undefined, tierFrom: string): string | undefined {
  if (tier !== undefined && key in tier.prices) return `${tierFrom} tier above ${tier.aboveInputTokens} input tokens`;
  if (!(key in merged)) return undefined;
  return key in model ? 'model' : 'provider';
}

/** `value / 10^scale` as an exact decimal string, trailing zeros (and a bare point) dropped. */
export function exactDecimal(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}${fraction ? `.${fraction}` : ''}`;
}
