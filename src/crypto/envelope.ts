/**
 * Credential envelopes: `v1:<keyId>:<base64url(nonce | ciphertext | tag)>`, AES-256-GCM with a fresh
 * 96-bit nonce per seal and the caller's associated data (`<projectId>:<providerId>`) authenticated
 * but not stored. Opening fails closed: every failure throws `credential_invalid`, and no message
 * contains the plaintext or the envelope.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SwitchboardError } from '../errors.js';
import { isMasterKeyId, MASTER_KEY_BYTES, MASTER_KEYS_OLD_ENV, type Keyring, type MasterKey } from './keyring.js';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const VERSION_SHAPE = /^v[0-9]{1,3}$/;

/** The associated data binding a credential to its row; a sealed credential opens only under the same pair. */
export function credentialAssociatedData(projectId: string, providerId: string): string {
  // A ':' inside an id would make two different pairs produce the same associated data.
  if (projectId.includes(':') || providerId.includes(':')) {
    throw invalidCredential('project and provider ids must not contain ":"');
  }
  return `${projectId}:${providerId}`;
}

/** Encrypts `plaintext` with `key`, binding `associatedData`. */
export function sealSecret(plaintext: string, key: MasterKey, associatedData: string): string {
  if (key.key.length !== MASTER_KEY_BYTES || !isMasterKeyId(key.id)) {
    throw invalidCredential('the master key is not a valid 32-byte key with a 12-hex-char id');
  }
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const payload = Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]);
  return `${VERSION}:${key.id}:${payload.toString('base64url')}`;
}

/** Decrypts an envelope made by `sealSecret`; throws `credential_invalid` on any failure. */
export function openSecret(envelope: string, keyring: Keyring, associatedData: string): string {
  const { keyId, payload } = parseEnvelope(envelope);
  const key = keyring.find(keyId);
  if (key === undefined) {
    const configured = keyring.all.map((candidate) => candidate.id).join(', ');
    throw invalidCredential(
      `credential was encrypted with master key id ${keyId}, which is not configured (configured: ${configured}); ` +
        `add that key to ${MASTER_KEYS_OLD_ENV}`,
    );
  }
  const nonce = payload.subarray(0, NONCE_BYTES);
  const ciphertext = payload.subarray(NONCE_BYTES, payload.length - TAG_BYTES);
  const tag = payload.subarray(payload.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(ALGORITHM, key.key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    throw invalidCredential(
      `credential failed authentication with master key id ${keyId}: wrong master key, tampered, or moved from another project/provider`,
      error,
    );
  }
}

/** The master key id of a well-formed envelope (to find credentials to re-seal after a rotation). */
export function envelopeKeyId(envelope: string): string | undefined {
  try {
    return parseEnvelope(envelope).keyId;
  } catch {
    return undefined;
  }
}

function parseEnvelope(envelope: string): { keyId: string; payload: Buffer } {
  // Only fixed-shape fragments (a version, a hex key id) may be echoed: the input could be a plaintext secret.
  const parts = envelope.split(':');
  const [version, keyId, encoded] = parts;
  if (parts.length < 2 || version === undefined || !VERSION_SHAPE.test(version)) {
    throw invalidCredential(`not a credential envelope (expected ${VERSION}:<keyId>:<data>)`);
  }
  if (version !== VERSION) {
    throw invalidCredential(`unsupported credential envelope version ${version} (this build reads ${VERSION})`);
  }
  if (parts.length !== 3 || keyId === undefined || encoded === undefined) {
    throw invalidCredential(`malformed ${VERSION} credential envelope: expected 3 ':'-separated parts`);
  }
  if (!isMasterKeyId(keyId)) {
    throw invalidCredential(`malformed ${VERSION} credential envelope: the key id is not 12 hex characters`);
  }
  const payload = BASE64URL.test(encoded) ? Buffer.from(encoded, 'base64url') : undefined;
  if (payload === undefined || payload.toString('base64url') !== encoded) {
    throw invalidCredential(`malformed ${VERSION} credential envelope: the data is not valid base64url`);
  }
  if (payload.length < NONCE_BYTES + TAG_BYTES) {
    throw invalidCredential(`malformed ${VERSION} credential envelope: the data is too short`);
  }
  return { keyId, payload };
}

function invalidCredential(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('credential_invalid', message, { isRetryable: false, cause });
}
