/**
 * The process configuration, read once from the environment (the only module that reads
 * `process.env`). CLI flags override these values.
 *
 * @module
 */
import path from 'node:path';
import { SwitchboardError } from './errors.js';
import { loadInboundConfig, type InboundConfig } from './inbound-config.js';

/** Inbound limits (body structure, socket timeouts, connection cap, lingering close): see inbound-config.ts. */
export interface Config extends InboundConfig {
  /** Postgres connection string; when unset the embedded database is used. */
  databaseUrl: string | undefined;
  /** Embedded database directory (PGlite). */
  dataDir: string;
  host: string;
  port: number;
  /** Folder of user provider classes ("Method 2: with code"). */
  providersDir: string | undefined;
  /** Token required by /admin routes. */
  adminToken: string | undefined;
  /** Bearer token `GET /metrics` requires when set (SWITCHBOARD_METRICS_TOKEN); unset, /metrics is open. */
  metricsToken: string | undefined;
  /** Largest accepted request body, bytes. */
  bodyLimitBytes: number;
  /** Version poll interval of the config watcher, ms. */
  configPollMs: number;
  /** LISTEN for config changes (disable for poolers without LISTEN). */
  configListen: boolean;
  /** How long in-flight requests may take to finish on shutdown, ms. */
  shutdownTimeoutMs: number;
  /** Log prompt and answer text (off by default). */
  logBodies: boolean;
  /** Requests in flight to one upstream origin; one more fails at once with 503 (SWITCHBOARD_UPSTREAM_MAX_CONNECTIONS). */
  upstreamMaxConnections: number;
  /** Largest upstream answer read whole, bytes (SWITCHBOARD_UPSTREAM_MAX_RESPONSE_BYTES). */
  upstreamMaxResponseBytes: number;
  /** Longest upstream stream line or event, characters (SWITCHBOARD_UPSTREAM_MAX_EVENT_BYTES). */
  upstreamMaxEventBytes: number;
  /** Days of usage ledger detail rows `serve` keeps (rollups are kept); 0 = forever. */
  usageRetentionDays: number;
  /** The whole environment, for the credential env-var fallback and the master keyring. */
  env: Readonly<Record<string, string | undefined>>;
}

/** The shortest `SWITCHBOARD_ADMIN_TOKEN` accepted: a guessable admin token hands out every credential. */
export const ADMIN_TOKEN_MIN_LENGTH = 32;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return Object.freeze({
    databaseUrl: nonEmpty(env['DATABASE_URL']),
    dataDir: path.resolve(nonEmpty(env['SWITCHBOARD_DATA_DIR']) ?? '.switchboard/db'),
    host: nonEmpty(env['HOST']) ?? '127.0.0.1',
    port: integer(env, 'PORT', 4141, 0, 65535),
    providersDir: nonEmpty(env['SWITCHBOARD_PROVIDERS_DIR']),
    adminToken: secretToken(env, 'SWITCHBOARD_ADMIN_TOKEN'),
    metricsToken: secretToken(env, 'SWITCHBOARD_METRICS_TOKEN'),
    bodyLimitBytes: integer(env, 'SWITCHBOARD_BODY_LIMIT_BYTES', 25 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    configPollMs: integer(env, 'SWITCHBOARD_CONFIG_POLL_MS', 5000, 100, 3_600_000),
    configListen: onOff(env, 'SWITCHBOARD_CONFIG_LISTEN', true),
    shutdownTimeoutMs: integer(env, 'SWITCHBOARD_SHUTDOWN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    logBodies: onOff(env, 'SWITCHBOARD_LOG_BODIES', false),
    ...loadInboundConfig((name, fallback, min, max) => integer(env, name, fallback, min, max)),
    upstreamMaxConnections: integer(env, 'SWITCHBOARD_UPSTREAM_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    upstreamMaxResponseBytes: integer(env, 'SWITCHBOARD_UPSTREAM_MAX_RESPONSE_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    upstreamMaxEventBytes: integer(env, 'SWITCHBOARD_UPSTREAM_MAX_EVENT_BYTES', 1024 * 1024, 1024, 256 * 1024 * 1024),
    usageRetentionDays: integer(env, 'SWITCHBOARD_USAGE_RETENTION_DAYS', 90, 0, 36_500),
    env: Object.freeze({ ...env }),
  });
}

/** The usage ledger's settings (see docs/usage.md). */
export interface UsageSettings {
  /** Record one ledger row per upstream attempt (SWITCHBOARD_USAGE, default on). */
  enabled: boolean;
  flushIntervalMs: number;
  flushRows: number;
  maxBufferedRows: number;
  closeTimeoutMs: number;
  writeTimeoutMs: number;
}

/** The usage ledger's settings from the environment. */
export function loadUsageSettings(env: Readonly<Record<string, string | undefined>>): UsageSettings {
  return {
    enabled: onOff(env, 'SWITCHBOARD_USAGE', true),
    flushIntervalMs: integer(env, 'SWITCHBOARD_USAGE_FLUSH_MS', 1_000, 10, 3_600_000),
    flushRows: integer(env, 'SWITCHBOARD_USAGE_FLUSH_ROWS', 500, 1, 1_000_000),
    maxBufferedRows: integer(env, 'SWITCHBOARD_USAGE_BUFFER_ROWS', 100_000, 1, 100_000_000),
    closeTimeoutMs: integer(env, 'SWITCHBOARD_USAGE_CLOSE_TIMEOUT_MS', 10_000, 0, 3_600_000),
    writeTimeoutMs: integer(env, 'SWITCHBOARD_USAGE_WRITE_TIMEOUT_MS', 10_000, 100, 3_600_000),
  };
}

/**
 * The least time from one configuration check or reload to a check a change notification asks for,
 * ms (SWITCHBOARD_CONFIG_MIN_INTERVAL_MS, default 50): bounds what a NOTIFY storm can cost.
 */
export function loadConfigMinIntervalMs(env: Readonly<Record<string, string | undefined>>): number {
  return integer(env, 'SWITCHBOARD_CONFIG_MIN_INTERVAL_MS', 50, 0, 60_000);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** A bearer token setting: unset, or at least ADMIN_TOKEN_MIN_LENGTH characters. */
function secretToken(env: Record<string, string | undefined>, name: string): string | undefined {
  const token = nonEmpty(env[name]);
  if (token !== undefined && token.length < ADMIN_TOKEN_MIN_LENGTH) {
    throw new SwitchboardError(
      'invalid_request',
      `${name} is too short (${token.length} characters): use at least ${ADMIN_TOKEN_MIN_LENGTH} random characters (generate one with: openssl rand -base64 32)`,
    );
  }
  return token;
}

const ON = new Set(['1', 'true', 'on', 'yes']);
const OFF = new Set(['0', 'false', 'off', 'no']);

/**
 * An on/off setting: 1, true, on, yes or 0, false, off, no (any case); unset or empty is the
 * default. Anything else stops the start with an error: a switch that is silently left as it was
 * (`SWITCHBOARD_USAGE=disabled` recording every call) is worse than a refusal.
 */
export function onOff(env: Readonly<Record<string, string | undefined>>, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const word = raw.trim().toLowerCase();
  if (ON.has(word)) return true;
  if (OFF.has(word)) return false;
  throw new SwitchboardError('invalid_request', `${name} must be on or off (1/0, true/false, on/off, yes/no), got '${raw}'`);
}

function integer(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SwitchboardError('invalid_request', `${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  }
  return value;
}
