import { ProviderError } from '../../errors.js';
import type { ProviderSettings } from '../provider-class.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, NativeApi, Provider } from '../spec/index.js';
import { createCompatibleEndpoint } from './compatible-endpoint.js';
import { convertOpenAIEmbeddingsResponse, convertToOpenAIEmbeddingsRequest } from './convert-openai-embeddings.js';
import { convertOpenAIResponse, type ResponseDefaults } from './convert-openai-response.js';
import { convertToOpenAIRequest, type MaxTokensField } from './convert-to-openai-request.js';
import { openAIEmbeddingsResponseSchema } from './openai-api.js';
import { readOpenAIChatResponse } from './read-chat-response.js';
import { parseOpenAICompatibleConfig } from './openai-compatible-config.js';
import { streamOpenAIChat } from './openai-stream.js';
import { callOpenAIResponses } from './openai-responses-native.js';

export interface OpenAICompatibleOptions {
  /** False for servers that take no key (a local Ollama): no key, no auth header. */
  keyRequired: boolean;
  /** The output-limit field when the row's config names none. */
  defaultMaxTokensField: MaxTokensField;
  /** Whether the server has OpenAI's Responses API (`POST /responses`), served by `native()`. */
  responsesApi: boolean;
}

/**
 * A provider for any API that speaks OpenAI chat completions and embeddings: OpenAI itself, and
 * every CustomProvider row without a request template. The row's `config` is validated here
 * (see parseOpenAICompatibleConfig), so a bad row fails at create() with `config_row_invalid`.
 */
export function createOpenAICompatibleProvider(
  settings: ProviderSettings,
  deps: ProviderDeps,
  options: OpenAICompatibleOptions,
): Provider {
  const config = parseOpenAICompatibleConfig(settings, options.defaultMaxTokensField);
  const endpoint = createCompatibleEndpoint(settings, deps, config, options);
  const defaultsFor = (request: { model: string }): ResponseDefaults => ({
    model: request.model,
    created: Math.floor(deps.now() / 1000),
    randomId: deps.randomId,
  });

  return {
    specVersion: 'v1',
    name: settings.name,
    family: 'openai',
    nativeApis: options.responsesApi ? (['openai-responses'] satisfies NativeApi[]) : [],

    async chat(request: ChatRequest, callOptions: CallOptions) {
      const body = convertToOpenAIRequest(request, { stream: false, maxTokensField: config.maxTokensField, toolCallIds: config.toolCallIds });
      const json = await endpoint.postForJson('/chat/completions', body, callOptions);
      const answer = readOpenAIChatResponse(json);
      if (answer === undefined) throw endpoint.answeredError(json, callOptions) ?? malformedResponse(endpoint.provider, 'chat completion');
      return convertOpenAIResponse(answer, defaultsFor(request));
    },

    stream(request: ChatRequest, callOptions: CallOptions) {
      const body = convertToOpenAIRequest(request, { stream: true, maxTokensField: config.maxTokensField, toolCallIds: config.toolCallIds });
      return streamOpenAIChat(endpoint, body, callOptions, defaultsFor(request));
    },

    /** `openai-responses`: the client's Responses body to `POST /responses`, answered unchanged. */
    async native(api, body, callOptions) {
      if (api !== 'openai-responses') throw new Error(`${settings.name} does not serve ${api}`);
      return callOpenAIResponses(endpoint, body, callOptions);
    },

    async embed(request, callOptions) {
      const json = await endpoint.postForJson('/embeddings', convertToOpenAIEmbeddingsRequest(request), callOptions);
      const parsed = openAIEmbeddingsResponseSchema.safeParse(json);
      const response = parsed.success ? convertOpenAIEmbeddingsResponse(parsed.data, request.model, request.input.length) : undefined;
      if (response === undefined) throw endpoint.answeredError(json, callOptions) ?? malformedResponse(endpoint.provider, 'embeddings');
      return response;
    },
  };
}


function malformedResponse(provider: string, what: string): ProviderError {
  return new ProviderError('provider_error', `Provider '${provider}' returned a malformed ${what} response`, {
    provider,
    status: 502,
  });
}
