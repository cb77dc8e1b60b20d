/**
 * Anthropic Messages API wire format (`POST /v1/messages`): the request we build, as types, and
 * zod schemas for what comes back, with only the fields we use (vendors add fields freely).
 * Reference: https://platform.claude.com/docs/en/api/messages
 *
 * @module
 */
import { z } from 'zod';

/** The two `anthropic-version` values the API accepts. */
export const anthropicVersions = ['2023-06-01', '2026-10-21'] as const;
export type AnthropicVersion = (typeof anthropicVersions)[number];

/** Anthropic's prompt-caching marker, passed through as the client sent it. */
export type AnthropicCacheControl = Record<string, unknown>;

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: AnthropicCacheControl;
}

/** A signed thinking block of an earlier assistant turn, sent back unchanged. */
export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

/** Encrypted thinking of an earlier assistant turn, sent back unchanged. */
export interface AnthropicRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  /** Text, or text and image blocks (a screenshot tool's result). */
  content: string | (AnthropicTextBlock | AnthropicImageBlock)[];
}

export type AnthropicContentBlock =
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock;

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: AnthropicCacheControl;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** The request body. Every key here is one the API accepts; it rejects any other key. */
export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string | AnthropicTextBlock[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stop_sequences?: string[];
  /** Only under `2023-06-01`; `2026-10-21` rejects it. */
  temperature?: number;
  /** Only under `2023-06-01`; `2026-10-21` rejects it. */
  top_p?: number;
  /** Only under `2023-06-01`; `2026-10-21` rejects it; never while thinking. */
  top_k?: number;
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'adaptive'; display?: 'summarized' | 'omitted' };
  /** Claude 4.6+: how much the model spends (adaptive thinking's control). */
  output_config?: { effort?: AnthropicEffort };
  metadata?: { user_id: string };
  stream?: boolean;
}

/** `output_config.effort` (Claude 4.6+; `xhigh` from 4.7). */
export type AnthropicEffort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/**
 * Token counts. `input_tokens` excludes cache reads and cache writes, which are counted apart.
 * Every count may be null: Anthropic-compatible servers built on the Python SDK's types send the
 * counts a `message_delta` leaves unset as null (read as absent, never as a malformed usage).
 */
export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation: z
    .looseObject({ ephemeral_5m_input_tokens: z.number().nullish(), ephemeral_1h_input_tokens: z.number().nullish() })
    .nullish(),
  output_tokens_details: z.looseObject({ thinking_tokens: z.number().nullish() }).nullish(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

/** A content block of the answer; thinking blocks are read loosely, server-tool and other blocks are skipped. */
const responseBlockSchema = z.union([
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
  z.looseObject({ type: z.string() }),
]);

/**
 * A complete (non-streamed) Message. `id`, `model` and `usage` are read loosely: some compatible
 * servers leave them out (the answer gets an id of ours and the model asked for; without usage the
 * ledger estimates it).
 */
export const anthropicMessageResponseSchema = z.looseObject({
  id: z.unknown().optional(),
  model: z.unknown().optional(),
  content: z.array(responseBlockSchema),
  stop_reason: z.string().nullish(),
  usage: anthropicUsageSchema.nullish(),
});
export type AnthropicMessageResponse = z.infer<typeof anthropicMessageResponseSchema>;

/** `{"type":"error","error":{"type","message"},"request_id"}`, for HTTP errors and `event: error`. */
export const anthropicErrorBodySchema = z.looseObject({
  error: z.looseObject({
    type: z.string(),
    message: z.string().optional(),
  }),
});
