/**
 * The only place errors become Anthropic's error shape on `/v1/messages`:
 * `{"type":"error","error":{"type","message"},"request_id"}` with Anthropic's error types. The
 * status, the message and what a client may see come from `toHttpError` (the OpenAI mapping), so
 * both surfaces say the same thing; only the envelope and the type vocabulary differ.
 *
 * | Switchboard code | status | Anthropic `error.type` |
 * |---|---|---|
 * | invalid_request, unsupported_feature, context_length_exceeded, credential_missing | 400 | invalid_request_error |
 * | authentication_failed | 401 | authentication_error |
 * | permission_denied, model_not_allowed | 403 | permission_error |
 * | no_such_model, not_found | 404 | not_found_error |
 * | request_too_large | 413 | request_too_large |
 * | rate_limited, insufficient_quota (a budget) | 429 | rate_limit_error |
 * | provider_unavailable (upstream 503/529) | 529 | overloaded_error |
 * | provider_timeout | 504 | timeout_error |
 * | provider_error and every server-side failure | 5xx as chat | api_error |
 * | any other code | 401, 403, 404, 413, 429 | as the rows above for that status |
 *
 * @module
 */
import { SwitchboardError, type ErrorCode } from '../../errors.js';
import { toHttpError } from '../openai-error.js';

/** The body Anthropic clients parse (the SDK reads `error.type` and `error.message`). */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string; details?: Record<string, unknown> };
  request_id: string;
}

/** An error ready to send on an Anthropic surface. */
export interface AnthropicHttpError {
  status: number;
  /** Our code, for logs and metrics. */
  code: ErrorCode;
  body: AnthropicErrorBody;
  /** Seconds for a `retry-after` header (rate limits). */
  retryAfter: number | undefined;
}

function anthropicType(code: ErrorCode, status: number): string {
  switch (code) {
    case 'authentication_failed':
      return 'authentication_error';
    case 'permission_denied':
      return 'permission_error';
    case 'no_such_model':
    case 'not_found':
      return 'not_found_error';
    case 'request_too_large':
      return 'request_too_large';
    case 'rate_limited':
      return 'rate_limit_error';
    case 'provider_unavailable':
      return 'overloaded_error';
    case 'provider_timeout':
      return 'timeout_error';
    default:
      return byStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  }
}

/** Anthropic's type for a status, for codes of our own it has no word for (governance refusals, upstream 4xx). */
const byStatus: Partial<Record<number, string>> = {
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
};

/** Maps any thrown value to Anthropic's error shape and status. */
export function toAnthropicError(error: unknown, requestId: string): AnthropicHttpError {
  const http = toHttpError(error, requestId);
  // Anthropic clients (the SDK, Claude Code) back off and retry on 529 "overloaded".
  const status = http.code === 'provider_unavailable' ? 529 : http.status;
  const body: AnthropicErrorBody = { type: 'error', error: { type: anthropicType(http.code, status), message: http.body.error.message }, request_id: requestId };
  // A refused message thread says so the way the SDK recognizes: its tool runner then goes on without one.
  if (SwitchboardError.isInstance(error) && error.code === 'unsupported_feature' && error.param === 'thread') {
    body.error.details = { error_code: 'thread_unsupported_request', unsupported: ['thread'] };
  }
  return { status, code: http.code, body, retryAfter: http.retryAfter };
}

/** One `event: error` SSE frame; the Anthropic SDK raises it as an APIError. */
export function anthropicErrorFrame(body: AnthropicErrorBody): string {
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}
