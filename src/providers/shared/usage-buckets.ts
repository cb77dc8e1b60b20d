import type { Usage, UsageBuckets } from '../spec/index.js';

/**
 * The most tokens one count of a vendor's usage may say: ten times the largest context window
 * sold (10 M). A hostile or broken upstream's `9e18` would otherwise price one call at trillions of
 * dollars in the ledger and the budgets, and sums of such counts overflow to Infinity.
 */
export const MAX_REPORTED_TOKENS = 100_000_000;

/** A non-negative finite count, at most MAX_REPORTED_TOKENS, else 0 (vendor JSON is untrusted). */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), MAX_REPORTED_TOKENS) : 0;
}

/**
 * Usage from disjoint buckets: the totals are their sums (all input, all output with reasoning),
 * and the optional detail fields are set when non-zero. `raw` is the vendor's usage object.
 */
export function usageFromBuckets(buckets: UsageBuckets, raw: unknown): Usage {
  const cacheWrites = buckets.cacheWrite5m + buckets.cacheWrite1h;
  const inputTokens = buckets.input + buckets.cachedInput + cacheWrites;
  const outputTokens = buckets.output + buckets.reasoning;
  const usage: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, buckets, raw };
  if (buckets.cachedInput > 0) usage.cachedInputTokens = buckets.cachedInput;
  if (cacheWrites > 0) usage.cacheCreationInputTokens = cacheWrites;
  if (buckets.reasoning > 0) usage.reasoningTokens = buckets.reasoning;
  if (buckets.webSearchCalls !== undefined && buckets.webSearchCalls > 0) usage.webSearchCalls = buckets.webSearchCalls;
  return usage;
}

/** Usage of a call whose vendor reported none: zeros and no buckets (the ledger estimates it). */
export function unreportedUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
}
