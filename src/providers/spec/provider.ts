/**
 * The provider contract: what every provider class implements. Small and versioned.
 *
 * A provider instance is built from one `ai_providers` row; per-project secrets arrive per call in
 * `CallOptions.credential`, so one instance serves every project.
 *
 * @module
 */
import type { ChatRequest } from './chat-request.js';
import type { ChatResponse } from './chat-response.js';
import type { EmbedRequest, EmbedResponse } from './embed.js';
import type { StreamPart } from './stream-part.js';

/** The secret material for one call, resolved per project (or from env vars). */
export interface Credential {
  /** The API key. Absent only for providers that need none (e.g. a local Ollama). */
  apiKey?: string;
  /** Overrides the row's `api_base_url` for this project. */
  baseUrl?: string;
  /** OpenAI organization id. */
  organization?: string;
  /** Extra headers for this project's calls. */
  headers?: Record<string, string>;
}

/** Facts about the model row that a provider may need to build a valid request. */
export interface ModelLimits {
  /** `ai_models.max_tokens`: the default when the caller sets no output limit (Anthropic needs one). */
  maxOutputTokens?: number;
  /** `ai_models.context_window`. */
  contextWindow?: number;
}

/** Options of every provider call. */
export interface CallOptions {
  /** Aborting it aborts the upstream request. */
  signal: AbortSignal;
  credential: Credential;
  model?: ModelLimits;
  /** Extra headers to forward upstream (already filtered by the caller). */
  headers?: Record<string, string>;
}

/** What a provider can do; mirrors the `features` jsonb column. */
export interface ProviderFeatures {
  streaming?: boolean;
  tools?: boolean;
  vision?: boolean;
  json_mode?: boolean;
  embeddings?: boolean;
}

/** A configured provider, ready to call. */
export interface Provider {
  readonly specVersion: 'v1';
  /** The `ai_providers.name` this instance was built from. */
  readonly name: string;
  /** Non-streaming chat. Throws `ProviderError` (or `SwitchboardError`) on failure. */
  chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse>;
  /** Streaming chat; see `StreamPart` for the order and error rules. */
  stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart>;
  /** Embeddings, for providers that have them. */
  embed?(request: EmbedRequest, options: CallOptions): Promise<EmbedResponse>;
}
