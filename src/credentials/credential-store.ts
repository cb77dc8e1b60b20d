/**
 * Per-project credentials: encrypted rows in `ai_provider_credentials`, read inside a transaction
 * scoped to the project (row-level security), decrypted once and cached in memory until the config
 * watcher says credentials changed. No row → the provider's env vars → a clear error. A row that
 * cannot be opened fails the call closed; it never falls back to the env vars.
 *
 * @module
 */
import { credentialAssociatedData, openSecret, sealSecret } from '../crypto/envelope.js';
import { requireKeyring, type Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/db.js';
import { deleteCredential, selectCredential, setProjectScope, upsertCredential } from '../db/sql/credentials.js';
import { SwitchboardError } from '../errors.js';
import type { Credential } from '../providers/spec/index.js';
import type { CredentialResolver, CredentialTarget } from './credential-resolver.js';
import { keyHint, parseCredentialPayload, toCredential } from './credential-payload.js';
import { envCredential, missingCredentialError } from './env-credentials.js';

type CacheEntry = { credential: Credential } | { error: SwitchboardError };

export class CredentialStore implements CredentialResolver {
  readonly #db: Db;
  readonly #keyring: Keyring | undefined;
  readonly #env: Readonly<Record<string, string | undefined>>;
  #cache = new Map<string, CacheEntry>();
  #loading = new Map<string, Promise<CacheEntry>>();
  #generation = 0;

  constructor(db: Db, keyring: Keyring | undefined, env: Readonly<Record<string, string | undefined>>) {
    this.#db = db;
    this.#keyring = keyring;
    this.#env = env;
  }

  /** Cached in steady state: a database read happens once per project and provider after a change. */
  resolve(projectId: string | undefined, provider: CredentialTarget): Credential | Promise<Credential> {
    if (projectId === undefined) return this.#fromEnv(provider);
    const cacheKey = `${projectId}:${provider.id}`;
    const cached = this.#cache.get(cacheKey);
    if (cached) return unwrap(cached);
    let loading = this.#loading.get(cacheKey);
    if (!loading) {
      const generation = this.#generation;
      loading = this.#load(projectId, provider).then((entry) => {
        if (generation === this.#generation) this.#cache.set(cacheKey, entry);
        this.#loading.delete(cacheKey);
        return entry;
      });
      this.#loading.set(cacheKey, loading);
    }
    return loading.then(unwrap);
  }

  /** Forgets every cached credential (called when the credentials or projects change). */
  invalidate(): void {
    this.#generation++;
    this.#cache = new Map();
    this.#loading = new Map();
  }

  /** Encrypts and stores a project's credential for a provider; returns the key hint. */
  async set(projectId: string, providerId: string, payload: unknown): Promise<{ keyHint: string }> {
    const parsed = parseCredentialPayload(payload);
    const keyring = requireKeyring(this.#keyring);
    const envelope = sealSecret(JSON.stringify(parsed), keyring.current, credentialAssociatedData(projectId, providerId));
    const hint = keyHint(parsed.api_key);
    await this.#db.transaction(async (tx) => {
      await setProjectScope(tx, projectId);
      await upsertCredential(tx, { projectId, providerId, credentials: envelope, keyHint: hint });
    });
    this.invalidate();
    return { keyHint: hint };
  }

  async delete(projectId: string, providerId: string): Promise<boolean> {
    const deleted = await this.#db.transaction(async (tx) => {
      await setProjectScope(tx, projectId);
      return deleteCredential(tx, projectId, providerId);
    });
    this.invalidate();
    return deleted;
  }

  async #load(projectId: string, provider: CredentialTarget): Promise<CacheEntry> {
    const row = await this.#db.transaction(async (tx) => {
      await setProjectScope(tx, projectId);
      return selectCredential(tx, projectId, provider.id);
    });
    if (!row) {
      try {
        return { credential: this.#fromEnv(provider) };
      } catch (error) {
        return { error: error as SwitchboardError };
      }
    }
    try {
      const keyring = requireKeyring(this.#keyring);
      const plaintext = openSecret(row.credentials, keyring, credentialAssociatedData(projectId, provider.id));
      return { credential: toCredential(parseCredentialPayload(JSON.parse(plaintext))) };
    } catch (error) {
      const reason = SwitchboardError.isInstance(error) ? error.message : 'the decrypted payload is not valid';
      return {
        error: new SwitchboardError(
          'credential_invalid',
          `The stored credentials of this project for provider '${provider.name}' cannot be used: ${reason}`,
          { isRetryable: false },
        ),
      };
    }
  }

  #fromEnv(provider: CredentialTarget): Credential {
    const credential = envCredential(this.#env, provider);
    if (!credential) throw missingCredentialError(provider, true);
    return credential;
  }
}

function unwrap(entry: CacheEntry): Credential {
  if ('error' in entry) throw entry.error;
  return entry.credential;
}
