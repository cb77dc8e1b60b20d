import type { Usage } from '../spec/index.js';
import type { GoogleUsageMetadata } from './google-api.js';

/**
 * `usageMetadata` as Usage. Output includes the thinking tokens, which Gemini bills as output but
 * counts apart from `candidatesTokenCount`; cached tokens are part of `promptTokenCount`.
 */
export function convertGoogleUsage(metadata: GoogleUsageMetadata | undefined): Usage {
  const inputTokens = metadata?.promptTokenCount ?? 0;
  const reasoningTokens = metadata?.thoughtsTokenCount;
  const outputTokens = (metadata?.candidatesTokenCount ?? 0) + (reasoningTokens ?? 0);
  const usage: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  if (metadata?.cachedContentTokenCount !== undefined) usage.cachedInputTokens = metadata.cachedContentTokenCount;
  if (reasoningTokens !== undefined) usage.reasoningTokens = reasoningTokens;
  return usage;
}
