/**
 * The provider registry: an immutable snapshot of every provider and model row, built by the
 * loader. Requests resolve models here without touching the database; a reload builds a new
 * snapshot and swaps it in, so requests in flight keep the one they started with.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';
import type { Provider } from '../providers/spec/index.js';
import type { Features, NativeFieldRule, Pricing } from './row-schemas.js';

/** A provider row and what became of it. */
export interface ProviderEntry {
  id: string;
  name: string;
  displayName: string | null;
  className: string;
  isActive: boolean;
  isBuiltin: boolean;
  /** `available`: built and serving; `inactive`: is_active false; `unavailable`: the row is broken. */
  status: 'available' | 'inactive' | 'unavailable';
  /** Why the row is unavailable (never contains secrets). */
  reason: string | undefined;
  /** Present when status is `available`. */
  provider: Provider | undefined;
  /** Env vars that hold the key when a project has no stored credential. */
  requiredEnvVars: readonly string[];
  features: Features;
  pricing: Pricing;
  baseUrl: string | undefined;
  /** `config.native_fields`: per-field overrides of the native-fields rule for every model of this row. */
  nativeFields: Readonly<Record<string, NativeFieldRule>>;
  /** Most inputs of one embeddings call (`config.max_batch_size`, else the class's); undefined: no split. */
  maxBatchSize: number | undefined;
  /** A value of a row that serves all the same, ignored: listed with the load errors (never a secret). */
  loadProblem: string | undefined;
}

/** A model row resolved against its provider. */
export interface ModelEntry {
  id: string;
  /** The public name clients send as `model`. */
  name: string;
  displayName: string | null;
  /** The provider's identifier of the model. */
  modelId: string;
  providerName: string;
  providerId: string;
  contextWindow: number | undefined;
  maxTokens: number | undefined;
  /** Provider features overridden by the model's own. */
  features: Features;
  /** Provider pricing overridden by the model's own. */
  pricing: Pricing;
  /**
   * Per-field overrides of the native-fields rule: the provider row's `config.native_fields`,
   * overridden field by field by the model row's `features.native_fields`.
   */
  nativeFields: Readonly<Record<string, NativeFieldRule>>;
  isActive: boolean;
  status: 'available' | 'inactive' | 'unavailable';
  reason: string | undefined;
}

/** A model ready to call. */
export interface ResolvedModel {
  model: ModelEntry;
  provider: ProviderEntry & { provider: Provider };
}

export class ProviderRegistry {
  readonly providers: ReadonlyMap<string, ProviderEntry>;
  readonly models: ReadonlyMap<string, ModelEntry>;
  /** Monotonic config version this snapshot was built from. */
  readonly version: number;
  readonly loadedAt: Date;

  constructor(providers: ProviderEntry[], models: ModelEntry[], version: number, loadedAt = new Date()) {
    this.providers = new Map(providers.map((entry) => [entry.name, Object.freeze(entry)]));
    this.models = new Map(models.map((entry) => [entry.name, Object.freeze(entry)]));
    this.version = version;
    this.loadedAt = loadedAt;
    Object.freeze(this);
  }

  /** The models a client may call now, sorted by name. */
  availableModels(): ModelEntry[] {
    return [...this.models.values()].filter((model) => model.status === 'available');
  }

  /**
   * Finds a callable model by its public name. Throws `no_such_model` (naming how to list models)
   * for unknown or inactive names, and `provider_unavailable` when its provider row is broken.
   */
  resolve(name: string): ResolvedModel {
    const model = this.models.get(name);
    if (!model || model.status === 'inactive') throw noSuchModel(name);
    const provider = this.providers.get(model.providerName);
    if (model.status === 'unavailable' || !provider?.provider) {
      throw new SwitchboardError('provider_unavailable', `The model '${name}' is unavailable: ${model.reason ?? 'its provider is unavailable'}`, {
        status: 503,
        param: 'model',
      });
    }
    return { model, provider: provider as ProviderEntry & { provider: Provider } };
  }
}

/**
 * The answer to a name that does not exist, is not active, or is one the caller may not call (a
 * model outside its allow-lists, a route outside them or of another project): one error for all,
 * so a key cannot tell which names exist (as OpenAI answers a model the account cannot use).
 */
export function noSuchModel(name: string): SwitchboardError {
  return new SwitchboardError(
    'no_such_model',
    `The model '${name}' does not exist or is not active. List the available models with GET /v1/models or \`switchboard models list\`.`,
    { param: 'model' },
  );
}
