import { SwitchboardError } from '../../errors.js';
import type { Credential } from '../spec/index.js';
import { MIN_FRAGMENT } from './redact.js';

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

const noSecrets: readonly string[] = [];

/**
 * What redaction must scrub from an upstream's words for one call: the API key, the values of
 * the credential's own headers (a proxy's or gateway's key is kept there, sealed like the API key),
 * and `rowSecrets`, the row's static header values that may be secrets (rowHeaderSecrets).
 */
export function credentialSecrets(credential: Credential, rowSecrets: readonly string[] = noSecrets): (string | undefined)[] {
  if (credential.headers === undefined && rowSecrets.length === 0) return [credential.apiKey];
  return [credential.apiKey, ...Object.values(credential.headers ?? {}), ...rowSecrets];
}

/**
 * The values of a row's static `config.headers` that redaction treats as secrets: an AI gateway's
 * or proxy's token is often kept there. Values shorter than a redaction fragment (a version, a
 * flag) are left out, so an upstream's words that happen to contain them stay readable.
 */
export function rowHeaderSecrets(headers: Record<string, string>): readonly string[] {
  const secrets = Object.values(headers).filter((value) => value.trim().length >= MIN_FRAGMENT);
  return secrets.length > 0 ? secrets : noSecrets;
}

/** Joins a base URL and a path with exactly one slash. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
