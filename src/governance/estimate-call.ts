/**
 * A call's worst case in tokens, for reservations: the input counted with a real tokenizer
 * (o200k_base), or for a short input its UTF-8 byte count (an upper bound: every token is at least
 * one byte; the tokenizer costs more CPU than a short input's overestimate is worth), and the most the call may generate (`max_tokens`, else the model row's
 * `max_tokens`, else DEFAULT_MAX_OUTPUT_TOKENS).
 *
 * @module
 */
import type { ChatMessage } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { chatInputTokenBound, estimateChatInputTokens, estimateTextTokens } from '../usage/estimate-tokens.js';
import type { TokenEstimate } from './governor.js';

/** Output tokens reserved when neither the request nor the model row bounds them. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

function outputBound(requested: unknown, model: ModelEntry): number {
  if (typeof requested === 'number' && Number.isInteger(requested) && requested > 0) return requested;
  return model.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/**
 * Inputs up to this many tokens by their byte bound are reserved at the bound (at most ~770 tokens
 * over the tokenizer's count, released at settlement); longer ones go through the tokenizer.
 */
export const BYTE_BOUND_MAX_TOKENS = 1024;

/** Synchronous for a short input (its byte bound); a promise when it needs the tokenizer. */
export function estimateChatCall(messages: readonly ChatMessage[], maxTokens: number | undefined, model: ModelEntry): TokenEstimate | Promise<TokenEstimate> {
  const bound = chatInputTokenBound(messages);
  const outputTokens = outputBound(maxTokens, model);
  if (bound <= BYTE_BOUND_MAX_TOKENS) return { inputTokens: bound, outputTokens };
  return estimateChatInputTokens(messages).then((inputTokens) => ({ inputTokens, outputTokens }));
}

export async function estimateEmbedCall(input: readonly string[]): Promise<TokenEstimate> {
  return { inputTokens: await textTokens(input), outputTokens: 0 };
}

/** A native body (Anthropic Messages, OpenAI Responses): its JSON text as input. */
export async function estimateNativeCall(body: Record<string, unknown>, model: ModelEntry): Promise<TokenEstimate> {
  const { model: _model, ...rest } = body;
  const bound = body['max_tokens'] ?? body['max_output_tokens'];
  return { inputTokens: await textTokens([JSON.stringify(rest)]), outputTokens: outputBound(bound, model) };
}

/** Tokens of texts for a reservation: the byte bound when short, else the tokenizer's count. */
async function textTokens(texts: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  if (bytes <= BYTE_BOUND_MAX_TOKENS) return bytes;
  return estimateTextTokens(texts);
}
