/**
 * The normalized chat response and usage.
 *
 * @module
 */
import type { ReasoningBlock, ToolCall } from './chat-request.js';

/**
 * Why generation ended, in OpenAI's vocabulary:
 * - `stop`: natural end or a stop sequence;
 * - `length`: the token limit (or the context window);
 * - `tool_calls`: the model wants tool results;
 * - `content_filter`: a safety system withheld or cut the answer;
 * - `error`: the vendor ended the generation with an error of its own.
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

/** Token counts of one call. */
export interface Usage {
  /** All input tokens, cached ones included. */
  inputTokens: number;
  /** Output tokens, reasoning tokens included. */
  outputTokens: number;
  /** `inputTokens + outputTokens`. */
  totalTokens: number;
  /** Input tokens served from the vendor's prompt cache (billed at the cached rate). */
  cachedInputTokens?: number;
  /** Input tokens written to the vendor's prompt cache (Anthropic). */
  cacheCreationInputTokens?: number;
  /** Output tokens spent on hidden reasoning. */
  reasoningTokens?: number;
}

/** One generated answer. */
export interface ChatChoice {
  index: number;
  /** The text, or null when the model only called tools. */
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** A refusal message, when the vendor reports one separately. */
  refusal?: string | null;
  /** Reasoning the model showed before its answer, in order (text, signatures, redacted data). */
  reasoning?: ReasoningBlock[];
  /** The vendor's `logprobs` object of this choice, unchanged (OpenAI family, when asked for). */
  logprobs?: Record<string, unknown>;
}

/** A complete (non-streamed) chat answer. */
export interface ChatResponse {
  /** The vendor's response id, or a generated one. */
  id: string;
  /** The model the vendor says answered. */
  model: string;
  /** Unix seconds. */
  created: number;
  choices: ChatChoice[];
  usage: Usage;
  /**
   * The vendor's backend configuration fingerprint (OpenAI's `system_fingerprint`), only when the
   * vendor sent one as a non-empty string; never invented.
   */
  systemFingerprint?: string;
  /**
   * Top-level fields of the vendor's answer that have no normalized place but belong to the
   * client's native API (e.g. OpenAI's `service_tier`), keyed by their wire name.
   */
  native?: Record<string, unknown>;
}
