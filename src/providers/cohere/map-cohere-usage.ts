import { tokenCount, unreportedUsage, usageFromBuckets } from '../shared/usage-buckets.js';
import type { Usage } from '../spec/index.js';
import type { CohereUsage } from './cohere-api.js';

/**
 * Cohere usage. The buckets hold `billed_units` (what Cohere charges; `tokens` also counts the
 * prompt template and is not billed), falling back to `tokens` when a response has no billed
 * units. The totals stay what the model processed (`tokens`, else `billed_units`), as clients see
 * them. `cached_tokens` is reported but its discount is undocumented: it is kept in `raw` and
 * `cachedInputTokens` and billed as input.
 */
export function mapCohereUsage(usage: CohereUsage | null | undefined): Usage {
  if (usage == null || (usage.billed_units == null && usage.tokens == null)) return unreportedUsage();
  const billedInput = tokenCount(usage.billed_units?.input_tokens ?? usage.tokens?.input_tokens);
  const billedOutput = tokenCount(usage.billed_units?.output_tokens ?? usage.tokens?.output_tokens);
  const result = usageFromBuckets(
    { input: billedInput, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: billedOutput, reasoning: 0 },
    usage,
  );
  const inputTokens = tokenCount(usage.tokens?.input_tokens ?? usage.billed_units?.input_tokens);
  const outputTokens = tokenCount(usage.tokens?.output_tokens ?? usage.billed_units?.output_tokens);
  result.inputTokens = inputTokens;
  result.outputTokens = outputTokens;
  result.totalTokens = inputTokens + outputTokens;
  // Bounded like every vendor count, and never more than the prompt it is part of.
  const cachedTokens = Math.min(tokenCount(usage.cached_tokens), inputTokens);
  if (cachedTokens > 0) result.cachedInputTokens = cachedTokens;
  return result;
}
