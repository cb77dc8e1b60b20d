import type { Usage } from '../spec/index.js';
import type { AnthropicUsage } from './anthropic-api.js';

/**
 * Anthropic usage → ours. Anthropic's `input_tokens` leaves out cache reads and cache writes, so
 * the true input total is the sum of the three.
 */
export function convertAnthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? undefined;
  const cacheCreation = usage.cache_creation_input_tokens ?? undefined;
  const inputTokens = (usage.input_tokens ?? 0) + (cacheRead ?? 0) + (cacheCreation ?? 0);
  const outputTokens = usage.output_tokens ?? 0;
  const result: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  if (cacheRead !== undefined) result.cachedInputTokens = cacheRead;
  if (cacheCreation !== undefined) result.cacheCreationInputTokens = cacheCreation;
  // Thinking is part of output_tokens; the API reports its share only in newer versions.
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (typeof thinking === 'number') result.reasoningTokens = thinking;
  return result;
}
