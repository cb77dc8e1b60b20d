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
  /**
   * Not a token bucket: the server-side web searches the vendor ran and bills per search
   * (Anthropic `usage.server_tool_use.web_search_requests`, the Responses API's `web_search_call`
   * output items), priced by `web_search_per_call`. Absent = none.
   */
  webSearchCalls?: number;
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
  /** Server-side web searches the vendor ran (and bills per search), when any. */
  webSearchCalls?: number;
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
