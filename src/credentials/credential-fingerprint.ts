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
 * row is a new entry). A block is written under the current master key and recognised under any key
 * of the keyring (a master-key rotation's rolling restart).
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
  readonly #keys: readonly KeyObject[];
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #policy: EnvVarPolicy;
  readonly #cache = new WeakMap<CredentialTarget, readonly string[]>();

  /** `keys`: derived from the current master key first, then from the older ones. */
  constructor(keys: readonly KeyObject[], env: Readonly<Record<string, string | undefined>>, policy: EnvVarPolicy = envVarPolicyOf(env)) {
    this.#keys = keys;
    this.#env = env;
    this.#policy = policy;
  }

  /**
   * The fingerprint of the key `provider`'s env vars hold here, under the current master key (what
   * a block is written with). A variable unset, or one the policy refuses, has a fingerprint of its
   * own: an instance missing it is not one that has it.
   */
  readonly of = (provider: CredentialTarget): string => this.held(provider)[0] as string;

  /**
   * The same key's fingerprints under every master key this instance holds, current first: during a
   * master-key rotation, an instance started with the new key (and the old one in
   * SWITCHBOARD_MASTER_KEYS_OLD) recognises a block an instance still on the old key wrote.
   */
  readonly held = (provider: CredentialTarget): readonly string[] => {
    const cached = this.#cache.get(provider);
    if (cached !== undefined) return cached;
    const state = this.#state(provider);
    const fingerprints = this.#keys.map((key) => {
      const mac = createHmac('sha256', key).update(`${Buffer.byteLength(provider.id, 'utf8')}:${provider.id}:`, 'utf8').update(state, 'utf8').digest();
      return mac.subarray(0, FINGERPRINT_BYTES).toString('hex');
    });
    this.#cache.set(provider, fingerprints);
    return fingerprints;
  };

  #state(provider: CredentialTarget): string {
    try {
      const credential = envCredential(this.#env, provider, this.#policy);
      return credential === undefined ? 'missing' : `key:${credential.apiKey ?? ''}`;
    } catch {
      return 'refused';
    }
  }
}

/**
 * The fingerprints under `masterKey` (the keyring's current one) and the keyring's `older` keys
 * (recognised in blocks, never written with), or none without a master key.
 */
export function envCredentialFingerprints(
  masterKey: MasterKey | undefined,
  env: Readonly<Record<string, string | undefined>>,
  policy?: EnvVarPolicy,
  older: readonly MasterKey[] = [],
): EnvCredentialFingerprints | undefined {
  if (masterKey === undefined) return undefined;
  const keys = [masterKey, ...older.filter((key) => key.id !== masterKey.id)].map((key) =>
    createSecretKey(Buffer.from(hkdfSync('sha256', key.key, Buffer.alloc(0), HKDF_INFO, 32))),
  );
  return new EnvCredentialFingerprints(keys, env, policy);
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
