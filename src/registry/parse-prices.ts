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
 * `web_search_per_call` in pico-USD (12 decimals).
 */
export type IntegerPrices = Partial<Record<PriceKey, bigint>>;

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
 * `per_request` and `web_search_per_call` to pico-USD (at most 12 decimals). Other keys are ignored. A priced key that is not
 * a non-negative number with few enough decimals makes the whole row unusable (`invalid`).
 */
export function parsePricing(pricing: unknown): { prices: IntegerPrices; invalid?: string } {
  const prices: IntegerPrices = {};
  if (typeof pricing !== 'object' || pricing === null || Array.isArray(pricing)) return { prices, invalid: 'pricing is not an object' };
  const record = pricing as Record<string, unknown>;
  for (const key of priceKeys) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    const decimals = key === 'per_request' || key === 'web_search_per_call' ? 12 : 6;
    const scaled = typeof value === 'number' ? scaledInteger(value, decimals) : undefined;
    if (scaled === undefined) return { prices: {}, invalid: `${key} must be a non-negative number with at most ${decimals} decimals` };
    prices[key] = scaled;
  }
  return { prices };
}
