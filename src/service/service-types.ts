/**
 * The AI service's public types: the requests it takes by public model name, the per-call
 * context, and what a call reports back about how it was served.
 *
 * @module
 */
import type { ChatRequest, ChatResponse, EmbedRequest, NativeApi, ProviderFamily, StreamPart } from '../providers/spec/index.js';
import type { ModelEntry, ProviderEntry } from '../registry/provider-registry.js';
import type { RoutingInfo } from '../routing/route-runner.js';
import type { TraceParent } from '../usage/usage-observer.js';
import type { RawJson } from '../providers/shared/raw-json.js';
import type { CancelController, CancelSignal } from '../cancel.js';

/** A chat request addressed by public model name (`ai_models.name`). */
export type PublicChatRequest = Omit<ChatRequest, 'model'> & { model: string };
/** An embeddings request addressed by public model name. */
export type PublicEmbedRequest = Omit<EmbedRequest, 'model'> & { model: string };

/** Per-call context. */
export interface CallContext {
  /** The calling project (credentials are per project; ledger rows belong to it). */
  projectId?: string;
  /** Cancels the call (and its upstream request): an `AbortSignal`, or any `CancelSignal`. */
  signal?: CancelSignal;
  /**
   * The controller of `signal`, when it serves this call alone (the gateway's per-request one): a
   * route's deadline may then abort it (with a 504 reason) instead of creating a controller of its own.
   */
  abortController?: CancelController;
  /** The request's id in the usage ledger (default: a new UUID). */
  requestId?: string;
  /** The gateway API key that made the call, for the ledger. */
  apiKeyId?: string;
  /** performance.now() when the request arrived, so the ledger's overhead includes the gateway's time before the call. */
  receivedAt?: number;
  /** The request's `x-switchboard-sticky-key` header (routes with a sticky key; the `user` field is the other source). */
  stickyKey?: string;
  /** Told how a routed request was served (response headers); not called for a plain model. */
  onRouted?: (info: RoutingInfo) => void;
  /** Receives the governance headers (`x-ratelimit-*`, budget warning) of an admitted call. */
  onGovernanceHeaders?: (headers: readonly string[]) => void;
  /** The caller's W3C trace context: with tracing on, each upstream attempt is a child span of it. */
  trace?: TraceParent;
  /** The client's own JSON text of its long strings, for the first upstream body (CallOptions.rawJson). */
  rawJson?: RawJson | undefined;
  /**
   * The caller's encoding of a whole chat answer (`model`: the public name asked for, `provider` and
   * `family`: the serving provider's name and family), run before the attempt's ledger row is recorded: an answer it cannot encode
   * (a stack overflow on the vendor's JSON) is the provider's 502, in the row as in the rejection.
   * The text comes back as the result's `encoded`.
   */
  encodeAnswer?: ((answer: ChatResponse, model: string, provider: string, family: ProviderFamily | undefined) => string) | undefined;
}

/** A whole chat answer, and how it was served. */
export interface ChatResult {
  response: ChatResponse;
  route: Route;
  /** The answer as `CallContext.encodeAnswer` encoded it, when given. */
  encoded?: string | undefined;
}

/** Which model and provider served a call, and how long the upstream took. */
export interface Route {
  model: ModelEntry;
  provider: ProviderEntry;
  /** Milliseconds from the upstream call to its answer (to the first stream part when streaming). */
  upstreamMs: number;
}

export interface StreamOutcome {
  route: Route;
  /** The parts, starting with the first one (already received from the upstream). */
  parts: AsyncIterable<StreamPart>;
}

/** A native call: the vendor API's own body, addressed by public model name in `body.model`. */
export interface NativeCall {
  api: NativeApi;
  /** The client's body; `model` is the public model name (replaced by the row's model id). */
  body: Record<string, unknown>;
  stream: boolean;
  /** Extra headers to forward upstream (already filtered by the surface, e.g. `anthropic-beta`). */
  headers?: Record<string, string>;
  /**
   * The caller's encoding of a whole (JSON) answer's body (`model`: the public name), run before the
   * ledger row is recorded, as CallContext.encodeAnswer; its text comes back as the result's `encoded`.
   */
  encodeJson?: ((body: Record<string, unknown>, model: string) => string) | undefined;
}
