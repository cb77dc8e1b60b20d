import { tokenCount, usageFromBuckets } from '../shared/usage-buckets.js';
import type { Usage } from '../spec/index.js';
import type { AnthropicUsage } from './anthropic-api.js';

/**
 * Anthropic usage → ours. `input_tokens`, `cache_read_input_tokens` and
 * `cache_creation_input_tokens` are disjoint (their sum is the true input); `cache_creation`
 * splits the writes into 5-minute and 1-hour ones (all 5-minute when it is absent).
 * `output_tokens` includes extended thinking, billed at the output rate, so it stays in `output`.
 * Fields are read defensively: a stream's merged usage is not schema-checked.
 */
export function convertAnthropicUsage(usage: AnthropicUsage): Usage {
  const creation = tokenCount(usage.cache_creation_input_tokens);
  const split = usage.cache_creation;
  const oneHour = Math.min(tokenCount(typeof split === 'object' && split !== null ? split.ephemeral_1h_input_tokens : 0), creation);
  return usageFromBuckets(
    {
      input: tokenCount(usage.input_tokens),
      cachedInput: tokenCount(usage.cache_read_input_tokens),
      cacheWrite5m: creation - oneHour,
      cacheWrite1h: oneHour,
      output: tokenCount(usage.output_tokens),
      reasoning: 0,
    },
    usage,
  );
}
