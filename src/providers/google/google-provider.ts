import { ProviderError, SwitchboardError } from '../../errors.js';
import { unsentStops } from '../shared/vendor-stops.js';
import type { ProviderClass, ProviderSettings } from '../provider-class.js';
import { authHeaders, credentialSecrets, joinUrl } from '../shared/auth-headers.js';
import { parseErrorBody, readErrorBody, readJson, sendUpstream, type UpstreamRequest, type UpstreamResponse } from '../shared/http.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import { rowTimeouts, type Timeouts } from '../shared/timeouts.js';
import { networkFailure, UpstreamParts } from '../shared/upstream-parts.js';
import { sendUpstreamForStream, type UpstreamStream } from '../shared/upstream-stream.js';
import type {
  CallOptions,
  ChatRequest,
  ChatResponse,
  EmbedRequest,
  EmbedResponse,
  Provider,
  StreamPart,
} from '../spec/index.js';
import { convertGoogleResponse } from './convert-google-response.js';
import { convertToGoogleEmbedRequest, googleEmbedBatchSize } from './convert-to-google-embed-requests.js';
import { convertToGoogleRequest, googleStops } from './convert-to-google-request.js';
import { googleBatchEmbedResponseSchema } from './google-api.js';
import { googleModelName, googleModelPath } from './google-model-path.js';
import { GoogleStreamDecoder } from './google-stream-decoder.js';
import { mapGoogleError } from './map-google-error.js';

/** The Gemini API (Google AI Studio keys), `generateContent` family. */
class GoogleProvider implements Provider {
  readonly specVersion = 'v1';
  readonly family = 'google' as const;
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
    return unsentStops(stop, googleStops);
  }

  async chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    const body = convertToGoogleRequest(request, { stream: false });
    const response = await this.#send(`${googleModelPath(request.model)}:generateContent`, body, options);
    if (response.status >= 300) throw this.#error(response, await readErrorBody(response), options);
    const json = await readJson(this.name, response, options.signal);
    return convertGoogleResponse(json, {
      provider: this.name,
      model: request.model,
      status: response.status,
      deps: this.#deps,
    });
  }

  /**
   * An error status (or an answer that is not an event stream) rejects the first `next()`; once
   * streaming, a failure becomes an `error` part. Returning early or aborting `options.signal`
   * aborts the upstream request; a stream read to its end keeps its connection.
   */
  stream(request: ChatRequest, options: CallOptions): AsyncIterableIterator<StreamPart> {
    return new UpstreamParts({
      open: () => this.#openStream(request, options),
      decoder: (stream) =>
        new GoogleStreamDecoder(stream.limits.maxEventBytes, {
          provider: this.name,
          model: request.model,
          deps: this.#deps,
          secrets: credentialSecrets(options.credential),
        }),
      failure: networkFailure(this.name, options.signal),
    });
  }

  async embed(request: EmbedRequest, options: CallOptions): Promise<EmbedResponse> {
    if (request.input.length === 0) {
      throw new SwitchboardError('invalid_request', 'input must contain at least one text', { param: 'input' });
    }
    const batch = convertToGoogleEmbedRequest(request, googleModelName(request.model));
    const response = await this.#send(`${googleModelPath(request.model)}:batchEmbedContents`, batch, options);
    if (response.status >= 300) throw this.#error(response, await readErrorBody(response), options);
    const parsed = googleBatchEmbedResponseSchema.safeParse(await readJson(this.name, response, options.signal));
    if (!parsed.success || parsed.data.embeddings.length !== batch.requests.length) {
      throw new ProviderError('provider_error', `Provider '${this.name}' returned an unexpected embeddings body`, {
        provider: this.name,
        status: 502,
        upstreamStatus: response.status,
      });
    }
    // Gemini reports no token usage for embeddings.
    return { model: request.model, embeddings: parsed.data.embeddings.map((embedding) => embedding.values), usage: { inputTokens: 0 } };
  }

  /** Built in the first `next()`, so that conversion errors reject it, like an error status. */
  async #openStream(request: ChatRequest, options: CallOptions): Promise<UpstreamStream> {
    const body = convertToGoogleRequest(request, { stream: true });
    const stream = await sendUpstreamForStream(this.#request(`${googleModelPath(request.model)}:streamGenerateContent?alt=sse`, body, options));
    if (stream.status >= 300) throw this.#error(stream, parseErrorBody(await stream.text()), options);
    if (!String(stream.headers['content-type']).startsWith('text/event-stream')) {
      stream.discard();
      throw new ProviderError('provider_error', `Provider '${this.name}' did not answer with an event stream`, {
        provider: this.name,
        status: 502,
        upstreamStatus: stream.status,
      });
    }
    return stream;
  }

  #send(path: string, body: unknown, options: CallOptions): Promise<UpstreamResponse> {
    return sendUpstream(this.#request(path, body, options));
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

  /** An error status as its mapped error, from the answer's body (JSON, or undefined when it is not). */
  #error(answer: Pick<UpstreamResponse, 'status' | 'headers'>, body: unknown, options: CallOptions): ProviderError {
    return mapGoogleError({
      provider: this.name,
      status: answer.status,
      body,
      headers: answer.headers,
      secrets: credentialSecrets(options.credential),
    });
  }
}

export const GoogleProviderClass: ProviderClass = {
  className: 'GoogleProvider',
  defaults: {
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    requiredEnvVars: ['GEMINI_API_KEY'],
    authHeaderName: 'x-goog-api-key',
    authHeaderPrefix: '',
    features: { streaming: true, tools: true, vision: true, json_mode: true, embeddings: true },
    maxBatchSize: googleEmbedBatchSize,
  },
  create: (settings, deps) => new GoogleProvider(settings, deps),
};
