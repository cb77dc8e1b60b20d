/**
 * A call's worst case in tokens, for reservations: the input counted with a real tokenizer
 * (o200k_base) and the most the call may generate (`max_tokens`, else the model row's
 * `max_tokens`, else DEFAULT_MAX_OUTPUT_TOKENS).
 *
 * @module
 */
import type { ChatMessage } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { estimateChatInputTokens, estimateTextTokens } from '../usage/estimate-tokens.js';
import type { TokenEstimate } from './governor.js';

/** Output tokens reserved when neither the request nor the model row bounds them. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

function outputBound(requested: unknown, model: ModelEntry): number {
  if (typeof requested === 'number' && Number.isInteger(requested) && requested > 0) return requested;
  return model.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

export async function estimateChatCall(messages: readonly ChatMessage[], maxTokens: number | undefined, model: ModelEntry): Promise<TokenEstimate> {
  return { inputTokens: await estimateChatInputTokens(messages), outputTokens: outputBound(maxTokens, model) };
}

export async function estimateEmbedCall(input: readonly string[]): Promise<TokenEstimate> {
  return { inputTokens: await estimateTextTokens(input), outputTokens: 0 };
}

/** A native body (Anthropic Messages, OpenAI Responses): its JSON text as input. */
export async function estimateNativeCall(body: Record<string, unknown>, model: ModelEntry): Promise<TokenEstimate> {
  const { model: _model, ...rest } = body;
  const bound = body['max_tokens'] ?? body['max_output_tokens'];
  return { inputTokens: await estimateTextTokens([JSON.stringify(rest)]), outputTokens: outputBound(bound, model) };
}
