/**
 * Normalized chat answers → OpenAI `chat.completion` JSON.
 *
 * @module
 */
import type { ChatResponse, ReasoningBlock, ToolCall, Usage } from '../providers/spec/index.js';

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
 * Reasoning text as chat completions carries it: the blocks' text joined, in the non-standard
 * `reasoning_content` field DeepSeek, vLLM and OpenRouter clients read; undefined when there is none.
 */
export function reasoningContent(reasoning: readonly ReasoningBlock[] | undefined): string | undefined {
  const text = (reasoning ?? []).map((block) => block.text).filter((part) => part !== '').join('\n\n');
  return text === '' ? undefined : text;
}

/**
 * The `chat.completion` object. `model` is the public model name the client asked for, not the
 * vendor's identifier. `tool_calls` appears only when there are calls, as in OpenAI's answers.
 * `system_fingerprint` is the vendor's own when it sent one and absent otherwise: OpenAI's schema
 * types it as an optional string, so `null` would break strict clients and an invented value would lie.
 * Reasoning text goes in `message.reasoning_content`; the vendor's `logprobs` and top-level native
 * fields (e.g. `service_tier`) come back as the vendor sent them.
 */
export function encodeChatCompletion(response: ChatResponse, publicModel: string): Record<string, unknown> {
  return {
    ...response.native,
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model: publicModel,
    choices: response.choices.map((choice) => ({
      index: choice.index,
      message: {
        role: 'assistant',
        content: choice.content,
        ...withReasoning(choice.reasoning),
        refusal: choice.refusal ?? null,
        ...(choice.toolCalls.length > 0 ? { tool_calls: encodeToolCalls(choice.toolCalls) } : {}),
      },
      logprobs: choice.logprobs ?? null,
      finish_reason: choice.finishReason,
    })),
    usage: encodeUsage(response.usage),
    ...(response.systemFingerprint === undefined ? {} : { system_fingerprint: response.systemFingerprint }),
  };
}

function withReasoning(reasoning: readonly ReasoningBlock[] | undefined): { reasoning_content?: string } {
  const text = reasoningContent(reasoning);
  return text === undefined ? {} : { reasoning_content: text };
}
