import type { ProviderClass, ProviderSettings } from '../provider-class.js';
import { unsentStops } from '../shared/vendor-stops.js';
import { authHeaders, credentialSecrets, joinUrl } from '../shared/auth-headers.js';
import { parseErrorBody, readErrorBody, readJson, sendUpstream, type UpstreamRequest, type UpstreamResponse } from '../shared/http.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import { nativeStreamAnswer } from '../shared/native-stream.js';
import { networkFailure, UpstreamParts } from '../shared/upstream-parts.js';
import { isJsonAnswer, notAStreamError, sendUpstreamForStream, type UpstreamStream } from '../shared/upstream-stream.js';
import type { CallOptions, ChatRequest, ChatResponse, NativeAnswer, NativeApi, NativeCallOptions, Provider, StreamPart } from '../spec/index.js';
import { anthropicBodyUsage, anthropicUsageObserver } from './anthropic-native-usage.js';
import type { AnthropicRequestBody } from './anthropic-api.js';
import { AnthropicStreamDecoder } from './anthropic-stream-decoder.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { convertToAnthropicRequest, anthropicStops } from './convert-to-anthropic-request.js';
import { mapAnthropicError, mapAnthropicStreamError } from './map-anthropic-error.js';
import { parseAnthropicConfig, type AnthropicConfig } from './parse-anthropic-config.js';

/**
 * The Anthropic Messages API (`POST {baseUrl}/messages`). Row config: `anthropic_version`
 * (`2023-06-01` by default, or `2026-10-21`), `anthropic_beta` (flags for the `anthropic-beta`
 * header) and `timeouts`. No embeddings: Anthropic has no embeddings endpoint.
 */
export const AnthropicProviderClass: ProviderClass = {
  className: 'AnthropicProvider',
  defaults: {
    baseUrl: 'https://api.anthropic.com/v1',
    requiredEnvVars: ['ANTHROPIC_API_KEY'],
    authHeaderName: 'x-api-key',
    authHeaderPrefix: '',
    features: { streaming: true, tools: true, vision: true, json_mode: false, embeddings: false },
  },
  create(settings: ProviderSettings, deps: ProviderDeps): Provider {
    return new AnthropicProvider(settings, parseAnthropicConfig(settings.name, settings.config), deps);
  },
};

class AnthropicProvider implements Provider {
  readonly specVersion = 'v1' as const;
  readonly family = 'anthropic' as const;
  readonly nativeApis: readonly NativeApi[] = ['anthropic-messages', 'anthropic-count-tokens'];
  readonly name: string;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly config: AnthropicConfig,
    private readonly deps: ProviderDeps,
  ) {
    this.name = settings.name;
  }

  unsentStops(stop: readonly string[]): string[] | undefined {
    return unsentStops(stop, anthropicStops);
  }

  async chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    const response = await this.send(this.body(request, options), options);
    if (response.status >= 300) throw this.upstreamError(response, await readErrorBody(response), options);
    const json = await readJson(this.name, response, options.signal);
    try {
      return convertAnthropicResponse(this.name, json, this.nowSeconds(), this.deps.randomId, request.model);
    } catch (error) {
      // An error body with HTTP 200 (Anthropic-compatible proxies) is that error, not a malformed answer.
      if (isErrorBody(json)) throw mapAnthropicStreamError(this.name, json, credentialSecrets(options.credential));
      throw error;
    }
  }

  /**
   * An error status rejects the first `next()`; once streaming, an in-stream error, a body cut
   * short or a failed read (a stalled body: `provider_timeout`) is an `error` part. Returning early or
   * aborting `options.signal` aborts the upstream request; a stream read to `message_stop` keeps
   * its connection.
   */
  stream(request: ChatRequest, options: CallOptions): AsyncIterableIterator<StreamPart> {
    return new UpstreamParts({
      open: () => this.openStream(request, options),
      decoder: (stream) =>
        new AnthropicStreamDecoder(stream.limits.maxEventBytes, {
          provider: this.name,
          secrets: credentialSecrets(options.credential),
          created: this.nowSeconds(),
          fallbackId: this.deps.randomId,
          fallbackModel: request.model,
        }),
      failure: networkFailure(this.name, options.signal),
    });
  }

  /**
   * `anthropic-messages`: the client's Messages body sent to `POST /messages` unchanged (apart from
   * `stream`), with the row's auth, version and `anthropic-beta` headers; the answer comes back unchanged.
   */
  async native(api: NativeApi, body: Record<string, unknown>, options: NativeCallOptions): Promise<NativeAnswer> {
    if (api === 'anthropic-count-tokens') return this.countTokens(body, options);
    if (api !== 'anthropic-messages') throw new Error(`AnthropicProvider does not serve ${api}`);
    const { stream: streaming, ...callOptions } = options;
    const wireBody: Record<string, unknown> = { ...body };
    if (streaming) {
      wireBody['stream'] = true;
      const stream = await this.sendForStream(wireBody, callOptions);
      return nativeStreamAnswer(this.name, stream, anthropicUsageObserver(), credentialSecrets(callOptions.credential));
    }
    delete wireBody['stream'];
    const response = await this.send(wireBody, callOptions);
    if (response.status >= 300) throw this.upstreamError(response, await readErrorBody(response), callOptions);
    const json = await readJson(this.name, response, options.signal);
    const answer = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
    // An error body with HTTP 200 (Anthropic-compatible proxies) is that error, not an answer.
    if (answer['type'] === 'error') throw mapAnthropicStreamError(this.name, answer, credentialSecrets(callOptions.credential));
    return { type: 'json', status: response.status, body: answer, usage: anthropicBodyUsage(answer) };
  }

  /** `anthropic-count-tokens`: `POST /messages/count_tokens` with the body unchanged; answers `{input_tokens}`. */
  private async countTokens(body: Record<string, unknown>, options: NativeCallOptions): Promise<NativeAnswer> {
    const { stream: _stream, ...callOptions } = options;
    const response = await this.send(body, callOptions, 'messages/count_tokens');
    if (response.status >= 300) throw this.upstreamError(response, await readErrorBody(response), callOptions);
    const json = await readJson(this.name, response, options.signal);
    const answer = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
    return { type: 'json', status: response.status, body: answer, usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } };
  }

  private body(request: ChatRequest, options: CallOptions): AnthropicRequestBody {
    return convertToAnthropicRequest(request, {
      version: this.config.version,
      modelMaxTokens: options.model?.maxOutputTokens,
    });
  }

  /** Built in the first `next()`, so that conversion errors reject it, like an error status. */
  private async openStream(request: ChatRequest, options: CallOptions): Promise<UpstreamStream> {
    const body: AnthropicRequestBody = { ...this.body(request, options), stream: true };
    return this.sendForStream(body, options);
  }

  /** Sends a streamed request (answer read as it arrives); an error status throws its mapped error. */
  private async sendForStream(body: AnthropicRequestBody | Record<string, unknown>, options: CallOptions): Promise<UpstreamStream> {
    const stream = await sendUpstreamForStream(this.upstreamRequest(body, options));
    if (stream.status >= 300) throw this.upstreamError(stream, parseErrorBody(await stream.text()), options);
    if (isJsonAnswer(stream)) {
      // One JSON body instead of events (an Anthropic-compatible proxy): its error, or no stream.
      const answered = parseErrorBody(await stream.text());
      if (options.signal.aborted) throw options.signal.reason;
      throw isErrorBody(answered) ? mapAnthropicStreamError(this.name, answered, credentialSecrets(options.credential)) : notAStreamError(this.name);
    }
    return stream;
  }

  private send(body: AnthropicRequestBody | Record<string, unknown>, options: CallOptions, path = 'messages'): Promise<UpstreamResponse> {
    return sendUpstream(this.upstreamRequest(body, options, path));
  }

  private upstreamRequest(body: AnthropicRequestBody | Record<string, unknown>, options: CallOptions, path = 'messages'): UpstreamRequest {
    const { credential } = options;
    const headers: Record<string, string> = {
      ...options.headers,
      ...authHeaders(this.name, this.settings, credential, { keyRequired: true }),
      'anthropic-version': this.config.version,
    };
    if (this.config.beta !== undefined) {
      const existing = headers['anthropic-beta'];
      headers['anthropic-beta'] = existing ? `${existing},${this.config.beta}` : this.config.beta;
    }
    return {
      provider: this.name,
      url: joinUrl(credential.baseUrl ?? this.settings.baseUrl, path),
      headers,
      body,
      signal: options.signal,
      timeouts: this.config.timeouts,
      dispatcher: this.deps.dispatcher,
      limits: this.deps.limits,
      raw: options.rawJson,
    };
  }

  /** An error status as its mapped error, from the answer's body (JSON, or undefined when it is not). */
  private upstreamError(answer: Pick<UpstreamResponse, 'status' | 'headers'>, body: unknown, options: CallOptions): Error {
    return mapAnthropicError(this.name, answer.status, answer.headers, body, credentialSecrets(options.credential), this.deps.now());
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }
}

function isErrorBody(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as Record<string, unknown>)['type'] === 'error';
}
