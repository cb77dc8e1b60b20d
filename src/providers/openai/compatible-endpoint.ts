import { type ProviderError, SwitchboardError } from '../../errors.js';
import type { ProviderSettings } from '../provider-class.js';
import { authHeaders, credentialSecrets, joinUrl, rowHeaderSecrets } from '../shared/auth-headers.js';
import { parseErrorBody, parseJsonBody, readErrorBody, sendUpstream, type UpstreamRequest, type UpstreamResponse } from '../shared/http.js';
import { isJsonAnswer, notAStreamError, sendUpstreamForStream, type UpstreamStream } from '../shared/upstream-stream.js';
import { sendUpstreamForText } from '../shared/upstream-text.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions } from '../spec/index.js';
import { mapOpenAIAnsweredError, mapOpenAIError, type OpenAIErrorContext } from './map-openai-error.js';
import type { OpenAICompatibleConfig } from './openai-compatible-config.js';

/** Where and how to reach one OpenAI-compatible (or templated JSON) API. */
export interface CompatibleEndpoint {
  readonly provider: string;
  readonly config: OpenAICompatibleConfig;
  /**
   * POSTs `body` to `path` under the base URL. An error status is read and thrown as the mapped
   * ProviderError; a success returns the response with its body unread.
   */
  post(path: string, body: unknown, options: CallOptions): Promise<UpstreamResponse>;
  /** POSTs `body` to `path` and reads the answer as JSON; an error status throws the mapped ProviderError. */
  postForJson(path: string, body: unknown, options: CallOptions): Promise<unknown>;
  /** POSTs `body` to `path` for an answer read as it arrives (SSE); an error status throws the mapped ProviderError. */
  postForStream(path: string, body: unknown, options: CallOptions): Promise<UpstreamStream>;
  errorContext(options: CallOptions): OpenAIErrorContext;
  /** The error a success answer's `body` holds instead of the answer (see mapOpenAIAnsweredError); undefined for none. */
  answeredError(body: unknown, options: CallOptions): ProviderError | undefined;
  /** What redaction scrubs from this call's upstream words: the credential's secrets and the row's static header values. */
  secrets(options: CallOptions): (string | undefined)[];
}

export interface EndpointOptions {
  /** False for servers that take no key (a local Ollama): no key, no auth header. */
  keyRequired: boolean;
}

/** Builds the endpoint of one provider row; rejects a base URL that is not http(s). */
export function createCompatibleEndpoint(
  settings: ProviderSettings,
  deps: ProviderDeps,
  config: OpenAICompatibleConfig,
  options: EndpointOptions,
): CompatibleEndpoint {
  const provider = settings.name;
  if (typeof settings.baseUrl !== 'string' || !/^https?:\/\/[^/?#]+/i.test(settings.baseUrl)) {
    throw new SwitchboardError('config_row_invalid', `Provider '${provider}' needs an http(s) api_base_url`, {
      param: 'api_base_url',
    });
  }
  // A gateway's token in config.headers is as secret as the key (computed once per row).
  const rowSecrets = rowHeaderSecrets(config.headers);
  const secrets = (callOptions: CallOptions): (string | undefined)[] => credentialSecrets(callOptions.credential, rowSecrets);
  const errorContext = (callOptions: CallOptions): OpenAIErrorContext => ({
    provider,
    secrets: secrets(callOptions),
    now: deps.now(),
  });
  // Every value of a header the call sent, the short ones too: a proxy may echo them in its error.
  const answeredError = (body: unknown, callOptions: CallOptions): ProviderError | undefined =>
    mapOpenAIAnsweredError(body, provider, secrets(callOptions), [
      ...Object.values(config.headers),
      ...Object.values(callOptions.headers ?? {}),
      callOptions.credential.organization,
    ]);
  const upstreamRequest = (path: string, body: unknown, callOptions: CallOptions): UpstreamRequest => {
    const { credential } = callOptions;
    const headers = {
      ...config.headers,
      ...callOptions.headers,
      ...authHeaders(provider, settings, credential, { keyRequired: options.keyRequired }),
    };
    if (credential.organization) headers['openai-organization'] = credential.organization;
    return {
      provider,
      url: joinUrl(credential.baseUrl ?? settings.baseUrl, path) + config.querySuffix,
      headers,
      body,
      signal: callOptions.signal,
      timeouts: config.timeouts,
      dispatcher: deps.dispatcher,
      limits: deps.limits,
      raw: callOptions.rawJson,
    };
  };
  return {
    provider,
    config,
    errorContext,
    secrets,
    answeredError,
    async post(path, body, callOptions) {
      const response = await sendUpstream(upstreamRequest(path, body, callOptions));
      // undici does not follow redirects, so a 3xx is as unusable as an error.
      if (response.status >= 300) {
        const errorBody = await readErrorBody(response);
        if (callOptions.signal.aborted) throw callOptions.signal.reason;
        throw mapOpenAIError(response.status, response.headers, errorBody, errorContext(callOptions));
      }
      return response;
    },
    async postForJson(path, body, callOptions) {
      const answer = await sendUpstreamForText(upstreamRequest(path, body, callOptions));
      if (answer.status >= 300) {
        if (callOptions.signal.aborted) throw callOptions.signal.reason;
        throw mapOpenAIError(answer.status, answer.headers, parseErrorBody(answer.text), errorContext(callOptions));
      }
      return parseJsonBody(provider, answer.status, answer.text ?? '');
    },
    async postForStream(path, body, callOptions) {
      const stream = await sendUpstreamForStream(upstreamRequest(path, body, callOptions));
      if (stream.status >= 300) {
        const errorBody = parseErrorBody(await stream.text());
        if (callOptions.signal.aborted) throw callOptions.signal.reason;
        throw mapOpenAIError(stream.status, stream.headers, errorBody, errorContext(callOptions));
      }
      if (isJsonAnswer(stream)) {
        // One JSON body instead of events: its error, or the server does not stream.
        const answered = parseErrorBody(await stream.text());
        if (callOptions.signal.aborted) throw callOptions.signal.reason;
        throw answeredError(answered, callOptions) ?? notAStreamError(provider);
      }
      return stream;
    },
  };
}
