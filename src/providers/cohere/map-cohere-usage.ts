import type { Usage } from '../spec/index.js';
import type { CohereUsage } from './cohere-api.js';

/**
 * Token counts from `usage.tokens` (what the model processed), falling back to `billed_units`
 * (what was charged) when a response carries only those.
 */
export function mapCohereUsage(usage: CohereUsage | null | undefined): Usage {
  const inputTokens = usage?.tokens?.input_tokens ?? usage?.billed_units?.input_tokens ?? 0;
  const outputTokens = usage?.tokens?.output_tokens ?? usage?.billed_units?.output_tokens ?? 0;
  const result: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  if (usage?.cached_tokens) result.cachedInputTokens = usage.cached_tokens;
  return result;
}
