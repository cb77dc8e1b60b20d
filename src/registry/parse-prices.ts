/**
 * `pricing` jsonb → integer prices, from each number's decimal text (never float arithmetic).
 *
 * @module
 */
/**
 * The priced keys of a `pricing` object (USD per million tokens; `per_request` USD per call,
 * `web_search_per_call` USD per server-side web search).
 */
export const priceKeys = [
  'input_per_mtok',
  'cached_input_per_mtok',
  'cache_write_per_mtok',
  'cache_write_1h_per_mtok',
  'output_per_mtok',
  'reasoning_per_mtok',
  'per_request',
  'web_search_per_call',
] as const;
export type PriceKey = (typeof priceKeys)[number];

/**
 * Prices as integers: `*_per_mtok` in micro-USD per million tokens (6 decimals), `per_request` and
 * `web_search_per_call` in pico-USD (12 decimals); `tiers`, when the row has any, in increasing
 * order of their thresholds.
 */
export type IntegerPrices = Partial<Record<PriceKey, bigint>> & { tiers?: readonly PriceTier[] };

/**
 * A long-prompt tier (`pricing.tiers[]`): a request whose prompt (all its input tokens: uncached,
 * cache reads and cache writes) exceeds `aboveInputTokens` is priced, whole, with these keys over
 * the base ones.
 */
export interface PriceTier {
  aboveInputTokens: number;
  prices: Partial<Record<PriceKey, bigint>>;
}

/** The most tiers a pricing object holds (vendors publish one or two). */
export const maxPriceTiers = 8;

/**
 * A non-negative JSON number as an integer scaled by 10^`decimals`, from its decimal text (the
 * shortest text that round-trips, which is the text the price was written with). Undefined when it
 * is negative, not finite, or has more decimals than `decimals`.
 */
export function scaledInteger(value: number, decimals: number): bigint | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(String(value));
  if (!match) return undefined;
  const digits = `${match[1]}${match[2] ?? ''}`;
  // The position of the decimal point, counted in digits from the right of `digits`.
  const fraction = (match[2]?.length ?? 0) - Number(match[3] ?? 0);
  const shift = decimals - fraction;
  if (shift < 0) {
    // More decimals than allowed, unless they are trailing zeros.
    const cut = digits.slice(digits.length + shift);
    if (/[^0]/.test(cut)) return undefined;
    return BigInt(digits.slice(0, digits.length + shift) || '0');
  }
  return BigInt(digits) * 10n ** BigInt(shift);
}

/**
 * Parses a pricing object: `*_per_mtok` keys to micro-USD per million tokens (at most 6 decimals),
 * `per_request` and `web_search_per_call` to pico-USD (at most 12 decimals), `tiers` to PriceTier
 * (parseTiers). Other keys are ignored. A priced key that is not a non-negative number with few
 * enough decimals, or a bad tier, makes the whole row unusable (`invalid`).
 */
export function parsePricing(pricing: unknown): { prices: IntegerPrices; invalid?: string } {
  if (typeof pricing !== 'object' || pricing === null || Array.isArray(pricing)) return { prices: {}, invalid: 'pricing is not an object' };
  const record = pricing as Record<string, unknown>;
  const { prices, invalid }: { prices: IntegerPrices; invalid?: string } = parseKeys(record, '');
  if (invalid !== undefined) return { prices: {}, invalid };
  const tiers = record['tiers'];
  if (tiers === undefined || tiers === null) return { prices };
  const parsed = parseTiers(tiers);
  if (typeof parsed === 'string') return { prices: {}, invalid: parsed };
  // Kept when empty: a model's `"tiers": []` overrides its provider's tiers.
  prices.tiers = parsed;
  return { prices };
}

function parseKeys(record: Record<string, unknown>, where: string): { prices: Partial<Record<PriceKey, bigint>>; invalid?: string } {
  const prices: Partial<Record<PriceKey, bigint>> = {};
  for (const key of priceKeys) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    const decimals = key === 'per_request' || key === 'web_search_per_call' ? 12 : 6;
    const scaled = typeof value === 'number' ? scaledInteger(value, decimals) : undefined;
    if (scaled === undefined) return { prices: {}, invalid: `${where}${key} must be a non-negative number with at most ${decimals} decimals` };
    prices[key] = scaled;
  }
  return { prices };
}

const tierKeys = new Set<string>(['above_input_tokens', ...priceKeys]);

/**
 * `tiers`: an array of at most maxPriceTiers objects, each `above_input_tokens` (a positive
 * integer, strictly increasing from one tier to the next) and at least one price key; any other
 * key is refused (a misspelt rate would silently keep the base price). A string says what is wrong.
 */
function parseTiers(value: unknown): PriceTier[] | string {
  if (!Array.isArray(value)) return 'tiers must be an array';
  if (value.length > maxPriceTiers) return `tiers holds at most ${maxPriceTiers} tiers`;
  const tiers: PriceTier[] = [];
  for (const [index, tier] of value.entries()) {
    const where = `tiers[${index}].`;
    if (typeof tier !== 'object' || tier === null || Array.isArray(tier)) return `tiers[${index}] must be an object`;
    const record = tier as Record<string, unknown>;
    for (const key in record) {
      if (Object.hasOwn(record, key) && !tierKeys.has(key)) return `${where}${JSON.stringify(key.slice(0, 40))} is not a price key`;
    }
    const above = record['above_input_tokens'];
    if (typeof above !== 'number' || !Number.isSafeInteger(above) || above <= 0) return `${where}above_input_tokens must be a positive integer`;
    const previous = tiers.at(-1);
    if (previous !== undefined && above <= previous.aboveInputTokens) return `${where}above_input_tokens must be above the previous tier's`;
    const { prices, invalid } = parseKeys(record, where);
    if (invalid !== undefined) return invalid;
    if (Object.keys(prices).length === 0) return `tiers[${index}] sets no price`;
    tiers.push({ aboveInputTokens: above, prices });
  }
  return tiers;
}
