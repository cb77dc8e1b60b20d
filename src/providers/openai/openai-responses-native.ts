/**
 * The OpenAI Responses API as a native call (`POST {baseUrl}/responses`): the client's body goes
 * out unchanged apart from `stream`, and the answer (JSON or typed SSE events) comes back unchanged.
 *
 * @module
 */
import { z } from 'zod';
import { credentialSecrets } from '../shared/auth-headers.js';
import { eventJson, nativeStreamAnswer, type UsageObserver } from '../shared/native-stream.js';
import type { NativeAnswer, NativeCallOptions, NativeEvent, Usage } from '../spec/index.js';
import type { CompatibleEndpoint } from './compatible-endpoint.js';
import { tokenCount, unreportedUsage, usageFromBuckets } from '../shared/usage-buckets.js';

const responsesUsageSchema = z.looseObject({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  total_tokens: z.number().optional(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

/**
 * A Responses `usage` object in normalized form, with the ledger's buckets: `input_tokens` includes
 * the cached ones and `output_tokens` the reasoning ones, as in chat completions. Absent or
 * malformed: unreported (the ledger estimates the call).
 */
export function convertResponsesUsage(raw: unknown): Usage {
  const parsed = responsesUsageSchema.safeParse(raw);
  if (!parsed.success || raw === undefined || raw === null) return unreportedUsage();
  const usage = parsed.data;
  const input = tokenCount(usage.input_tokens);
  const output = tokenCount(usage.output_tokens);
  const cachedInput = Math.min(tokenCount(usage.input_tokens_details?.cached_tokens), input);
  const reasoning = Math.min(tokenCount(usage.output_tokens_details?.reasoning_tokens), output);
  return usageFromBuckets({ input: input - cachedInput, cachedInput, cacheWrite5m: 0, cacheWrite1h: 0, output: output - reasoning, reasoning }, raw);
}

/** Usage of a Responses stream: on the terminal event's `response.usage` (completed, incomplete or failed). */
function responsesUsageObserver(): UsageObserver {
  let usage: Usage = convertResponsesUsage(undefined);
  let complete = false;
  return {
    observe(event: NativeEvent): void {
      const type = event.event;
      if (type !== 'response.completed' && type !== 'response.incomplete' && type !== 'response.failed') return;
      complete = true;
      const response = eventJson(event)?.['response'];
      if (typeof response === 'object' && response !== null) usage = convertResponsesUsage((response as Record<string, unknown>)['usage']);
    },
    usage: () => usage,
    complete: () => complete,
  };
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
    const answer = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
    return { type: 'json', status: 200, body: answer, usage: convertResponsesUsage(answer['usage']) };
  }
  const stream = await endpoint.postForStream('/responses', wireBody, callOptions);
  return nativeStreamAnswer(endpoint.provider, stream, responsesUsageObserver(), credentialSecrets(callOptions.credential));
}
