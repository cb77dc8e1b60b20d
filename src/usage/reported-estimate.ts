/**
 * The buckets of a call whose final usage never came (cut, timed out, or failed after content went
 * out), when the vendor had reported some before: Anthropic's `message_start` (input and cache
 * counts), Gemini's cumulative `usageMetadata`, an OpenAI-compatible server's usage on every chunk.
 * What was reported is kept, the rest estimated. Shared by native streams (native-estimate.ts) and
 * normalized ones (observe-stream.ts).
 *
 * @module
 */
import type { Usage, UsageBuckets } from '../providers/spec/index.js';

/**
 * `reported`'s input buckets when it counted any input, else `input()`; output = the estimated
 * output (`output()`, the text seen, reasoning included) beyond the reported reasoning, never less
 * than the output reported; reasoning = the reported reasoning, else `hidden(output)` (a reasoning
 * model's hidden reasoning for that visible output, hidden-reasoning.ts) when given; the web
 * searches reported or seen so far are kept (they are billed per search, not estimated).
 */
export async function withReported(
  reported: Usage | undefined,
  input: () => Promise<number>,
  output: () => Promise<number>,
  hidden?: (visibleOutput: number) => number,
): Promise<UsageBuckets> {
  const known = reported?.buckets;
  const inputKnown = known !== undefined && (reported?.inputTokens ?? 0) > 0;
  const [estimatedInput, generated] = await Promise.all([inputKnown ? 0 : input(), output()]);
  // Reasoning the vendor reported stays its own bucket; text seen beyond the report is output.
  const visible = Math.max(known?.output ?? 0, generated - (known?.reasoning ?? 0));
  const reasoning = known?.reasoning ?? 0;
  return {
    input: inputKnown ? known.input : estimatedInput,
    cachedInput: inputKnown ? known.cachedInput : 0,
    cacheWrite5m: inputKnown ? known.cacheWrite5m : 0,
    cacheWrite1h: inputKnown ? known.cacheWrite1h : 0,
    output: visible,
    reasoning: reasoning > 0 || hidden === undefined ? reasoning : hidden(visible),
    ...(reported?.webSearchCalls ? { webSearchCalls: reported.webSearchCalls } : {}),
  };
}
