import { SwitchboardError } from '../../errors.js';
import type { ProviderClass } from '../provider-class.js';
import { createCompatibleEndpoint } from '../openai/compatible-endpoint.js';
import { parseOpenAICompatibleConfig } from '../openai/openai-compatible-config.js';
import { createOpenAICompatibleProvider } from '../openai/openai-compatible-provider.js';
import { compileRequestTemplate } from './request-template.js';
import { createTemplateProvider } from './template-provider.js';

/**
 * `provider_class = 'CustomProvider'`: any API configured by its row alone. Without a
 * `request_template` it speaks OpenAI chat completions and embeddings at `api_base_url`; with one,
 * it maps requests and answers declaratively (see request-template.ts).
 *
 * The row must set `api_base_url`. A key is optional: with none, no auth header is sent (a local
 * Ollama). Row config: `headers` (static extra headers), `query` (params added to every URL, e.g.
 * `{"api-version": "2024-10-21"}`), `max_tokens_field`, `timeouts`, and `native_apis:
 * ["openai-responses"]` when the server also has OpenAI's Responses API (served natively then).
 *
 * The output limit goes out as `max_tokens` unless `max_tokens_field` says otherwise: most
 * compatible servers (Mistral, DeepSeek, Together, Ollama…) know only that name, and some reject
 * unknown fields.
 */
export const CustomProviderClass: ProviderClass = {
  className: 'CustomProvider',
  defaults: {
    authHeaderName: 'Authorization',
    authHeaderPrefix: 'Bearer',
    features: { streaming: true, tools: true, vision: true, json_mode: true, embeddings: true },
  },
  create(settings, deps) {
    if (!settings.baseUrl) {
      throw new SwitchboardError('config_row_invalid', `Provider '${settings.name}' (CustomProvider) needs an api_base_url`, {
        param: 'api_base_url',
      });
    }
    if (settings.requestTemplate === null || settings.requestTemplate === undefined) {
      const nativeApis = settings.config['native_apis'];
      const responsesApi = Array.isArray(nativeApis) && nativeApis.includes('openai-responses');
      return createOpenAICompatibleProvider(settings, deps, { keyRequired: false, defaultMaxTokensField: 'max_tokens', responsesApi });
    }
    const config = parseOpenAICompatibleConfig(settings);
    const template = compileRequestTemplate(settings.name, settings.requestTemplate);
    const endpoint = createCompatibleEndpoint(settings, deps, config, { keyRequired: false });
    return createTemplateProvider(settings.name, deps, endpoint, template);
  },
};
