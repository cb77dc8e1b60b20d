/**
 * How a `provider_class` name becomes a Provider: the contract between the loader and the classes.
 *
 * @module
 */
import type { Provider, ProviderFeatures } from './spec/index.js';
import type { ProviderDeps } from './shared/provider-deps.js';

/** Values a class supplies for columns its row leaves null (the seed's Cohere row names only the class). */
export interface ProviderClassDefaults {
  baseUrl?: string;
  /** Env var names, the first holding the key; a single name may be given as a string. */
  requiredEnvVars?: string | string[];
  authHeaderName?: string;
  authHeaderPrefix?: string;
  features?: ProviderFeatures;
  /**
   * Most inputs one embeddings call of the vendor takes (Cohere 96, Gemini 100, OpenAI 2048): the
   * AI service splits a larger call into batches of this size. A row's `config.max_batch_size`
   * overrides it; none (and no override) sends every call whole.
   */
  maxBatchSize?: number;
}

/** One `ai_providers` row, resolved against its class defaults and checked by the loader. */
export interface ProviderSettings {
  /** `ai_providers.name`. */
  name: string;
  /** Row value, else the class default; no trailing slash. */
  baseUrl: string;
  /** Header carrying the key, e.g. `Authorization` or `api-key`. */
  authHeaderName: string;
  /** Prefix before the key (`Bearer`), or empty for none. */
  authHeaderPrefix: string;
  /** `ai_providers.config`: class-specific options (validated by the class). */
  config: Record<string, unknown>;
  /** `ai_providers.request_template` (CustomProvider only). */
  requestTemplate: unknown;
}

/** A provider class: what `provider_class` names. */
export interface ProviderClass {
  /** The name used in `ai_providers.provider_class`, e.g. `OpenAIProvider`. */
  readonly className: string;
  readonly defaults: ProviderClassDefaults;
  /**
   * Builds a provider for one row. Throws `SwitchboardError` with code `config_row_invalid` when the
   * row's `config` or `request_template` is unusable, so the loader can disable just that row.
   */
  create(settings: ProviderSettings, deps: ProviderDeps): Provider;
}
