/**
 * Gateway API key authentication: `Authorization: Bearer <key>` or `x-api-key: <key>`, checked
 * against the in-memory key index (constant-time hash comparison, no database query). Messages
 * never echo the presented key.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SwitchboardError } from '../errors.js';
import type { ApiKeyIndex, KeyOwner } from '../registry/api-key-index.js';

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
export function authenticate(headers: IncomingHttpHeaders, keys: ApiKeyIndex): KeyOwner {
  const key = presentedKey(headers);
  if (key === undefined) {
    throw new SwitchboardError(
      'authentication_failed',
      "Missing API key. Pass your Switchboard key as 'Authorization: Bearer <key>' or in the 'x-api-key' header.",
    );
  }
  const owner = keys.authenticate(key);
  if (!owner) throw new SwitchboardError('authentication_failed', 'Invalid API key.');
  return owner;
}
