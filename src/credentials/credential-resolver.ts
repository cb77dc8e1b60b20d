import type { Credential } from '../providers/spec/index.js';

/** The provider facts credential resolution needs. */
export interface CredentialTarget {
  /** `ai_providers.id`. */
  id: string;
  /** `ai_providers.name`, for messages. */
  name: string;
  /** Env vars holding the key when the project has no stored credential. */
  requiredEnvVars: readonly string[];
  /**
   * The provider's current base URL (`api_base_url`, else its class's default): a stored credential
   * is sent only when this URL's origin is the one it was stored for.
   */
  baseUrl?: string | undefined;
}

/**
 * Finds the credential for one call: the project's stored credential for that provider (marked
 * `projectOwned: true`), else the env vars named by the provider row (shared by every project, so
 * unmarked), else a clear `credential_missing` error. Implementations serve from memory in steady
 * state (no query per request).
 */
export interface CredentialResolver {
  resolve(projectId: string | undefined, provider: CredentialTarget): Credential | Promise<Credential>;
}
