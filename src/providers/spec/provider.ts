/**
 * The provider contract: what every provider class implements. Small and versioned.
 *
 * A provider instance is built from one `ai_providers` row; per-project secrets arrive per call in
 * `CallOptions.credential`, so one instance serves every project.
 *
 * @module
 */
import type { ChatRequest, ProviderFamily } from './chat-request.js';
import type { ChatResponse, Usage } from './chat-response.js';
import type { EmbedRequest, EmbedResponse } from './embed.js';
import type { StreamPart } from './stream-part.js';
import type { CancelSignal } from '../../cancel.js';
import type { RawJson } from '../shared/raw-json.js';

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
  /**
   * True when the key is the calling project's own (stored for it). Absent: the key may serve other
   * projects too (the env-var fallback), so the service sends the end-user ids and prompt cache keys
   * a tenant names as per-project pseudonyms (see src/service/shared-account-ids.ts). Providers ignore it.
   */
  projectOwned?: boolean;
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
  signal: CancelSignal;
  credential: Credential;
  model?: ModelLimits;
  /** Extra headers to forward upstream (already filtered by the caller). */
  headers?: Record<string, string>;
  /**
   * The client's own JSON text of its long strings, for the upstream body (pass it on as
   * UpstreamRequest.raw; it is taken by the first body built).
   */
  rawJson?: RawJson | undefined;
}

/** What a provider can do; mirrors the `features` jsonb column. */
export interface ProviderFeatures {
  streaming?: boolean;
  tools?: boolean;
  vision?: boolean;
  json_mode?: boolean;
  embeddings?: boolean;
  /** Whether the model reasons (accepts reasoning controls, may return reasoning text). */
  reasoning?: boolean;
}

/**
 * A vendor API a same-vendor surface can be served on without translation:
 * `anthropic-messages` is Anthropic's `POST /v1/messages`, `openai-responses` is OpenAI's
 * `POST /v1/responses`, `anthropic-count-tokens` is Anthropic's `POST /v1/messages/count_tokens`
 * (a JSON answer `{input_tokens}`, never streamed).
 */
export type NativeApi = 'anthropic-messages' | 'anthropic-count-tokens' | 'openai-responses';

/** Options of a native call. */
export interface NativeCallOptions extends CallOptions {
  /** Whether to ask the vendor for a stream (the body's own `stream` is set to match). */
  stream: boolean;
}

/** One raw Server-Sent Event of the vendor, its data exactly as received. */
export interface NativeEvent {
  /**
   * The `event:` name; when the vendor sent none, the `type` of its JSON data (a name of letters,
   * digits, `_`, `.` and `-`), else undefined.
   */
  event: string | undefined;
  /** The `data:` text, unparsed. */
  data: string;
}

/** A complete native answer: the vendor's JSON body, unchanged, and its normalized usage. */
export interface NativeJsonAnswer {
  type: 'json';
  /** The vendor's HTTP status (2xx). */
  status: number;
  body: Record<string, unknown>;
  usage: Usage;
}

/**
 * A streamed native answer. `events` yields the vendor's events one by one, unchanged; calling
 * `return()` on its iterator aborts the upstream request. `usage()` is the normalized usage read
 * from the events, complete once `events` has ended (zeros for what the vendor never reported).
 */
export interface NativeStreamAnswer {
  type: 'stream';
  status: number;
  events: AsyncIterable<NativeEvent>;
  /** The usage reported so far. */
  usage(): Usage;
  /** Whether the vendor's final usage has arrived (absent: never known, a cut stream is estimated). */
  usageComplete?(): boolean;
  /**
   * The HTTP status of the failure the vendor reported in the stream (an `error` event, Responses'
   * `response.failed`, an unnamed `{"error": …}`): the one its code or type stands for, 502 when it
   * names none; undefined while none came.
   */
  failureStatus?(): number | undefined;
}

/** What a native call returns. */
export type NativeAnswer = NativeJsonAnswer | NativeStreamAnswer;

/** A configured provider, ready to call. */
export interface Provider {
  readonly specVersion: 'v1';
  /** The `ai_providers.name` this instance was built from. */
  readonly name: string;
  /**
   * The wire family this provider speaks. `ChatRequest.native` fields of this family are merged
   * into its body; signed reasoning of this family is sent back. Absent: no family (templated rows).
   */
  readonly family?: ProviderFamily;
  /** Non-streaming chat. Throws `ProviderError` (or `SwitchboardError`) on failure. */
  chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse>;
  /** Streaming chat; see `StreamPart` for the order and error rules. */
  stream(request: ChatRequest, options: CallOptions): AsyncIterable<StreamPart>;
  /**
   * The stop sequences of `stop` (`ChatRequest.stop`, never empty) that this provider does not send
   * because its vendor refuses them (Anthropic: whitespace-only ones; Gemini and Cohere: past the
   * fifth). The service then cuts the answer at them itself (service/stop-cut.ts). Absent, or
   * undefined: every stop goes to the vendor. Called only for requests with stops.
   */
  unsentStops?(stop: readonly string[]): string[] | undefined;
  /** Embeddings, for providers that have them. */
  embed?(request: EmbedRequest, options: CallOptions): Promise<EmbedResponse>;
  /**
   * The vendor's own API, for a surface that speaks it (so nothing is lost in translation).
   * `body` is the client's body with `model` already replaced by the row's model id; it is sent
   * unchanged apart from `stream`. Error statuses throw the mapped `ProviderError`, like `chat`.
   * Only providers whose vendor has `api` implement it; `nativeApis` says which.
   */
  native?(api: NativeApi, body: Record<string, unknown>, options: NativeCallOptions): Promise<NativeAnswer>;
  /** The native APIs `native()` serves. */
  readonly nativeApis?: readonly NativeApi[];
}
