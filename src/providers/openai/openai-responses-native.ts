/**
 * The OpenAI Responses API as a native call (`POST {baseUrl}/responses`): the client's body goes
 * out unchanged apart from `stream`, and the answer (JSON or typed SSE events) comes back unchanged.
 *
 * @module
 */
import { z } from 'zod';
import { scrubFailureError } from '../shared/native-failure.js';
import { eventJson, nativeStreamAnswer, type UsageObserver } from '../shared/native-stream.js';
import type { CallOptions, NativeAnswer, NativeCallOptions, NativeEvent, Usage } from '../spec/index.js';
import type { CompatibleEndpoint } from './compatible-endpoint.js';
import { tokenCount, unreportedUsage, usageFromBuckets } from '../shared/usage-buckets.js';
import { ProviderError } from '../../errors.js';

const responsesUsageSchema = z.looseObject({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  total_tokens: z.number().optional(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

/** Chat completions' names for the same counts, which some compatible servers send in a Responses usage. */
const chatNamedUsageSchema = z.looseObject({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

/**
 * A Responses `usage` object in normalized form, with the ledger's buckets: `input_tokens` includes
 * the cached ones and `output_tokens` the reasoning ones, as in chat completions. `webSearchCalls`:
 * the answer's `web_search_call` output items (OpenAI bills each call). A usage with neither
 * `input_tokens` nor `output_tokens` is read under chat completions' names (`prompt_tokens`,
 * `completion_tokens` and their details), as some compatible servers send it. Absent or malformed
 * usage, or one with no count under either name: unreported (the ledger estimates the tokens), the
 * web search calls kept.
 */
export function convertResponsesUsage(raw: unknown, webSearchCalls = 0): Usage {
  const parsed = responsesUsageSchema.safeParse(raw);
  if (!parsed.success || raw === undefined || raw === null) return searchesOnly(webSearchCalls);
  const usage = parsed.data;
  if (usage.input_tokens === undefined && usage.output_tokens === undefined) return chatNamedUsage(raw, webSearchCalls);
  return usageOfCounts(usage.input_tokens, usage.output_tokens, usage.input_tokens_details?.cached_tokens, usage.output_tokens_details?.reasoning_tokens, raw, webSearchCalls);
}

/** A Responses usage without its own names: read under chat completions' (else unreported). */
function chatNamedUsage(raw: unknown, webSearchCalls: number): Usage {
  const parsed = chatNamedUsageSchema.safeParse(raw);
  if (!parsed.success || (typeof parsed.data.prompt_tokens !== 'number' && typeof parsed.data.completion_tokens !== 'number')) return searchesOnly(webSearchCalls);
  const usage = parsed.data;
  return usageOfCounts(usage.prompt_tokens, usage.completion_tokens, usage.prompt_tokens_details?.cached_tokens, usage.completion_tokens_details?.reasoning_tokens, raw, webSearchCalls);
}

/** Usage from the vendor's counts: all input (cached included), all output (reasoning included). */
function usageOfCounts(inputCount: unknown, outputCount: unknown, cachedCount: unknown, reasoningCount: unknown, raw: unknown, webSearchCalls: number): Usage {
  const input = tokenCount(inputCount);
  const output = tokenCount(outputCount);
  const cachedInput = Math.min(tokenCount(cachedCount), input);
  const reasoning = Math.min(tokenCount(reasoningCount), output);
  const buckets = { input: input - cachedInput, cachedInput, cacheWrite5m: 0, cacheWrite1h: 0, output: output - reasoning, reasoning };
  return usageFromBuckets(webSearchCalls > 0 ? { ...buckets, webSearchCalls } : buckets, raw);
}

/** The `web_search_call` items of a response's `output` (each one a billed web search call). */
export function countWebSearchCalls(output: unknown): number {
  if (!Array.isArray(output)) return 0;
  let count = 0;
  for (const item of output) {
    if (typeof item === 'object' && item !== null && (item as Record<string, unknown>)['type'] === 'web_search_call') count += 1;
  }
  return count;
}

/** The usage of a whole `response` object: its `usage` and its web search calls. */
function responseUsage(response: Record<string, unknown>): Usage {
  return convertResponsesUsage(response['usage'], countWebSearchCalls(response['output']));
}

/**
 * Usage of a Responses stream: on the terminal event's `response` (completed, incomplete or
 * failed): its `usage` and its `web_search_call` items. Until then the `web_search_call` items
 * added so far (`response.output_item.added`) count the searches of a stream cut before its end,
 * with whatever usage was reported (none: the ledger estimates the tokens).
 */
function responsesUsageObserver(): UsageObserver {
  let usage: Usage | undefined;
  let complete = false;
  let searches = 0;
  return {
    observe(event: NativeEvent): void {
      const type = event.event;
      if (type === 'response.output_item.added') {
        // The item as it starts: a message's content and a call's arguments are still empty.
        if (event.data.includes('"type":"web_search_call"')) searches += 1;
        return;
      }
      if (type !== 'response.completed' && type !== 'response.incomplete' && type !== 'response.failed') return;
      complete = true;
      const response = eventJson(event)?.['response'];
      if (typeof response === 'object' && response !== null) usage = responseUsage(response as Record<string, unknown>);
    },
    usage: () => usage ?? searchesOnly(searches),
    complete: () => complete,
  };
}

/** No usage reported (yet): zeros and no token buckets, with the web searches seen so far. */
function searchesOnly(searches: number): Usage {
  const usage = unreportedUsage();
  if (searches > 0) usage.webSearchCalls = searches;
  return usage;
}

/** Calls `POST /responses` on an OpenAI-compatible endpoint. */
export async function callOpenAIResponses(
  endpoint: CompatibleEndpoint,
  body: Record<string, unknown>,
  options: NativeCallOptions,
): Promise<NativeAnswer> {
  const { stream: streaming, ...callOptions } = options;
  const wireBody: Record<string, unknown> = { ...body };
  if (streaming) wireBody['stream'] = true;
  else delete wireBody['stream'];
  if (!streaming) {
    const json = await endpoint.postForJson('/responses', wireBody, callOptions);
    const answer = wholeResponse(endpoint, json, callOptions);
    return { type: 'json', status: 200, body: answer, usage: responseUsage(answer) };
  }
  const stream = await endpoint.postForStream('/responses', wireBody, callOptions);
  return nativeStreamAnswer(endpoint.provider, stream, responsesUsageObserver(), endpoint.secrets(callOptions));
}

/**
 * A whole answer, when it is a `response` (an object with an `output` list; a failed one, with an
 * `error`, is the vendor's protocol, passed on with its error scrubbed as a stream's
 * `response.failed` is); else the provider's error, not a 200 the client would take for an empty
 * answer: a proxy's `{"error": …}` with HTTP 200 is the provider's 502 naming the cleaned message,
 * as on chat completions (mapOpenAIAnsweredError); anything else is a 502 `provider_error`.
 */
function wholeResponse(endpoint: CompatibleEndpoint, json: unknown, options: CallOptions): Record<string, unknown> {
  const answer = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  if (answer !== undefined && Array.isArray(answer['output'])) {
    if (answer['error'] != null) answer['error'] = scrubFailureError(answer['error'], endpoint.provider, endpoint.secrets(options));
    return answer;
  }
  const error = answer !== undefined && answer['error'] != null ? endpoint.answeredError(answer, options) : undefined;
  if (error !== undefined) throw error;
  throw new ProviderError('provider_error', `Provider '${endpoint.provider}' returned an answer that is not a Responses API response (no output list)`, {
    provider: endpoint.provider,
    status: 502,
    upstreamStatus: 200,
  });
}
