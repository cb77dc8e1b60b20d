/**
 * The closed map of built-in provider classes: `provider_class` → class. Nothing registers itself
 * as an import side effect, and no database string ever becomes an import path.
 *
 * @module
 */
import { AnthropicProviderClass } from './anthropic/index.js';
import { CohereProviderClass } from './cohere/index.js';
import { CustomProviderClass } from './custom/index.js';
import { GoogleProviderClass } from './google/index.js';
import { OpenAIProviderClass } from './openai/index.js';
import type { ProviderClass } from './provider-class.js';

export const builtinProviderClasses: ReadonlyMap<string, ProviderClass> = new Map(
  [OpenAIProviderClass, AnthropicProviderClass, GoogleProviderClass, CohereProviderClass, CustomProviderClass].map(
    (providerClass) => [providerClass.className, providerClass] as const,
  ),
);
