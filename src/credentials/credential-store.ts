/**
 * Per-project credentials: encrypted rows in `ai_provider_credentials`, read inside a transaction
 * scoped to the project (row-level security), decrypted once and cached in memory until the config
 * watcher says credentials changed. No row → the provider's env vars (only those the env-var
 * policy allows) → a clear error. A row that cannot be opened fails the call closed; it never
 * falls back to the env vars. A stored credential is bound to the origin it was entered for and
 * is never sent to another one. A stored credential is marked as the project's own (`projectOwned`);
 * an env-var one is shared by every project that falls back to it.
 *
 * @module
 */
import { requireKeyring, type Keyring } from '../crypto/keyring.js';
import type { Db, QueryOptions, Queryable } from '../db/db.js';
import { deleteCredential, selectCredential, selectProviderUrl, setProjectScope, upsertCredential } from '../db/sql/credentials.js';
import { SwitchboardError } from '../errors.js';
import type { Credential } from '../providers/spec/index.js';
import type { CredentialResolver, CredentialTarget } from './credential-resolver.js';
import { originChangedError, unboundCredentialError, urlOrigin } from './credential-origin.js';
import { keyHint, parseCredentialPayload, toCredential } from './credential-payload.js';
import { envCredential, missingCredentialError } from './env-credentials.js';
import { envVarPolicyOf, type EnvVarPolicy } from './env-var-policy.js';
import { openCredential, sealCredential } from './sealed-credential.js';

/**
 * What a project and provider resolve to. Entries made without a stored row (the env-var fallback,
 * or its failure) carry the `requiredEnvVars` they were read with (`envVars`): a provider edit
 * reloads the registry, not this cache, so a call checks them against the row it serves now.
 */
type CacheEntry =
  | { kind: 'env'; credential: Credential; envVars: readonly string[] }
  | { kind: 'stored'; credential: Credential; boundOrigin: string | undefined; envVars?: undefined }
  | { kind: 'error'; error: SwitchboardError; envVars?: readonly string[] | undefined };

export interface CredentialStoreOptions {
  /** A provider class's default base URL, for rows whose `api_base_url` is null (binding at write time). */
  classBaseUrl?: (className: string) => string | undefined;
  /**
   * A credential load unanswered after this long fails with `database_unavailable` (a 503), ms
   * (default 10,000; Postgres): a silently dropped connection would hang it for minutes.
   */
  loadTimeoutMs?: number;
}

const defaultLoadTimeoutMs = 10_000;

export class CredentialStore implements CredentialResolver {
  readonly #db: Db;
  readonly #keyring: Keyring | undefined;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #policy: EnvVarPolicy;
  readonly #classBaseUrl: (className: string) => string | undefined;
  readonly #bounded: QueryOptions;
  #cache = new Map<string, CacheEntry>();
  #loading = new Map<string, Promise<CacheEntry>>();
  #generation = 0;

  /** `env` is the env-var fallback; its `SWITCHBOARD_ALLOWED_ENV_VARS` says which variables rows may name. */
  constructor(db: Db, keyring: Keyring | undefined, env: Readonly<Record<string, string | undefined>>, options: CredentialStoreOptions = {}) {
    this.#db = db;
    this.#keyring = keyring;
    this.#env = env;
    this.#policy = envVarPolicyOf(env);
    this.#classBaseUrl = options.classBaseUrl ?? (() => undefined);
    this.#bounded = { timeoutMs: options.loadTimeoutMs ?? defaultLoadTimeoutMs };
  }

  /** Cached in steady state: a database read happens once per project and provider after a change. */
  resolve(projectId: string | undefined, provider: CredentialTarget): Credential | Promise<Credential> {
    if (projectId === undefined) return this.#fromEnv(provider);
    const cacheKey = `${projectId}:${provider.id}`;
    const cached = this.#cache.get(cacheKey);
    if (cached) {
      if (envVarsCurrent(cached, provider)) return unwrap(cached, provider);
      // The provider row changed since (its env vars may have): still no stored row (a credential
      // write empties the cache), so the env vars it names now decide, read once, with no query.
      const current = this.#envEntry(provider);
      this.#cache.set(cacheKey, current);
      return unwrap(current, provider);
    }
    let loading = this.#loading.get(cacheKey);
    if (!loading) {
      const generation = this.#generation;
      const loads = this.#loading;
      loading = this.#load(projectId, provider).then(
        (entry) => {
          if (generation === this.#generation) this.#cache.set(cacheKey, entry);
          if (loads.get(cacheKey) === loading) loads.delete(cacheKey);
          return entry;
        },
        (error: unknown) => {
          // The database did not answer: the next call loads again (a failed load is never kept).
          if (loads.get(cacheKey) === loading) loads.delete(cacheKey);
          throw error;
        },
      );
      loads.set(cacheKey, loading);
    }
    return loading.then((entry) => unwrap(envVarsCurrent(entry, provider) ? entry : this.#envEntry(provider), provider));
  }

  /** Forgets every cached credential (called when the credentials or projects change). */
  invalidate(): void {
    this.#generation++;
    this.#cache = new Map();
    this.#loading = new Map();
  }

  /**
   * Encrypts and stores a project's credential for a provider, bound to the origin of the
   * payload's `base_url`, else of the provider's URL now; returns the key hint. `db` is where to
   * write (the admin side passes one that declares its actor to the config history).
   */
  async set(projectId: string, providerId: string, payload: unknown, db: Db = this.#db): Promise<{ keyHint: string }> {
    const parsed = parseCredentialPayload(payload);
    const keyring = requireKeyring(this.#keyring);
    const hint = keyHint(parsed.api_key);
    await db.transaction(async (tx) => {
      const origin = parsed.base_url === undefined ? await this.#providerOrigin(tx, providerId) : urlOrigin(parsed.base_url);
      if (origin === undefined) throw new SwitchboardError('invalid_request', 'Invalid credentials payload at base_url: not an http(s) URL', { param: 'base_url' });
      const envelope = sealCredential(parsed, origin, keyring, projectId, providerId);
      await setProjectScope(tx, projectId);
      await upsertCredential(tx, { projectId, providerId, credentials: envelope, keyHint: hint });
    });
    this.invalidate();
    return { keyHint: hint };
  }

  async delete(projectId: string, providerId: string, db: Db = this.#db): Promise<boolean> {
    const deleted = await db.transaction(async (tx) => {
      await setProjectScope(tx, projectId);
      return deleteCredential(tx, projectId, providerId);
    });
    this.invalidate();
    return deleted;
  }

  async #providerOrigin(tx: Queryable, providerId: string): Promise<string> {
    const row = await selectProviderUrl(tx, providerId);
    if (!row) throw new SwitchboardError('not_found', `No provider with id '${providerId}'`);
    const origin = urlOrigin(row.apiBaseUrl ?? this.#classBaseUrl(row.providerClass));
    if (origin === undefined) {
      throw new SwitchboardError(
        'invalid_request',
        `Provider '${row.name}' has no http(s) api_base_url, so there is no origin to bind its credential to: set the provider's api_base_url first`,
      );
    }
    return origin;
  }

  async #load(projectId: string, provider: CredentialTarget): Promise<CacheEntry> {
    const row = await this.#db.transaction(async (tx) => {
      await setProjectScope(tx, projectId);
      return selectCredential(tx, projectId, provider.id);
    }, this.#bounded);
    if (!row) return this.#envEntry(provider);
    try {
      const opened = openCredential(row.credentials, requireKeyring(this.#keyring), projectId, provider.id);
      // The project's own key: what its tenant names its end users by goes to the vendor unchanged.
      return { kind: 'stored', credential: { ...toCredential(opened.payload), projectOwned: true }, boundOrigin: opened.boundOrigin };
    } catch (error) {
      const reason = SwitchboardError.isInstance(error) ? error.message : 'the decrypted payload is not valid';
      return {
        kind: 'error',
        error: new SwitchboardError(
          'credential_invalid',
          `The stored credentials of this project for provider '${provider.name}' cannot be used: ${reason}`,
          { isRetryable: false },
        ),
      };
    }
  }

  /** The env-var fallback for `provider` (no stored row), with the names it was read from. */
  #envEntry(provider: CredentialTarget): CacheEntry {
    const envVars = provider.requiredEnvVars;
    try {
      return { kind: 'env', credential: this.#fromEnv(provider), envVars };
    } catch (error) {
      return { kind: 'error', error: error as SwitchboardError, envVars };
    }
  }

  #fromEnv(provider: CredentialTarget): Credential {
    const credential = envCredential(this.#env, provider, this.#policy);
    if (!credential) throw missingCredentialError(provider, true);
    return credential;
  }
}

/**
 * Whether `entry` was resolved for the env vars `provider` names now: always for a stored row's
 * entry (it does not depend on them); for an env-var one, when it was read from the same array (the
 * registry keeps it while the provider row is unchanged, so this is one comparison per call).
 */
function envVarsCurrent(entry: CacheEntry, provider: CredentialTarget): boolean {
  return entry.envVars === undefined || entry.envVars === provider.requiredEnvVars;
}

/** The entry's credential, once a stored one is checked against where the provider sends it now. */
function unwrap(entry: CacheEntry, provider: CredentialTarget): Credential {
  if (entry.kind === 'error') throw entry.error;
  if (entry.kind === 'env') return entry.credential;
  if (entry.boundOrigin === undefined) throw unboundCredentialError(provider.name);
  // Checked per call (a string compare): the provider row may have moved since the entry was cached.
  if (urlOrigin(entry.credential.baseUrl ?? provider.baseUrl) !== entry.boundOrigin) throw originChangedError(provider.name);
  return entry.credential;
}
