/**
 * What a credential row's envelope holds: the payload the user entered plus `bound_origin`, the
 * origin it was entered for. The origin is inside the authenticated ciphertext, so changing it
 * needs the master key; an envelope without it was sealed before origin binding ("legacy").
 *
 * @module
 */
import { credentialAssociatedData, openSecret, sealSecret } from '../crypto/envelope.js';
import type { Keyring } from '../crypto/keyring.js';
import { SwitchboardError } from '../errors.js';
import { parseCredentialPayload, type CredentialPayload } from './credential-payload.js';

/** A credential as opened from its row. */
export interface OpenedCredential {
  payload: CredentialPayload;
  /** Undefined for an envelope sealed before origin binding. */
  boundOrigin: string | undefined;
}

/** Seals `payload` for one project and provider, bound to `origin`. */
export function sealCredential(payload: CredentialPayload, origin: string, keyring: Keyring, projectId: string, providerId: string): string {
  return sealSecret(JSON.stringify({ ...payload, bound_origin: origin }), keyring.current, credentialAssociatedData(projectId, providerId));
}

/** Opens a row's envelope; throws (never echoing the plaintext) on any failure, naming a bad field. */
export function openCredential(envelope: string, keyring: Keyring, projectId: string, providerId: string): OpenedCredential {
  const plaintext = openSecret(envelope, keyring, credentialAssociatedData(projectId, providerId));
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    throw new SwitchboardError('credential_invalid', 'the decrypted payload is not valid', { isRetryable: false });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { payload: parseCredentialPayload(value), boundOrigin: undefined };
  const { bound_origin: boundOrigin, ...rest } = value as Record<string, unknown>;
  if (boundOrigin !== undefined && (typeof boundOrigin !== 'string' || boundOrigin === '')) {
    throw new SwitchboardError('credential_invalid', 'the decrypted payload has an invalid bound_origin', { isRetryable: false });
  }
  return { payload: parseCredentialPayload(rest), boundOrigin };
}
