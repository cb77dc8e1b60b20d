import type { IncomingHttpHeaders } from 'node:http';
import { ProviderError } from '../../errors.js';
import { upstreamError } from '../shared/provider-error.js';
import { MAX_RETRY_AFTER_SECONDS, parseRetryAfter } from '../shared/retry-after.js';
import { googleErrorBodySchema, type GoogleErrorBody } from './google-api.js';

/** google.rpc.Code names as HTTP statuses, for errors that arrive without one (inside a stream). */
const rpcStatuses: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

export interface GoogleErrorContext {
  provider: string;
  /** The HTTP status; undefined for an error object inside a 200 stream. */
  status: number | undefined;
  /** The parsed body, or undefined when it was not JSON (Google's HTML 404 page). */
  body: unknown;
  headers?: IncomingHttpHeaders;
  /** Values to scrub from vendor messages (the API key). */
  secrets: readonly (string | undefined)[];
}

/**
 * A Gemini error as a ProviderError, classified from `error.status`, `error.code` and the typed
 * `details`: ErrorInfo `API_KEY_INVALID` (Google answers a wrong key with 400) becomes
 * `authentication_failed` with status 401; RetryInfo `retryDelay` (or a `retry-after` header)
 * becomes `retryAfter`; the first BadRequest field violation becomes `param`.
 *
 * Gemini reports a prompt over the context window only as a 400 INVALID_ARGUMENT with prose, no
 * field or reason, so it stays `invalid_request` here (we never classify by message text).
 */
export function mapGoogleError(context: GoogleErrorContext): ProviderError {
  const error = parseErrorBody(context.body);
  const status = context.status ?? error?.code ?? rpcStatuses[error?.status ?? ''] ?? 500;
  const details = error?.details ?? [];
  const upstreamCode = error?.status;

  if (details.some((detail) => isDetail(detail['@type'], 'ErrorInfo') && detail.reason === 'API_KEY_INVALID')) {
    return new ProviderError(
      'authentication_failed',
      `Provider '${context.provider}' failed: rejected the credentials (HTTP ${status}, API_KEY_INVALID); check this project's API key for '${context.provider}'`,
      { provider: context.provider, status: 401, upstreamStatus: status, upstreamCode: 'API_KEY_INVALID' },
    );
  }

  let retryAfter: number | undefined;
  let param: string | undefined;
  for (const detail of details) {
    if (isDetail(detail['@type'], 'RetryInfo') && detail.retryDelay !== undefined) {
      retryAfter = parseDuration(detail.retryDelay);
    }
    if (isDetail(detail['@type'], 'BadRequest')) param ??= detail.fieldViolations?.[0]?.field;
  }
  retryAfter ??= context.headers ? parseRetryAfter(context.headers) : undefined;

  return upstreamError(
    context.provider,
    status,
    {
      ...(error?.message === undefined ? {} : { message: error.message }),
      ...(upstreamCode === undefined ? {} : { upstreamCode }),
      ...(retryAfter === undefined ? {} : { retryAfter }),
      ...(param === undefined ? {} : { param }),
    },
    context.secrets,
  );
}

function parseErrorBody(body: unknown): GoogleErrorBody['error'] | undefined {
  // `:streamGenerateContent` without alt=sse wraps everything, errors included, in an array.
  const candidate: unknown = Array.isArray(body) ? body[0] : body;
  const parsed = googleErrorBodySchema.safeParse(candidate);
  return parsed.success ? parsed.data.error : undefined;
}

function isDetail(type: string | undefined, name: string): boolean {
  return type === `type.googleapis.com/google.rpc.${name}`;
}

/** A protobuf JSON Duration (`"7s"`, `"0.250s"`) in seconds, at most MAX_RETRY_AFTER_SECONDS like a header's. */
function parseDuration(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value);
  return match ? Math.min(Number(match[1]), MAX_RETRY_AFTER_SECONDS) : undefined;
}
