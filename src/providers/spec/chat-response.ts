/**
 * The normalized chat response and usage.
 *
 * @module
 */
import type { ToolCall } from './chat-request.js';

/**
 * Why generation ended, in OpenAI's vocabulary:
 * - `stop`: natural end or a stop sequence;
 * - `length`: the token limit (or the context window);
 * - `tool_calls`: the model wants tool results;
 * - `content_filter`: a safety system withheld or cut the answer;
 * - `error`: the vendor ended the generation with an error of its own.
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

/**
 * Usage in disjoint billing buckets: every token the vendor counted is in exactly one bucket, so
 * each is priced once at its own rate. How each vendor's usage maps here is in docs/usage.md.
 */
export interface UsageBuckets {
  /** Input tokens billed at the input rate (neither read from nor written to a prompt cache). */
  input: number;
  /** Input tokens read from the vendor's prompt cache. */
  cachedInput: number;
  /** Input tokens written to the prompt cache with the default (Anthropic: 5-minute) lifetime. */
  cacheWrite5m: number;
  /** Input tokens written to the prompt cache with a 1-hour lifetime (Anthropic). */
  cacheWrite1h: number;
  /** Visible output tokens (text and tool calls), reasoning excluded. */
  output: number;
  /** Output tokens spent on hidden reasoning (OpenAI reasoning, Gemini thoughts). */
  reasoning: number;
}

/** Token counts of one call. */
export interface Usage {
  /** All input tokens, cached ones and cache writes included. */
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
  /**
   * The billing buckets, present when the vendor reported usage. Absent = the vendor said nothing
   * (the ledger then estimates with a tokenizer).
   */
  buckets?: UsageBuckets;
  /** The vendor's own usage object as received (the last one of a stream), for the ledger. */
  raw?: unknown;
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
}
