/**
 * Gateway API key authentication: `Authorization: Bearer <key>` or `x-api-key: <key>`, checked
 * against the in-memory key index (constant-time hash comparison, no database query). Messages
 * never echo the presented key.
 *
 * A keep-alive connection usually presents the same key on every request, so the key prepared for
 * lookup (its prefix and sha256) is kept on the connection and reused when the next request
 * presents the very same key, compared in constant time. Only that preparation is reused: every
 * request is still checked against the current key index (a revoked or expired key fails at once).
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PresentedApiKey } from '../crypto/api-key.js';
import { SwitchboardError } from '../errors.js';
import type { ApiKeyIndex, KeyOwner } from '../registry/api-key-index.js';

const lastPresented = Symbol('switchboard.lastPresentedKey');

/** A connection (the request's socket) that may hold the key it presented last. */
export type KeyConnection = object & { [lastPresented]?: PresentedApiKey };

/** `key` prepared for lookup: the connection's last one when it is the same key, else a new one (kept there). */
export function preparedKey(key: string, connection: KeyConnection | undefined): PresentedApiKey {
  const last = connection ? connection[lastPresented] : undefined;
  if (last !== undefined && last.is(key)) return last;
  const presented = new PresentedApiKey(key);
  if (connection) connection[lastPresented] = presented;
  return presented;
}

/** The key presented by the request, or undefined when there is none. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined && authorization.length > 7) {
    // RFC 7235: the scheme is case-insensitive.
    if (authorization.slice(0, 7).toLowerCase() === 'bearer ') {
      const key = authorization.slice(7).trim();
      if (key !== '') return key;
    }
  }
  const header = headers['x-api-key'];
  const key = (Array.isArray(header) ? header[0] : header)?.trim();
  return key === undefined || key === '' ? undefined : key;
}

/** The owner of the request's key; throws 401 `authentication_failed` otherwise. */
export function authenticate(headers: IncomingHttpHeaders, keys: ApiKeyIndex, connection?: KeyConnection): KeyOwner {
  const key = presentedKey(headers);
  if (key === undefined) {
    // A header was sent, in another scheme (Basic, a bare key) or empty: say what is wrong with it.
    const sent = headers.authorization !== undefined && headers.authorization.trim() !== '';
    throw new SwitchboardError(
      'authentication_failed',
      sent
        ? "The Authorization header holds no Bearer token. Pass your Switchboard key as 'Authorization: Bearer <key>' or in the 'x-api-key' header."
        : "Missing API key. Pass your Switchboard key as 'Authorization: Bearer <key>' or in the 'x-api-key' header.",
    );
  }
  const owner = keys.authenticate(preparedKey(key, connection));
  if (!owner) throw new SwitchboardError('authentication_failed', 'Invalid API key.');
  return owner;
}
