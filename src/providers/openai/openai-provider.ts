import type { ProviderClass } from '../provider-class.js';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.js';

/**
 * `provider_class = 'OpenAIProvider'`: OpenAI chat completions and embeddings. Row config:
 * `max_tokens_field` (`"max_tokens"` for servers that only know the old name), `headers`, `query`
 * and `timeouts`. A call's `credential.organization` is sent as `OpenAI-Organization`. The
 * Responses API (`POST /responses`) is served natively for the `/v1/responses` surface.
 */
export const OpenAIProviderClass: ProviderClass = {
  className: 'OpenAIProvider',
  defaults: {
    baseUrl: 'https://api.openai.com/v1',
    requiredEnvVars: ['OPENAI_API_KEY'],
    authHeaderName: 'Authorization',
    authHeaderPrefix: 'Bearer',
    features: { streaming: true, tools: true, vision: true, json_mode: true, embeddings: true },
    maxBatchSize: 2048,
  },
  create: (settings, deps) =>
    createOpenAICompatibleProvider(settings, deps, { keyRequired: true, defaultMaxTokensField: 'max_completion_tokens', responsesApi: true }),
};
