import { tokenCount, usageFromBuckets } from '../shared/usage-buckets.js';
import type { Usage } from '../spec/index.js';
import type { AnthropicUsage } from './anthropic-api.js';

/**
 * Anthropic usage → ours. `input_tokens`, `cache_read_input_tokens` and
 * `cache_creation_input_tokens` are disjoint (their sum is the true input); `cache_creation`
 * splits the writes into 5-minute and 1-hour ones (all 5-minute when it is absent).
 * `output_tokens` includes extended thinking (billed at the output rate); the share newer versions
 * report in `output_tokens_details.thinking_tokens` goes to the reasoning bucket.
 * `server_tool_use.web_search_requests` is the web searches billed per search; a stream cut before
 * its final usage passes `searchesSeen`, the `web_search` server-tool calls it showed, which count
 * when more than reported so far. Fields are read defensively: a stream's merged usage is not
 * schema-checked.
 */
export function convertAnthropicUsage(usage: AnthropicUsage, searchesSeen = 0): Usage {
  const creation = tokenCount(usage.cache_creation_input_tokens);
  const split = usage.cache_creation;
  const oneHour = Math.min(tokenCount(typeof split === 'object' && split !== null ? split.ephemeral_1h_input_tokens : 0), creation);
  const output = tokenCount(usage.output_tokens);
  // Thinking is inside output_tokens; newer API versions report its share. Same rate, own bucket.
  const details = usage.output_tokens_details;
  const reasoning = Math.min(tokenCount(typeof details === 'object' && details !== null ? details.thinking_tokens : 0), output);
  const buckets = {
    input: tokenCount(usage.input_tokens),
    cachedInput: tokenCount(usage.cache_read_input_tokens),
    cacheWrite5m: creation - oneHour,
    cacheWrite1h: oneHour,
    output: output - reasoning,
    reasoning,
  };
  const searches = Math.max(webSearchRequests(usage['server_tool_use']), searchesSeen);
  return usageFromBuckets(searches > 0 ? { ...buckets, webSearchCalls: searches } : buckets, usage);
}

/** `server_tool_use.web_search_requests` as a count (0 when absent). */
function webSearchRequests(serverToolUse: unknown): number {
  return typeof serverToolUse === 'object' && serverToolUse !== null ? tokenCount((serverToolUse as Record<string, unknown>)['web_search_requests']) : 0;
}

/** A content block that is a call of Anthropic's `web_search` server tool (billed per search). */
export function isWebSearchCall(block: unknown): boolean {
  if (typeof block !== 'object' || block === null) return false;
  const record = block as Record<string, unknown>;
  return record['type'] === 'server_tool_use' && record['name'] === 'web_search';
}
