/**
 * Normalized chat answers → OpenAI `chat.completion` JSON.
 *
 * @module
 */
import type { ChatResponse, ToolCall, Usage } from '../providers/spec/index.js';

/** OpenAI's usage object. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

export function encodeUsage(usage: Usage): OpenAIUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  };
}

function encodeToolCalls(calls: readonly ToolCall[]): { id: string; type: 'function'; function: { name: string; arguments: string } }[] {
  return calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
}

/**
 * The `chat.completion` object. `model` is the public model name the client asked for, not the
 * vendor's identifier. `tool_calls` appears only when there are calls, as in OpenAI's answers.
 * `system_fingerprint` is the vendor's own when it sent one and absent otherwise: OpenAI's schema
 * types it as an optional string, so `null` would break strict clients and an invented value would lie.
 */
export function encodeChatCompletion(response: ChatResponse, publicModel: string): Record<string, unknown> {
  return {
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model: publicModel,
    choices: response.choices.map((choice) => ({
      index: choice.index,
      message: {
        role: 'assistant',
        content: choice.content,
        refusal: choice.refusal ?? null,
        ...(choice.toolCalls.length > 0 ? { tool_calls: encodeToolCalls(choice.toolCalls) } : {}),
      },
      logprobs: null,
      finish_reason: choice.finishReason,
    })),
    usage: encodeUsage(response.usage),
    ...(response.systemFingerprint === undefined ? {} : { system_fingerprint: response.systemFingerprint }),
  };
}
