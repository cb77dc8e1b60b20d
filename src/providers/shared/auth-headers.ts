import { SwitchboardError } from '../../errors.js';
import type { Credential } from '../spec/index.js';

/**
 * The auth header for one call: `<authHeaderName>: <prefix> <key>`, plus the credential's extra
 * headers. A provider that needs a key and has none fails before any upstream call.
 */
export function authHeaders(
  provider: string,
  settings: { authHeaderName: string; authHeaderPrefix: string },
  credential: Credential,
  options: { keyRequired: boolean },
): Record<string, string> {
  const headers: Record<string, string> = { ...credential.headers };
  if (credential.apiKey) {
    const prefix = settings.authHeaderPrefix.trim();
    headers[settings.authHeaderName.toLowerCase()] = prefix ? `${prefix} ${credential.apiKey}` : credential.apiKey;
  } else if (options.keyRequired) {
    throw new SwitchboardError('credential_missing', `No API key for provider '${provider}'`);
  }
  return headers;
}

/**
 * What redaction must scrub from an upstream's words for one call: the API key, and the values of
 * the credential's own headers (a proxy's or gateway's key is kept there, sealed like the API key).
 */
export function credentialSecrets(credential: Credential): (string | undefined)[] {
  if (credential.headers === undefined) return [credential.apiKey];
  return [credential.apiKey, ...Object.values(credential.headers)];
}

/** Joins a base URL and a path with exactly one slash. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
