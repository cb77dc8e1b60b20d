import { ProviderError, SwitchboardError } from '../../errors.js';
import { unsentStops } from '../shared/vendor-stops.js';
import type { ProviderClass, ProviderClassDefaults, ProviderSettings } from '../provider-class.js';
import { authHeaders, credentialSecrets, joinUrl } from '../shared/auth-headers.js';
import { parseErrorBody, readErrorBody, readJson, sendUpstream, type UpstreamRequest, type UpstreamResponse } from '../shared/http.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import { rowTimeouts, type Timeouts } from '../shared/timeouts.js';
import { networkFailure, UpstreamParts } from '../shared/upstream-parts.js';
import { sendUpstreamForStream, type UpstreamStream } from '../shared/upstream-stream.js';
import type { CallOptions, ChatRequest, EmbedRequest, EmbedResponse, Provider, StreamPart } from '../spec/index.js';
import { cohereChatResponseSchema, cohereEmbedResponseSchema, type CohereEmbedRequest } from './cohere-api.js';
import { CohereStreamDecoder } from './cohere-stream-decoder.js';
import { convertCohereResponse } from './convert-cohere-response.js';
import { convertToCohereRequest, cohereStops } from './convert-to-cohere-request.js';
import { cohereStreamError, mapCohereError } from './map-cohere-error.js';

/** Cohere's `/v2/embed` accepts at most 96 texts per call; the service splits larger calls. */
const embedBatchSize = 96;

/** Everything the seed's Cohere row leaves null (it names only `provider_class`). */
export const cohereDefaults: ProviderClassDefaults = {
  baseUrl: 'https://api.cohere.com/v2',
  requiredEnvVars: ['COHERE_API_KEY'],
  authHeaderName: 'Authorization',
  authHeaderPrefix: 'Bearer',
  features: { streaming: true, tools: true, json_mode: true, embeddings: true, vision: false },
  maxBatchSize: embedBatchSize,
};

/** Cohere API v2: `/chat` (plain and streamed) and `/embed`. */
export const CohereProviderClass: ProviderClass = {
  className: 'CohereProvider',
  defaults: cohereDefaults,
  create: (settings, deps) => new CohereProvider(settings, deps),
};

class CohereProvider implements Provider {
  readonly specVersion = 'v1';
  readonly family = 'cohere' as const;
  readonly name: string;
  readonly #settings: ProviderSettings;
  readonly #deps: ProviderDeps;
  readonly #timeouts: Timeouts;

  constructor(settings: ProviderSettings, deps: ProviderDeps) {
    this.name = settings.name;
    this.#settings = settings;
    this.#deps = deps;
    this.#timeouts = rowTimeouts(settings);
  }

  unsentStops(stop: readonly string[]): string[] | undefined {
    return unsentStops(stop, cohereStops);
  }

  async chat(request: ChatRequest, options: CallOptions) {
    const body = convertToCohereRequest(request, { stream: false });
    const response = await this.#post('chat', body, options);
    const parsed = cohereChatResponseSchema.safeParse(await readJson(this.name, response, options.signal));
    if (!parsed.success) throw this.#unexpectedShape(response.status);
    // Cohere gave up mid-generation (HTTP 200): a failure, as in a stream, not an answer; billed all the same.
    const reason = parsed.data.finish_reason;
    if (reason === 'ERROR' || reason === 'TIMEOUT') throw cohereStreamError(this.name, 'answer', reason, undefined, credentialSecrets(options.credential), parsed.data.usage);
    return convertCohereResponse(parsed.data, request.model, this.#created(), this.#deps.randomId);
  }

  /**
   * An error status rejects the first `next()`; once streaming, a failure becomes an `error` part.
   * Returning early or aborting `options.signal` aborts the upstream request; a stream read to
   * `data: [DONE]` keeps its connection.
   */
  stream(request: ChatRequest, options: CallOptions): AsyncIterableIterator<StreamPart> {
    return new UpstreamParts({
      open: () => this.#openStream(request, options),
      decoder: (stream) =>
        new CohereStreamDecoder(stream.limits.maxEventBytes, {
          provider: this.name,
          model: request.model,
          created: this.#created(),
          randomId: this.#deps.randomId,
          secrets: credentialSecrets(options.credential),
        }),
      failure: networkFailure(this.name, options.signal),
    });
  }

  async embed(request: EmbedRequest, options: CallOptions): Promise<EmbedResponse> {
    if (request.input.length === 0) {
      throw new SwitchboardError('invalid_request', 'input must contain at least one text', { param: 'input' });
    }
    const body: CohereEmbedRequest = {
      model: request.model,
      texts: request.input,
      input_type: request.inputType ?? 'search_document',
      embedding_types: ['float'],
      ...(request.dimensions === undefined ? {} : { output_dimension: request.dimensions }),
    };
    const response = await this.#post('embed', body, options);
    const parsed = cohereEmbedResponseSchema.safeParse(await readJson(this.name, response, options.signal));
    if (!parsed.success || parsed.data.embeddings.float.length !== request.input.length) throw this.#unexpectedShape(response.status);
    // No billed units: 0, which the service reads as no count (and estimates).
    return { model: request.model, embeddings: parsed.data.embeddings.float, usage: { inputTokens: parsed.data.meta?.billed_units?.input_tokens ?? 0 } };
  }

  /** POSTs to `<baseUrl>/<path>`; any non-2xx answer is read and thrown as the mapped ProviderError. */
  async #post(path: string, body: unknown, options: CallOptions): Promise<UpstreamResponse> {
    const response = await sendUpstream(this.#request(path, body, options));
    if (response.status >= 200 && response.status < 300) return response;
    throw this.#error(response, await readErrorBody(response), options);
  }

  /** #post for the stream, in the first `next()` (so that conversion errors reject it, like an error status). */
  async #openStream(request: ChatRequest, options: CallOptions): Promise<UpstreamStream> {
    const body = convertToCohereRequest(request, { stream: true });
    const stream = await sendUpstreamForStream(this.#request('chat', body, options));
    if (stream.status >= 200 && stream.status < 300) return stream;
    throw this.#error(stream, parseErrorBody(await stream.text()), options);
  }

  #request(path: string, body: unknown, options: CallOptions): UpstreamRequest {
    const { credential } = options;
    return {
      provider: this.name,
      url: joinUrl(credential.baseUrl ?? this.#settings.baseUrl, path),
      headers: { ...options.headers, ...authHeaders(this.name, this.#settings, credential, { keyRequired: true }) },
      body,
      signal: options.signal,
      timeouts: this.#timeouts,
      dispatcher: this.#deps.dispatcher,
      limits: this.#deps.limits,
      raw: options.rawJson,
    };
  }

  /** What an error answer throws once its body is read: the mapped error, or the abort's reason when the caller left meanwhile. */
  #error(answer: Pick<UpstreamResponse, 'status' | 'headers'>, errorBody: unknown, options: CallOptions): unknown {
    if (options.signal.aborted) return options.signal.reason;
    return mapCohereError(this.name, answer.status, answer.headers, errorBody, credentialSecrets(options.credential), this.#deps.now());
  }

  #created(): number {
    return Math.floor(this.#deps.now() / 1000);
  }

  #unexpectedShape(status: number): ProviderError {
    return new ProviderError('provider_error', `Provider '${this.name}' returned a response Switchboard cannot read (HTTP ${status})`, {
      provider: this.name,
      status: 502,
      upstreamStatus: status,
    });
  }
}
