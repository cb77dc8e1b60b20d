/**
 * Keyed fingerprints of env-var credentials, for shared credential blocks: HMAC-SHA256 over the
 * provider id and the key its `required_env_vars` hold on this instance, under a key derived
 * (HKDF-SHA256) from the master key every instance shares and the database does not hold,
 * truncated to 16 bytes (32 hex chars). The block row carries the fingerprint of the key refused;
 * another instance applies it only when its own key for that provider has the same one, so a fixed
 * env var's value (and a restart) is not skipped for the rest of the block. Without a master key
 * there is no fingerprint (never a plain hash of the key): blocks apply everywhere, as before.
 *
 * Computed off the request path: when a block is written, and when a snapshot's routes are loaded
 * (cached per provider entry; the env vars do not change without a restart, and an edited provider
 * row is a new entry).
 *
 * @module
 */
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { MasterKey } from '../crypto/keyring.js';
import { SwitchboardError } from '../errors.js';
import type { CredentialResolver, CredentialTarget } from './credential-resolver.js';
import { envCredential } from './env-credentials.js';
import { envVarPolicyOf, type EnvVarPolicy } from './env-var-policy.js';

const HKDF_INFO = 'switchboard/credential-block-fingerprint/v1';
const FINGERPRINT_BYTES = 16;

/** The fingerprints of this instance's env-var credentials. */
export class EnvCredentialFingerprints {
  readonly #key: KeyObject;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #policy: EnvVarPolicy;
  readonly #cache = new WeakMap<CredentialTarget, string>();

  constructor(key: KeyObject, env: Readonly<Record<string, string | undefined>>, policy: EnvVarPolicy = envVarPolicyOf(env)) {
    this.#key = key;
    this.#env = env;
    this.#policy = policy;
  }

  /**
   * The fingerprint of the key `provider`'s env vars hold here (a variable unset, or one the policy
   * refuses, has a fingerprint of its own: an instance missing it is not one that has it).
   */
  readonly of = (provider: CredentialTarget): string => {
    const cached = this.#cache.get(provider);
    if (cached !== undefined) return cached;
    const fingerprint = this.#compute(provider);
    this.#cache.set(provider, fingerprint);
    return fingerprint;
  };

  #compute(provider: CredentialTarget): string {
    let state: string;
    try {
      const credential = envCredential(this.#env, provider, this.#policy);
      state = credential === undefined ? 'missing' : `key:${credential.apiKey ?? ''}`;
    } catch {
      state = 'refused';
    }
    const mac = createHmac('sha256', this.#key).update(`${Buffer.byteLength(provider.id, 'utf8')}:${provider.id}:`, 'utf8').update(state, 'utf8').digest();
    return mac.subarray(0, FINGERPRINT_BYTES).toString('hex');
  }
}

/** The fingerprints under `masterKey` (the keyring's current one), or none without a master key. */
export function envCredentialFingerprints(
  masterKey: MasterKey | undefined,
  env: Readonly<Record<string, string | undefined>>,
  policy?: EnvVarPolicy,
): EnvCredentialFingerprints | undefined {
  if (masterKey === undefined) return undefined;
  const derived = hkdfSync('sha256', masterKey.key, Buffer.alloc(0), HKDF_INFO, 32);
  return new EnvCredentialFingerprints(createSecretKey(Buffer.from(derived)), env, policy);
}

/**
 * The fingerprint a block of (project, provider) is written with: the env-var key's when that is
 * what the project uses (or its env vars are missing: the refusal was `credential_missing`), none
 * for a stored credential (every instance uses the same row, and a change of it deletes the block)
 * or when it cannot be told (the block then applies everywhere, as before). Off the request path.
 */
export async function refusedCredentialFingerprint(
  resolver: CredentialResolver,
  fingerprints: EnvCredentialFingerprints,
  projectId: string | null,
  provider: CredentialTarget,
): Promise<string | undefined> {
  try {
    const credential = await resolver.resolve(projectId ?? undefined, provider);
    return credential.projectOwned === true ? undefined : fingerprints.of(provider);
  } catch (error) {
    return SwitchboardError.isInstance(error) && error.code === 'credential_missing' ? fingerprints.of(provider) : undefined;
  }
}
