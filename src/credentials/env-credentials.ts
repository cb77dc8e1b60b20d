import { SwitchboardError } from '../errors.js';
import type { Credential } from '../providers/spec/index.js';
import type { CredentialResolver, CredentialTarget } from './credential-resolver.js';
import { envVarPolicyOf, firstRefusal, type EnvVarPolicy } from './env-var-policy.js';

/**
 * The env-var fallback: the first variable in `required_env_vars` holds the API key, and every
 * listed variable must be set. A provider that lists none needs no key (e.g. a local Ollama).
 * A variable the policy refuses is never read: the call fails with `credential_missing` naming
 * the variable (never its value).
 */
export function envCredential(
  env: Readonly<Record<string, string | undefined>>,
  provider: CredentialTarget,
  policy: EnvVarPolicy = envVarPolicyOf(env),
): Credential | undefined {
  if (provider.requiredEnvVars.length === 0) return {};
  const refusal = firstRefusal(policy, provider.requiredEnvVars);
  if (refusal !== undefined) {
    throw new SwitchboardError(
      'credential_missing',
      `No credentials for provider '${provider.name}': its required_env_vars names ${refusal}. ` +
        'Store a credential for the project instead, or fix the provider row.',
    );
  }
  // Each variable read once (a read of process.env costs about 150 ns): the first is the key.
  let apiKey = '';
  for (const name of provider.requiredEnvVars) {
    const value = env[name];
    if (!value) return undefined;
    if (apiKey === '') apiKey = value;
  }
  return { apiKey };
}

/** The error when neither a stored credential nor the env vars are there. */
export function missingCredentialError(provider: CredentialTarget, storedCredentialsEnabled: boolean): SwitchboardError {
  const variables = provider.requiredEnvVars.join(', ');
  const stored = storedCredentialsEnabled
    ? ` or store one for the project with \`switchboard credentials set --project <name> --provider ${provider.name} --api-key-stdin\``
    : '';
  return new SwitchboardError('credential_missing', `No credentials for provider '${provider.name}': set ${variables}${stored}.`);
}

/** A resolver that only reads env vars (the library's default before stored credentials exist). */
export function createEnvCredentialResolver(env: Readonly<Record<string, string | undefined>>): CredentialResolver {
  const policy = envVarPolicyOf(env);
  return {
    resolve(_projectId, provider) {
      const credential = envCredential(env, provider, policy);
      if (!credential) throw missingCredentialError(provider, false);
      return credential;
    },
  };
}
