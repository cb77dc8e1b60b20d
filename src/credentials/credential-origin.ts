/**
 * The origin a stored credential is bound to: `scheme://host[:port]` of the URL it was stored for
 * (WHATWG `URL.origin`, so a default port is implied and the host is lowercased). A credential is
 * sent only to that origin.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';

const origins = new Map<string, string | undefined>();

/** The origin of an http(s) URL, or undefined for anything else. Memoized: called per request. */
export function urlOrigin(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (origins.has(url)) return origins.get(url);
  let origin: string | undefined;
  try {
    const parsed = new URL(url);
    origin = parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    origin = undefined;
  }
  // Bounded: the URLs come from provider rows and stored credentials.
  if (origins.size >= 1000) origins.clear();
  origins.set(url, origin);
  return origin;
}

/** The stored credential was entered for another origin than the provider's URL now points to. */
export function originChangedError(providerName: string): SwitchboardError {
  return new SwitchboardError(
    'credential_invalid',
    `The stored credentials of this project for provider '${providerName}' were entered for another URL than the provider's ` +
      'api_base_url now points to, so they are not sent there. If the provider really moved, enter the key again ' +
      `(switchboard credentials set --project <name> --provider ${providerName}, or PUT /admin/v1/projects/<project>/credentials/${providerName}); ` +
      'otherwise put the provider URL back.',
    { isRetryable: false },
  );
}

/** The stored credential was sealed before credentials were bound to an origin. */
export function unboundCredentialError(providerName: string): SwitchboardError {
  return new SwitchboardError(
    'credential_invalid',
    `The stored credentials of this project for provider '${providerName}' were stored before credentials were bound to the provider URL, ` +
      'and are not sent: enter the key again. A database upgraded from an earlier version binds them once, to the provider\'s current URL, ' +
      "at the first gateway start or 'switchboard migrate' as the database owner.",
    { isRetryable: false },
  );
}
