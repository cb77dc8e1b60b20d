/**
 * The provider loader: database rows → registry snapshot. A row that cannot load is reported with
 * its reason and skipped; nothing about any provider is hard-coded here.
 *
 * @module
 */
import { firstRefusal, type EnvVarPolicy } from '../credentials/env-var-policy.js';
import type { Queryable } from '../db/db.js';
import { selectModelRows, selectProviderRows, type ModelRow, type ProviderRow } from '../db/sql/registry-rows.js';
import { errorMessage } from '../errors.js';
import type { ProviderClass } from '../providers/provider-class.js';
import { baseUrlProblem } from '../providers/spec/base-url.js';
import type { ProviderDeps } from '../providers/shared/provider-deps.js';
import { maxBatchSize } from './max-batch-size.js';
import { ProviderRegistry, type ModelEntry, type ProviderEntry } from './provider-registry.js';
import {
  authHeaderNameSchema, authHeaderPrefixSchema, configSchema, featuresSchema, classEnvVarsSchema, parseColumn, pricingSchema, requiredEnvVarsSchema,
} from './row-schemas.js';

export interface LoaderOptions {
  /** provider_class name → class: the built-in set plus the providers directory. */
  classes: ReadonlyMap<string, ProviderClass>;
  deps: ProviderDeps;
  /** Receives one line per row that could not load. */
  warn?: (message: string) => void;
  /** Reuses provider instances across reloads when their row did not change. */
  cache?: ProviderInstanceCache;
  /** When given, a row naming an env var it refuses is logged (once per row version) through `warn`. */
  envVarPolicy?: EnvVarPolicy;
  /**
   * The keyed fingerprints of the env-var key this instance would use for a provider (one per master
   * key it holds): a shared credential block carrying another one is left out of the route table
   * (routing/load-route-table.ts).
   */
  credentialFingerprints?: (provider: ProviderEntry) => readonly string[];
}

/** Provider instances by row id + updated_at, so an unchanged row keeps its instance. */
export type ProviderInstanceCache = Map<string, ProviderEntry>;

/** Reads every provider and model row and builds a registry snapshot. */
export async function loadRegistry(db: Queryable, version: number, options: LoaderOptions): Promise<ProviderRegistry> {
  const [providerRows, modelRows] = await Promise.all([selectProviderRows(db), selectModelRows(db)]);
  return buildRegistry(providerRows, modelRows, version, options);
}

/** Builds a snapshot from rows already read (pure apart from provider construction). */
export function buildRegistry(
  providerRows: readonly ProviderRow[],
  modelRows: readonly ModelRow[],
  version: number,
  options: LoaderOptions,
): ProviderRegistry {
  const nextCache: ProviderInstanceCache = new Map();
  const providers = providerRows.map((row) => {
    const cacheKey = `${row.id}@${row.updatedAt.getTime()}`;
    const cached = options.cache?.get(cacheKey);
    const entry = cached ?? buildProvider(row, options);
    nextCache.set(cacheKey, entry);
    if (!cached) warnRefusedEnvVars(entry, options);
    if (entry.status === 'unavailable') options.warn?.(`provider '${row.name}' is unavailable: ${entry.reason}`);
    else if (!cached && entry.loadProblem !== undefined) options.warn?.(`provider '${row.name}': ${entry.loadProblem}`);
    return entry;
  });
  if (options.cache) {
    options.cache.clear();
    for (const [key, value] of nextCache) options.cache.set(key, value);
  }
  const byId = new Map(providers.map((entry) => [entry.id, entry]));
  const models = modelRows.map((row) => {
    const entry = buildModel(row, byId.get(row.providerId));
    if (entry.status === 'unavailable' && entry.isActive) options.warn?.(`model '${row.name}' is unavailable: ${entry.reason}`);
    return entry;
  });
  return new ProviderRegistry(providers, models, version);
}

function buildProvider(row: ProviderRow, options: LoaderOptions): ProviderEntry {
  const providerClass = options.classes.get(row.providerClass);
  const defaults = providerClass?.defaults ?? {};
  const base: ProviderEntry = {
    id: row.id,
    name: row.name,
    displayName: row.displayName,
    className: row.providerClass,
    isActive: row.isActive,
    isBuiltin: row.isBuiltin,
    status: 'unavailable',
    reason: undefined,
    provider: undefined,
    requiredEnvVars: [],
    features: {},
    pricing: {},
    baseUrl: row.apiBaseUrl ?? defaults.baseUrl,
    nativeFields: {},
    maxBatchSize: undefined,
    loadProblem: undefined,
  };
  const unavailable = (reason: string): ProviderEntry => ({ ...base, status: 'unavailable', reason });

  if (!providerClass) {
    const known = [...options.classes.keys()].sort().join(', ');
    return unavailable(`unknown provider_class '${row.providerClass}' (known: ${known})`);
  }
  const envVars = parseColumn('required_env_vars', requiredEnvVarsSchema, row.requiredEnvVars);
  if (!envVars.ok) return unavailable(envVars.reason);
  // An empty list takes the class's env vars (the seed's Cohere row names only its class). A user
  // class is code the type checker never saw: one name as a string is a list of one, never letters.
  const classEnvVars = envVars.value.length > 0 ? envVars : parseColumn('defaults.requiredEnvVars', classEnvVarsSchema, defaults.requiredEnvVars ?? []);
  if (!classEnvVars.ok) return unavailable(`provider_class '${row.providerClass}' ${classEnvVars.reason.replace(/^invalid /, '')}`);
  const features = parseColumn('features', featuresSchema, row.features);
  if (!features.ok) return unavailable(features.reason);
  const pricing = parseColumn('pricing', pricingSchema, row.pricing);
  if (!pricing.ok) return unavailable(pricing.reason);
  const config = parseColumn('config', configSchema, row.config);
  if (!config.ok) return unavailable(config.reason);
  // A row written with SQL is not checked on the way in: never let it put CR/LF into a header.
  const authName = parseColumn('auth_header_name', authHeaderNameSchema, row.authHeaderName);
  if (!authName.ok) return unavailable(authName.reason);
  const authPrefix = parseColumn('auth_header_prefix', authHeaderPrefixSchema, row.authHeaderPrefix);
  if (!authPrefix.ok) return unavailable(authPrefix.reason);

  const batch = maxBatchSize(config.value, defaults.maxBatchSize, row.providerClass);
  const entry: ProviderEntry = {
    ...base,
    requiredEnvVars: classEnvVars.value,
    features: { ...defaults.features, ...features.value },
    pricing: pricing.value,
    nativeFields: config.value.native_fields ?? {},
    // Always both keys: every entry one shape, read on every call.
    maxBatchSize: batch.size,
    loadProblem: batch.problem,
  };
  if (!row.isActive) return { ...entry, status: 'inactive', reason: 'is_active is false' };
  if (!entry.baseUrl) return { ...entry, status: 'unavailable', reason: 'api_base_url is not set and the class has no default' };
  // A row written with SQL is not checked on the way in: never append a path where it would be
  // lost. Other schemes are left to the class (a user class may take its own kind of URL).
  const urlProblem = /^https?:/i.test(entry.baseUrl) ? baseUrlProblem(entry.baseUrl) : undefined;
  if (urlProblem !== undefined) return { ...entry, status: 'unavailable', reason: `invalid api_base_url: ${urlProblem}` };
  try {
    const provider = providerClass.create(
      {
        name: row.name,
        baseUrl: entry.baseUrl.replace(/\/+$/, ''),
        authHeaderName: authName.value ?? defaults.authHeaderName ?? 'Authorization',
        authHeaderPrefix: authPrefix.value ?? defaults.authHeaderPrefix ?? 'Bearer',
        config: config.value,
        requestTemplate: row.requestTemplate,
      },
      options.deps,
    ) as unknown;
    // A user class (SWITCHBOARD_PROVIDERS_DIR) is code the type checker never saw: check the contract.
    const shape = provider as Partial<Record<'chat' | 'stream' | 'embed', unknown>> | null;
    if (typeof shape !== 'object' || shape === null || typeof shape.chat !== 'function' || typeof shape.stream !== 'function' || (shape.embed !== undefined && typeof shape.embed !== 'function')) {
      return { ...entry, status: 'unavailable', reason: `provider_class '${row.providerClass}' create() did not return a Provider (chat and stream functions)` };
    }
    return { ...entry, status: 'available', provider: provider as NonNullable<ProviderEntry['provider']> };
  } catch (error) {
    return { ...entry, status: 'unavailable', reason: errorMessage(error) };
  }
}

/** The env-var fallback of such a row fails with credential_missing; stored credentials still work. */
function warnRefusedEnvVars(entry: ProviderEntry, options: LoaderOptions): void {
  const refusal = options.envVarPolicy && firstRefusal(options.envVarPolicy, entry.requiredEnvVars);
  if (refusal) {
    options.warn?.(`provider '${entry.name}': required_env_vars names ${refusal}; it is never read, calls without a stored credential fail with credential_missing`);
  }
}

function buildModel(row: ModelRow, provider: ProviderEntry | undefined): ModelEntry {
  const features = parseColumn('features', featuresSchema, row.features);
  const pricing = parseColumn('pricing', pricingSchema, row.pricing);
  const entry: ModelEntry = {
    id: row.id,
    name: row.name,
    displayName: row.displayName,
    modelId: row.modelId,
    providerName: provider?.name ?? '(missing)',
    providerId: row.providerId,
    contextWindow: row.contextWindow ?? undefined,
    maxTokens: row.maxTokens ?? undefined,
    features: merged(provider?.features, features.ok ? features.value : undefined),
    pricing: merged(provider?.pricing, pricing.ok ? pricing.value : undefined),
    nativeFields: merged(provider?.nativeFields, features.ok ? features.value.native_fields : undefined),
    isActive: row.isActive,
    status: 'available',
    reason: undefined,
  };
  if (!row.isActive) return { ...entry, status: 'inactive', reason: 'is_active is false' };
  if (!features.ok) return { ...entry, status: 'unavailable', reason: features.reason };
  if (!pricing.ok) return { ...entry, status: 'unavailable', reason: pricing.reason };
  if (!provider) return { ...entry, status: 'unavailable', reason: 'its provider row does not exist' };
  if (provider.status === 'inactive') return { ...entry, status: 'inactive', reason: `provider '${provider.name}' is inactive` };
  if (provider.status === 'unavailable') {
    return { ...entry, status: 'unavailable', reason: `provider '${provider.name}' is unavailable: ${provider.reason}` };
  }
  return entry;
}

/**
 * `{ ...base, ...over }` in linear time: V8 copies a spread that follows another spread in time
 * quadratic in the keys (2,000 merges of 256 keys: 10 s; with `Object.assign`: 0.14 s). A
 * `__proto__` key (the parsers drop it) would set the prototype through `assign`: spread then.
 */
function merged<T extends object>(base: T | undefined, over: T | undefined): T {
  if ((base && Object.hasOwn(base, '__proto__')) || (over && Object.hasOwn(over, '__proto__'))) return { ...base, ...over } as T;
  return Object.assign({}, base, over);
}
