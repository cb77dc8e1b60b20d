/**
 * The Switchboard error catalog: one hierarchy with stable codes.
 *
 * Every error the library throws is a `SwitchboardError` with a `code` from `ErrorCode`, an HTTP-ish
 * `status`, and `isRetryable`. Errors are classified where they happen (a provider's error mapper,
 * the database adapter), never by matching message substrings later. Messages never contain secrets
 * or verbatim upstream bodies.
 *
 * @module
 */

/** Stable error codes. The README lists them; clients may switch on them. */
export type ErrorCode =
  | 'invalid_request'
  | 'unsupported_feature'
  | 'no_such_model'
  | 'authentication_failed'
  | 'permission_denied'
  | 'not_found'
  | 'conflict'
  | 'request_too_large'
  | 'context_length_exceeded'
  | 'rate_limited'
  | 'insufficient_quota'
  | 'model_not_allowed'
  | 'governance_unavailable'
  | 'provider_error'
  | 'provider_timeout'
  | 'provider_unavailable'
  | 'credential_missing'
  | 'credential_invalid'
  | 'config_row_invalid'
  | 'database_error'
  | 'database_unavailable'
  | 'database_locked'
  | 'migration_failed'
  | 'internal_error';

export interface SwitchboardErrorOptions {
  /** HTTP status that best describes the error (defaults per code). */
  status?: number;
  /** Whether repeating the same call may succeed. */
  isRetryable?: boolean;
  /** The request field at fault, when there is one (OpenAI's `param`). */
  param?: string | null;
  cause?: unknown;
}

const defaultStatus: Record<ErrorCode, number> = {
  invalid_request: 400,
  unsupported_feature: 400,
  no_such_model: 404,
  authentication_failed: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  request_too_large: 413,
  context_length_exceeded: 400,
  rate_limited: 429,
  insufficient_quota: 429,
  model_not_allowed: 403,
  governance_unavailable: 503,
  provider_error: 502,
  provider_timeout: 504,
  provider_unavailable: 503,
  credential_missing: 400,
  credential_invalid: 500,
  config_row_invalid: 500,
  database_error: 500,
  database_unavailable: 503,
  database_locked: 409,
  migration_failed: 500,
  internal_error: 500,
};

const marker = Symbol.for('switchboard.error');

/** Base class of every error Switchboard throws on purpose. */
export class SwitchboardError extends Error {
  readonly [marker] = true;
  readonly code: ErrorCode;
  readonly status: number;
  readonly isRetryable: boolean;
  readonly param: string | null;

  constructor(code: ErrorCode, message: string, options: SwitchboardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwitchboardError';
    this.code = code;
    this.status = options.status ?? defaultStatus[code];
    this.isRetryable = options.isRetryable ?? isRetryableStatus(this.status);
    this.param = options.param ?? null;
  }

  /** True for any SwitchboardError, even one from another copy of the package. */
  static isInstance(error: unknown): error is SwitchboardError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

export interface ProviderErrorOptions extends SwitchboardErrorOptions {
  /** Name of the provider row (e.g. `openai`, `local-llm`). */
  provider: string;
  /** The upstream HTTP status, when the upstream answered. */
  upstreamStatus?: number;
  /** Seconds the upstream asked us to wait (`retry-after`, Gemini `RetryInfo`). */
  retryAfter?: number;
  /** The vendor's own error type/code, e.g. `rate_limit_error`, `invalid_api_key`. */
  upstreamCode?: string;
  /** A 402 for this request's cost while the account still has credit (isRequestOverCredit): not a reason to block the credential. */
  overCredit?: boolean;
}

/** An upstream AI vendor failed or refused the call. */
export class ProviderError extends SwitchboardError {
  readonly provider: string;
  readonly upstreamStatus: number | undefined;
  readonly retryAfter: number | undefined;
  readonly upstreamCode: string | undefined;
  readonly overCredit: boolean;

  constructor(code: ErrorCode, message: string, options: ProviderErrorOptions) {
    super(code, message, options);
    this.name = 'ProviderError';
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfter = options.retryAfter;
    this.upstreamCode = options.upstreamCode;
    this.overCredit = options.overCredit === true;
  }
}

/** A database statement failed; `sqlState` is the Postgres SQLSTATE when there is one. */
export class DatabaseError extends SwitchboardError {
  readonly sqlState: string | undefined;
  readonly constraint: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: SwitchboardErrorOptions & { sqlState?: string; constraint?: string } = {},
  ) {
    super(code, message, options);
    this.name = 'DatabaseError';
    this.sqlState = options.sqlState;
    this.constraint = options.constraint;
  }
}

/** 408, 409, 429 and 5xx are worth retrying; other statuses are not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The message of any thrown value, for logs (never includes a stack). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
