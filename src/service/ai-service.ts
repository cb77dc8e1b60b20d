/**
 * The AI service: public model name → registry → credential → provider call. Everything it needs
 * per request comes from in-memory snapshots; it never queries the database.
 *
 * @module
 */
import type { CredentialResolver } from '../credentials/credential-resolver.js';
import type {
  ChatRequest,
  ChatResponse,
  EmbedRequest,
  EmbedResponse,
  NativeAnswer,
  NativeApi,
  StreamPart,
} from '../providers/spec/index.js';
import { SwitchboardError } from '../errors.js';
import type { ModelEntry, ProviderEntry, ProviderRegistry, ResolvedModel } from '../registry/provider-registry.js';
import { applyModelFeatures, validateChatRequest, validateEmbedModel } from './validate-request.js';

/** A chat request addressed by public model name (`ai_models.name`). */
export type PublicChatRequest = Omit<ChatRequest, 'model'> & { model: string };
/** An embeddings request addressed by public model name. */
export type PublicEmbedRequest = Omit<EmbedRequest, 'model'> & { model: string };

/** Per-call context. */
export interface CallContext {
  /** The calling project (credentials are per project). */
  projectId?: string;
  signal?: AbortSignal;
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

export interface AIServiceOptions {
  /** The current registry snapshot (swapped by the config watcher). */
  registry: () => ProviderRegistry;
  credentials: CredentialResolver;
}

export class AIService {
  readonly #registry: () => ProviderRegistry;
  readonly #credentials: CredentialResolver;

  constructor(options: AIServiceOptions) {
    this.#registry = options.registry;
    this.#credentials = options.credentials;
  }

  /** The models a client may call now. */
  models(): ModelEntry[] {
    return this.#registry().availableModels();
  }

  /** Resolves a public model name (throws `no_such_model`). */
  resolve(model: string): ResolvedModel {
    return this.#registry().resolve(model);
  }

  async chat(request: PublicChatRequest, context: CallContext = {}): Promise<{ response: ChatResponse; route: Route }> {
    const { model, provider } = this.resolve(request.model);
    const providerRequest = applyModelFeatures({ ...request, model: model.modelId }, model);
    validateChatRequest(providerRequest, model, false);
    const credential = await this.#credentials.resolve(context.projectId, provider);
    const started = performance.now();
    const response = await provider.provider.chat(
      providerRequest,
      { signal: context.signal ?? new AbortController().signal, credential, model: limitsOf(model) },
    );
    return { response, route: { model, provider, upstreamMs: performance.now() - started } };
  }

  /**
   * Starts a stream and waits for its first part, so failures before streaming (bad key, rate
   * limit) reject here and an HTTP caller can still answer with a proper status.
   */
  async stream(request: PublicChatRequest, context: CallContext = {}): Promise<StreamOutcome> {
    const { model, provider } = this.resolve(request.model);
    const providerRequest = applyModelFeatures({ ...request, model: model.modelId }, model);
    validateChatRequest(providerRequest, model, true);
    const credential = await this.#credentials.resolve(context.projectId, provider);
    const started = performance.now();
    const parts = provider.provider.stream(
      providerRequest,
      { signal: context.signal ?? new AbortController().signal, credential, model: limitsOf(model) },
    );
    const iterator = parts[Symbol.asyncIterator]();
    const first = await iterator.next();
    const route: Route = { model, provider, upstreamMs: performance.now() - started };
    return { route, parts: replayFirst(first, iterator) };
  }

  /**
   * Whether `model` can be served on the vendor's own `api` (an Anthropic model for
   * `anthropic-messages`, an OpenAI model for `openai-responses`). Throws `no_such_model` like chat.
   */
  supportsNative(model: string, api: NativeApi): boolean {
    const { provider } = this.resolve(model);
    return provider.provider.native !== undefined && (provider.provider.nativeApis ?? []).includes(api);
  }

  /**
   * Calls the vendor's own API with the client's body unchanged apart from `model` (replaced by the
   * row's model id) and `stream`, resolving model → provider → credential exactly like `chat`.
   * Throws `unsupported_feature` when the serving provider has no such API (check `supportsNative`).
   */
  async native(call: NativeCall, context: CallContext = {}): Promise<{ answer: NativeAnswer; route: Route }> {
    const modelName = typeof call.body['model'] === 'string' ? call.body['model'] : '';
    const { model, provider } = this.resolve(modelName);
    const native = provider.provider.native;
    if (!native || !(provider.provider.nativeApis ?? []).includes(call.api)) {
      throw new SwitchboardError('unsupported_feature', `The provider '${provider.name}' of model '${model.name}' does not serve ${call.api}.`, {
        param: 'model',
      });
    }
    if (call.stream && model.features.streaming === false) {
      throw new SwitchboardError('unsupported_feature', `The model '${model.name}' does not support streaming.`, { param: 'stream' });
    }
    const credential = await this.#credentials.resolve(context.projectId, provider);
    const started = performance.now();
    const answer = await native.call(provider.provider, call.api, { ...call.body, model: model.modelId }, {
      signal: context.signal ?? new AbortController().signal,
      credential,
      model: limitsOf(model),
      stream: call.stream,
      ...(call.headers === undefined ? {} : { headers: call.headers }),
    });
    return { answer, route: { model, provider, upstreamMs: performance.now() - started } };
  }

  async embed(request: PublicEmbedRequest, context: CallContext = {}): Promise<{ response: EmbedResponse; route: Route }> {
    const { model, provider } = this.resolve(request.model);
    validateEmbedModel(model);
    if (!provider.provider.embed) {
      throw new SwitchboardError('unsupported_feature', `The provider '${provider.name}' of model '${model.name}' has no embeddings.`, {
        param: 'model',
      });
    }
    const credential = await this.#credentials.resolve(context.projectId, provider);
    const started = performance.now();
    const response = await provider.provider.embed(
      { ...request, model: model.modelId },
      { signal: context.signal ?? new AbortController().signal, credential, model: limitsOf(model) },
    );
    return { response, route: { model, provider, upstreamMs: performance.now() - started } };
  }
}

/** A native call: the vendor API's own body, addressed by public model name in `body.model`. */
export interface NativeCall {
  api: NativeApi;
  /** The client's body; `model` is the public model name (replaced by the row's model id). */
  body: Record<string, unknown>;
  stream: boolean;
  /** Extra headers to forward upstream (already filtered by the surface, e.g. `anthropic-beta`). */
  headers?: Record<string, string>;
}

function limitsOf(model: ModelEntry): { maxOutputTokens?: number; contextWindow?: number } {
  return {
    ...(model.maxTokens === undefined ? {} : { maxOutputTokens: model.maxTokens }),
    ...(model.contextWindow === undefined ? {} : { contextWindow: model.contextWindow }),
  };
}

/** An iterable that yields an already-received first result, then the rest of the iterator. */
function replayFirst(first: IteratorResult<StreamPart>, rest: AsyncIterator<StreamPart>): AsyncIterable<StreamPart> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<StreamPart> {
      let pending: IteratorResult<StreamPart> | undefined = first;
      return {
        next: () => {
          if (pending) {
            const result = pending;
            pending = undefined;
            return Promise.resolve(result);
          }
          return rest.next();
        },
        return: async (value?: unknown) => {
          pending = undefined;
          await rest.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
