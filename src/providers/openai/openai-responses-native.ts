/**
 * The OpenAI Responses API as a native call (`POST {baseUrl}/responses`): the client's body goes
 * out unchanged apart from `stream`, and the answer (JSON or typed SSE events) comes back unchanged.
 *
 * @module
 */
import { z } from 'zod';
import { eventJson, nativeStreamAnswer, type UsageObserver } from '../shared/native-stream.js';
import type { NativeAnswer, NativeCallOptions, NativeEvent, Usage } from '../spec/index.js';
import type { CompatibleEndpoint } from './compatible-endpoint.js';

const responsesUsageSchema = z.looseObject({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  total_tokens: z.number().optional(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

/** A Responses `usage` object in normalized form; zeros when absent or malformed. */
export function convertResponsesUsage(raw: unknown): Usage {
  const parsed = responsesUsageSchema.safeParse(raw);
  const usage = parsed.success ? parsed.data : {};
  const inputTokens = usage.input_tokens ?? 0;
  const outputTokens = usage.output_tokens ?? 0;
  const result: Usage = { inputTokens, outputTokens, totalTokens: usage.total_tokens ?? inputTokens + outputTokens };
  const cached = usage.input_tokens_details?.cached_tokens;
  if (typeof cached === 'number') result.cachedInputTokens = cached;
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number') result.reasoningTokens = reasoning;
  return result;
}

/** Usage of a Responses stream: on the terminal event's `response.usage` (completed, incomplete or failed). */
function responsesUsageObserver(): UsageObserver {
  let usage: Usage = convertResponsesUsage(undefined);
  return {
    observe(event: NativeEvent): void {
      const type = event.event;
      if (type !== 'response.completed' && type !== 'response.incomplete' && type !== 'response.failed') return;
      const response = eventJson(event)?.['response'];
      if (typeof response === 'object' && response !== null) usage = convertResponsesUsage((response as Record<string, unknown>)['usage']);
    },
    usage: () => usage,
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
  return nativeStreamAnswer(endpoint.provider, stream, responsesUsageObserver());
}
