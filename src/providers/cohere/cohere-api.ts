/**
 * Cohere v2 wire format: request types (what we send) and zod schemas of the responses (only the
 * fields we read; vendors add fields, so objects are loose).
 * https://docs.cohere.com/reference/chat, https://docs.cohere.com/reference/embed
 *
 * @module
 */
import { z } from 'zod';

export type CohereContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type CohereMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | CohereContentPart[] }
  | { role: 'assistant'; content?: string; tool_plan?: string; tool_calls?: CohereToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface CohereTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** `POST /v2/chat` body. Cohere rejects unknown fields (422), so nothing else may be sent. */
export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream?: boolean;
  tools?: CohereTool[];
  strict_tools?: boolean;
  tool_choice?: 'REQUIRED' | 'NONE';
  max_tokens?: number;
  stop_sequences?: string[];
  temperature?: number;
  p?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  response_format?: { type: 'json_object'; json_schema?: Record<string, unknown> };
  k?: number;
  thinking?: { type: 'enabled'; token_budget?: number } | { type: 'disabled' };
}

/** `POST /v2/embed` body. */
export interface CohereEmbedRequest {
  model: string;
  texts: string[];
  input_type: string;
  embedding_types: ['float'];
  output_dimension?: number;
}

const tokenCountsSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
});

export const cohereUsageSchema = z.looseObject({
  billed_units: tokenCountsSchema.nullish(),
  tokens: tokenCountsSchema.nullish(),
  cached_tokens: z.number().nullish(),
});
export type CohereUsage = z.infer<typeof cohereUsageSchema>;

const toolCallSchema = z.looseObject({
  id: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.string().nullish() }),
});

export const cohereChatResponseSchema = z.looseObject({
  id: z.string(),
  finish_reason: z.string(),
  message: z.looseObject({
    content: z.array(z.looseObject({ type: z.string(), text: z.string().nullish(), thinking: z.string().nullish() })).nullish(),
    tool_calls: z.array(toolCallSchema).nullish(),
  }),
  usage: cohereUsageSchema.nullish(),
});
export type CohereChatResponse = z.infer<typeof cohereChatResponseSchema>;

/** The `delta` of a stream's `message-end` event (parsed once per stream). */
export const cohereMessageEndDeltaSchema = z.looseObject({
  finish_reason: z.string().nullish(),
  error: z.string().nullish(),
  usage: cohereUsageSchema.nullish(),
});

export const cohereEmbedResponseSchema = z.looseObject({
  embeddings: z.looseObject({ float: z.array(z.array(z.number())) }),
  meta: z
    .looseObject({
      billed_units: z.looseObject({ input_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});

/** Cohere's error body: `{"id": "<uuid>", "message": "..."}` (older errors: `{"data": "..."}`). */
export const cohereErrorSchema = z.looseObject({
  message: z.string().optional(),
  data: z.string().optional(),
});
