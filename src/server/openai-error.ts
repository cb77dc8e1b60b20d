/**
 * The only place errors become HTTP: any thrown value → OpenAI's error shape
 * `{"error":{"message","type","param","code"}}` with a status.
 *
 * `code` is OpenAI's code where OpenAI has one for the same situation (`model_not_found`,
 * `invalid_api_key`, `rate_limit_exceeded`, `context_length_exceeded`), else our stable `ErrorCode`.
 * Anything that is not a `SwitchboardError`, and our own server-side failures (database, config,
 * internal), answer "Internal server error" with the request id: never a stack or a raw message.
 *
 * @module
 */
import { ProviderError, SwitchboardError, type ErrorCode } from '../errors.js';
import { GovernanceError } from '../governance/governance-error.js';
import { clip } from './field-checks.js';

/** Longest error message sent: a last guard against echoing a large client string. */
const MAX_MESSAGE_CHARS = 2048;

/** The body OpenAI clients parse. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error ready to send. */
export interface HttpError {
  status: number;
  /** Our code, for logs and metrics. */
  code: ErrorCode;
  body: OpenAIErrorBody;
  /** Seconds for a `retry-after` header (rate limits). */
  retryAfter: number | undefined;
}

/** Codes whose message is safe and useful to show a client; the rest are server-side failures. */
const clientVisible: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_request',
  'unsupported_feature',
  'no_such_model',
  'authentication_failed',
  'permission_denied',
  'not_found',
  'conflict',
  'request_too_large',
  'context_length_exceeded',
  'rate_limited',
  'insufficient_quota',
  'model_not_allowed',
  'governance_unavailable',
  'provider_error',
  'provider_timeout',
  'provider_unavailable',
  'credential_missing',
  // Names the provider and why (wrong master key, tampered, moved); never the secret.
  'credential_invalid',
]);

function openAIType(code: ErrorCode, status: number): string {
  switch (code) {
    case 'authentication_failed':
      return 'authentication_error';
    case 'permission_denied':
      return 'permission_error';
    case 'rate_limited':
      return 'rate_limit_error';
    case 'insufficient_quota':
      return 'insufficient_quota';
    default:
      return status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

function openAICode(error: SwitchboardError): string {
  switch (error.code) {
    case 'no_such_model':
      return 'model_not_found';
    case 'rate_limited':
      return 'rate_limit_exceeded';
    case 'authentication_failed':
      // Our own key check says invalid_api_key; an upstream refusing *its* key is not the client's fault.
      return error instanceof ProviderError ? 'authentication_failed' : 'invalid_api_key';
    default:
      return error.code;
  }
}

/** Maps any thrown value to the OpenAI error shape and status. */
export function toHttpError(error: unknown, requestId: string): HttpError {
  if (!SwitchboardError.isInstance(error) || !clientVisible.has(error.code)) {
    const code: ErrorCode = SwitchboardError.isInstance(error) ? error.code : 'internal_error';
    const status = SwitchboardError.isInstance(error) && error.status >= 500 && error.status <= 599 ? error.status : 500;
    return {
      status,
      code,
      body: {
        error: {
          message: `Internal server error (request id ${requestId})`,
          type: 'server_error',
          param: null,
          code: code === 'internal_error' ? 'internal_error' : code,
        },
      },
      retryAfter: undefined,
    };
  }
  const status = error.code === 'provider_timeout' ? 504 : validStatus(error.status);
  const wait = error instanceof ProviderError || error instanceof GovernanceError ? error.retryAfter : undefined;
  const retryAfter = wait === undefined ? undefined : Math.max(0, Math.ceil(wait));
  return {
    status,
    code: error.code,
    body: { error: { message: clip(error.message, MAX_MESSAGE_CHARS), type: openAIType(error.code, status), param: error.param, code: openAICode(error) } },
    retryAfter,
  };
}

function validStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}
