export { OpenAIProviderClass } from './openai-provider.js';
export { createOpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible-provider.js';
