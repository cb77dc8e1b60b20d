/**
 * Zod schemas of the OpenAI chat-completions and embeddings wire format: only the fields we read.
 * Unknown fields are ignored, since OpenAI and compatible servers keep adding them.
 *
 * @module
 */
import { z } from 'zod';

/** A JSON-Schema-ish object (tool parameters, response schemas). */
type JsonObject = Record<string, unknown>;

/** An outgoing message, as the wire expects it. */
export type OpenAIWireMessage =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | OpenAIWireUserPart[]; name?: string }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIWireToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export type OpenAIWireUserPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface OpenAIWireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The request body of `POST /chat/completions` (fields left undefined are not serialized). */
export interface OpenAIChatRequestBody {
  model: string;
  messages: OpenAIWireMessage[];
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: JsonObject; strict?: boolean } }[];
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  response_format?:
    | { type: 'text' | 'json_object' }
    | { type: 'json_schema'; json_schema: { name: string; schema: JsonObject; description?: string; strict?: boolean } };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  n?: number;
  user?: string;
  reasoning_effort?: string;
  stream?: true;
  stream_options?: { include_usage: true };
}

/** Loose: the ledger keeps the whole usage object as the vendor sent it. */
export const openAIUsageSchema = z.looseObject({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish(), cache_write_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});
export type OpenAIUsage = z.infer<typeof openAIUsageSchema>;

// Some compatible servers (older vLLM/llama.cpp builds) send arguments as an object, or no id.
const toolCallSchema = z.object({
  id: z.string().nullish(),
  function: z.object({
    name: z.string(),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  }),
});

export const openAIChatResponseSchema = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      index: z.number().nullish(),
      message: z.object({
        content: z.string().nullish(),
        refusal: z.string().nullish(),
        tool_calls: z.array(toolCallSchema).nullish(),
        // Reasoning text of DeepSeek / vLLM (`reasoning_content`) and OpenRouter (`reasoning`).
        reasoning_content: z.string().nullish(),
        reasoning: z.string().nullish(),
      }),
      finish_reason: z.string().nullish(),
      logprobs: z.record(z.string(), z.unknown()).nullish(),
    }),
  ),
  usage: openAIUsageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
});
export type OpenAIChatResponse = z.infer<typeof openAIChatResponseSchema>;

/**
 * One `chat.completion.chunk`, as a TypeScript type only: stream chunks are checked structurally
 * (see openai-stream-decoder.ts) instead of being parsed with zod one by one.
 */
export interface OpenAIChunk {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: unknown;
  service_tier?: unknown;
  choices?: {
    index?: number;
    logprobs?: unknown;
    delta?: {
      content?: string | null;
      refusal?: string | null;
      reasoning_content?: unknown;
      reasoning?: unknown;
      tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: unknown } }[] | null;
    };
    finish_reason?: string | null;
  }[];
  usage?: unknown;
  error?: unknown;
}

/** The error envelope. Compatible servers also answer `{error: "text"}`, `{message}` or `{detail}`. */
export const openAIErrorBodySchema = z.object({
  error: z
    .union([
      z.string(),
      z.object({
        message: z.string().nullish(),
        type: z.string().nullish(),
        code: z.union([z.string(), z.number()]).nullish(),
        param: z.string().nullish(),
      }),
    ])
    .nullish(),
  message: z.string().nullish(),
  detail: z.unknown().optional(),
});

export const openAIEmbeddingsResponseSchema = z.object({
  model: z.string().nullish(),
  data: z.array(
    z.object({
      index: z.number().nullish(),
      // A base64 string (little-endian float32) when a server ignores `encoding_format: "float"`.
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  usage: z.object({ prompt_tokens: z.number().nullish(), total_tokens: z.number().nullish() }).nullish(),
});
