/**
 * The master keyring: the key that seals new credentials, plus older keys kept for reading only.
 *
 * Keys come from `SWITCHBOARD_MASTER_KEY` (base64 of 32 bytes) or `SWITCHBOARD_MASTER_KEY_FILE`, and
 * `SWITCHBOARD_MASTER_KEYS_OLD` (comma-separated) keeps rotated-out keys readable. The embedded
 * database may generate its own `master.key`; a Postgres deployment must configure a key. The env
 * map is injected, and no error message ever contains a key.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SwitchboardError } from '../errors.js';
import { refuseForeignOwner } from './owned-file.js';

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE_NAME = 'master.key';
export const MASTER_KEY_ENV = 'SWITCHBOARD_MASTER_KEY';
export const MASTER_KEY_FILE_ENV = 'SWITCHBOARD_MASTER_KEY_FILE';
export const MASTER_KEYS_OLD_ENV = 'SWITCHBOARD_MASTER_KEYS_OLD';

/** An AES-256 master key and its public id. */
export interface MasterKey {
  /** First 12 hex chars of sha256(key): stable across restarts, stored in every envelope, reveals nothing. */
  readonly id: string;
  readonly key: Buffer;
}

/** The current key (seals and opens) and the old keys (open only). */
export interface Keyring {
  readonly current: MasterKey;
  /** The key with this id, current or old. */
  find(id: string): MasterKey | undefined;
  /** Every key, current first. */
  readonly all: MasterKey[];
}

export interface LoadKeyringOptions {
  mode: 'embedded' | 'postgres';
  /** Embedded mode: the folder where `master.key` is read, or generated when no key is configured. */
  dataDir?: string;
  /** Told when a key is generated or `master.key` is readable by others (default: `process.emitWarning`). */
  warn?: (message: string) => void;
}

const MASTER_KEY_ID = /^[0-9a-f]{12}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** Wraps 32 raw bytes as a `MasterKey` (the bytes are copied). */
export function createMasterKey(key: Buffer): MasterKey {
  if (key.length !== MASTER_KEY_BYTES) {
    throw new SwitchboardError('credential_invalid', `a master key must be ${MASTER_KEY_BYTES} bytes, got ${key.length}`, {
      isRetryable: false,
    });
  }
  const id = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return Object.freeze({ id, key: Buffer.from(key) });
}

/** True when `id` has the shape of a master key id. */
export function isMasterKeyId(id: string): boolean {
  return MASTER_KEY_ID.test(id);
}

/** A keyring sealing with `current` and opening with it or any of `old` (duplicates are dropped). */
export function createKeyring(current: MasterKey, old: readonly MasterKey[] = []): Keyring {
  const byId = new Map<string, MasterKey>();
  for (const key of [current, ...old]) {
    if (!byId.has(key.id)) byId.set(key.id, key);
  }
  return Object.freeze({ current, all: [...byId.values()], find: (id: string) => byId.get(id) });
}

/**
 * Reads the keyring from the environment. Embedded mode without a configured key uses (or generates,
 * mode 0600) `<dataDir>/master.key`; Postgres mode without a key returns undefined, and callers that
 * need credentials go through `requireKeyring`.
 */
export function loadKeyring(env: Record<string, string | undefined>, options: LoadKeyringOptions): Keyring | undefined {
  // Validate every variable before touching the filesystem.
  const configured = configuredKey(env);
  const old = oldKeys(env);
  const current = configured ?? (options.mode === 'embedded' ? embeddedKey(options) : undefined);
  if (current === undefined) {
    if (old.length > 0) {
      throw invalid(`${MASTER_KEYS_OLD_ENV} is set but ${MASTER_KEY_ENV} is not: old keys only open credentials next to a current key`);
    }
    return undefined;
  }
  return createKeyring(current, old);
}

/** The keyring, or a clear error when credentials are used against Postgres without a master key. */
export function requireKeyring(keyring: Keyring | undefined): Keyring {
  if (keyring !== undefined) return keyring;
  throw new SwitchboardError(
    'credential_invalid',
    `${MASTER_KEY_ENV} is not set: credentials cannot be stored or read against Postgres without it (generate one with: openssl rand -base64 32)`,
    { isRetryable: false },
  );
}

function configuredKey(env: Record<string, string | undefined>): MasterKey | undefined {
  const inline = nonEmpty(env[MASTER_KEY_ENV]);
  const file = nonEmpty(env[MASTER_KEY_FILE_ENV]);
  if (inline !== undefined && file !== undefined) {
    throw invalid(`set either ${MASTER_KEY_ENV} or ${MASTER_KEY_FILE_ENV}, not both`);
  }
  if (inline !== undefined) return parseKey(inline, MASTER_KEY_ENV);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw invalid(`${MASTER_KEY_FILE_ENV} points to ${file}, which cannot be read (${errorCode(error)})`, error);
  }
  return parseKey(text, `${MASTER_KEY_FILE_ENV} (${file})`);
}

function oldKeys(env: Record<string, string | undefined>): MasterKey[] {
  const raw = nonEmpty(env[MASTER_KEYS_OLD_ENV]);
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => parseKey(entry, `${MASTER_KEYS_OLD_ENV} entry ${index + 1}`));
}

function embeddedKey(options: LoadKeyringOptions): MasterKey {
  if (options.dataDir === undefined) {
    throw new SwitchboardError('internal_error', 'loadKeyring needs dataDir in embedded mode to keep master.key', {
      isRetryable: false,
    });
  }
  const warn = options.warn ?? ((message: string) => process.emitWarning(message, { code: 'SWITCHBOARD_MASTER_KEY' }));
  const file = path.join(options.dataDir, MASTER_KEY_FILE_NAME);
  const existing = readIfExists(file);
  if (existing !== undefined) {
    warnIfShared(file, warn);
    return parseKey(existing, file);
  }
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(MASTER_KEY_BYTES);
  let descriptor: number;
  try {
    // 'wx' never replaces a key another process just wrote; losing that race means using its key.
    descriptor = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return parseKey(fs.readFileSync(file, 'utf8'), file);
    throw invalid(`cannot create ${file} (${errorCode(error)})`, error);
  }
  try {
    fs.writeSync(descriptor, `${key.toString('base64')}\n`);
    fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
  warn(
    `Generated a new master key at ${file}. It encrypts the stored provider credentials: back it up ` +
      `(losing it makes them unreadable), and in production set ${MASTER_KEY_ENV} to its contents instead.`,
  );
  return createMasterKey(key);
}

function parseKey(text: string, source: string): MasterKey {
  const trimmed = text.trim();
  const bytes = BASE64_KEY.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (bytes === undefined || bytes.length !== MASTER_KEY_BYTES) {
    throw invalid(`${source} must be the base64 encoding of exactly ${MASTER_KEY_BYTES} bytes (generate one with: openssl rand -base64 32)`);
  }
  return createMasterKey(bytes);
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw invalid(`cannot read ${file} (${errorCode(error)})`, error);
  }
}

function warnIfShared(file: string, warn: (message: string) => void): void {
  if (process.platform === 'win32') return;
  const stats = fs.statSync(file);
  refuseForeignOwner(file, stats, 'stored credentials would be sealed under a key they know');
  const mode = stats.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    warn(`${file} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`);
  }
}

function invalid(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('invalid_request', message, { isRetryable: false, cause });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return 'unknown error';
}
