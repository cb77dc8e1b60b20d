import { tokenCount, unreportedUsage, usageFromBuckets } from '../shared/usage-buckets.js';
import type { Usage } from '../spec/index.js';
import type { GoogleUsageMetadata } from './google-api.js';

/**
 * `usageMetadata` as Usage. `promptTokenCount` includes `cachedContentTokenCount`;
 * `thoughtsTokenCount` is billed as output but counted apart from `candidatesTokenCount`, so it is
 * its own bucket; `toolUsePromptTokenCount` (tool results fed back by Google) is input.
 */
export function convertGoogleUsage(metadata: GoogleUsageMetadata | undefined): Usage {
  if (metadata === undefined) return unreportedUsage();
  const prompt = tokenCount(metadata.promptTokenCount);
  const cachedInput = Math.min(tokenCount(metadata.cachedContentTokenCount), prompt);
  return usageFromBuckets(
    {
      input: prompt - cachedInput + tokenCount(metadata.toolUsePromptTokenCount),
      cachedInput,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: tokenCount(metadata.candidatesTokenCount),
      reasoning: tokenCount(metadata.thoughtsTokenCount),
    },
    metadata,
  );
}
