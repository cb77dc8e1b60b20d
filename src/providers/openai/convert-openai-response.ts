import type { ChatChoice, ChatResponse, ToolCall, Usage } from '../spec/index.js';
import type { OpenAIChatResponse, OpenAIUsage } from './openai-api.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { tokenCount, unreportedUsage, usageFromBuckets } from '../shared/usage-buckets.js';
import { vendorAnswerId } from '../shared/answer-id.js';

/** Fallbacks for fields some compatible servers leave out. */
export interface ResponseDefaults {
  model: string;
  /** Unix seconds. */
  created: number;
  randomId: () => string;
}

/** A parsed chat-completions response in normalized form. */
export function convertOpenAIResponse(response: OpenAIChatResponse, defaults: ResponseDefaults): ChatResponse {
  return {
    id: vendorAnswerId(response.id) ?? `chatcmpl-${defaults.randomId()}`,
    model: response.model || defaults.model,
    created: response.created ?? defaults.created,
    choices: response.choices.map((choice, position) => {
      const toolCalls = (choice.message.tool_calls ?? []).map(
        (call): ToolCall => ({
          id: call.id || `call_${defaults.randomId()}`,
          name: call.function.name,
          arguments:
            typeof call.function.arguments === 'string' ? call.function.arguments : JSON.stringify(call.function.arguments ?? {}),
        }),
      );
      const converted: ChatChoice = {
        index: choice.index ?? position,
        content: choice.message.content ?? null,
        toolCalls,
        finishReason: mapOpenAIFinishReason(choice.finish_reason, toolCalls.length > 0),
        ...(choice.message.refusal ? { refusal: choice.message.refusal } : {}),
      };
      const reasoning = choice.message.reasoning_content ?? choice.message.reasoning;
      if (reasoning) converted.reasoning = [{ text: reasoning, origin: 'openai' }];
      if (choice.logprobs) converted.logprobs = choice.logprobs;
      return converted;
    }),
    usage: convertOpenAIUsage(response.usage),
    ...(response.system_fingerprint ? { systemFingerprint: response.system_fingerprint } : {}),
    ...(response.service_tier ? { native: { service_tier: response.service_tier } } : {}),
  };
}

/**
 * OpenAI usage in normalized form; no buckets when the server reported none. `prompt_tokens`
 * includes the cached and cache-write tokens, `completion_tokens` the reasoning tokens; audio
 * tokens stay in input and output (no bucket of their own).
 */
export function convertOpenAIUsage(usage: OpenAIUsage | null | undefined): Usage {
  if (usage == null) return unreportedUsage();
  const prompt = tokenCount(usage.prompt_tokens);
  const completion = tokenCount(usage.completion_tokens);
  const cachedInput = Math.min(tokenCount(usage.prompt_tokens_details?.cached_tokens), prompt);
  const cacheWrite5m = Math.min(tokenCount(usage.prompt_tokens_details?.cache_write_tokens), prompt - cachedInput);
  const reasoning = Math.min(tokenCount(usage.completion_tokens_details?.reasoning_tokens), completion);
  const result = usageFromBuckets(
    { input: prompt - cachedInput - cacheWrite5m, cachedInput, cacheWrite5m, cacheWrite1h: 0, output: completion - reasoning, reasoning },
    usage,
  );
  // The vendor's total when it counts more than the buckets (audio, say); never less, never raw.
  result.totalTokens = Math.max(result.totalTokens, tokenCount(usage.total_tokens));
  return result;
}
