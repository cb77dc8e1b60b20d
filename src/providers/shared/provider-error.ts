import { ProviderError, type ErrorCode } from '../../errors.js';
import { safeParam, safeUpstreamCode } from './redact.js';
import { ACCOUNT_ERROR, isAccountErrorCode, isRequestOverCredit, vendorText } from './vendor-text.js';

export { redact } from './redact.js';

/** What a vendor's error mapper extracted from an error response, by field. */
export interface UpstreamErrorFields {
  /** The vendor's message (will be redacted of the credential before use). */
  message?: string;
  /** The vendor's error type or code, e.g. `rate_limit_error`. */
  upstreamCode?: string;
  /** The vendor's error type when it gave a code too (OpenAI's `error.type` beside `error.code`): read only to tell an error about the account. */
  upstreamType?: string;
  /** Set when the vendor's fields say the prompt exceeded the context window. */
  contextLengthExceeded?: boolean;
  retryAfter?: number;
  /** The request field the vendor blamed (OpenAI's `error.param`); dropped unless it is a clean field path. */
  param?: string;
}

/** Our error code for an upstream HTTP status. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'authentication_failed';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'provider_timeout';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'provider_unavailable';
  // Other 5xx, and a status that is no error status at all (a redirect): answered as 502, so the
  // code says the provider failed, not the client's request.
  if (status >= 500 || status < 400) return 'provider_error';
  return 'invalid_request';
}

/** The status we answer with: the upstream's, except non-standard ones (Anthropic's 529). */
export function clientStatus(status: number): number {
  if (status === 529) return 503;
  if (status >= 400 && status <= 599) return status;
  return 502;
}

/**
 * The HTTP error status (400–599) a vendor's error `code` names, as OpenRouter's `{"error": {"code":
 * 429, …}}` inside a 200 (the status its request errors carry too), vLLM's `code: 400` and LiteLLM's
 * `"code": "429"` do; undefined for any other code (`rate_limit_exceeded`, 200, 42, 429.5).
 */
export function httpErrorStatus(code: unknown): number | undefined {
  const status = typeof code === 'string' && /^[45][0-9]{2}$/.test(code) ? Number(code) : code;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : undefined;
}

/**
 * Builds the ProviderError for an upstream error response, or for an error inside a stream (its
 * status the one its code names, else inferred from its type). Nothing in it carries the
 * credential: auth failures get a fixed message (vendors echo key fragments there), a 429 too
 * (the vendor's text describes the shared account's limits and traffic), and so does a 402 or an
 * error whose code or type is about the credentials or the account (`insufficient_quota`,
 * `billing_error`…: isAccountErrorCode); any other vendor message is rid of control characters, redacted and cut at 500 characters (see
 * vendorText), and the vendor's `param` and code are kept only when they are a field path and a
 * code with nothing to redact.
 */
export function upstreamError(
  provider: string,
  status: number,
  fields: UpstreamErrorFields,
  secrets: readonly (string | undefined)[] = [],
): ProviderError {
  const code = fields.contextLengthExceeded ? 'context_length_exceeded' : codeForStatus(status);
  const upstreamCode = safeUpstreamCode(fields.upstreamCode, secrets);
  let detail: string;
  const overCredit = status === 402 && isRequestOverCredit(fields.message);
  if (status === 401 || status === 403) {
    detail = `rejected the credentials (HTTP ${status}); check this project's API key for '${provider}'`;
  } else if (status === 429) {
    // The vendor's text describes the account every tenant shares: its limits and what all of
    // them used ("Limit 30000, Used 29990"). Its code (rate limit or quota) and retry-after stay.
    detail = `HTTP 429: the vendor is rate limiting the gateway's account (its limits or quota); retry later`;
  } else if (overCredit) {
    // The figures ("can only afford 27342") describe the account's credit left: withheld too.
    detail = `HTTP 402: the request asks for more than the account's remaining credit covers (lower max_tokens, or shorten the prompt); its message withheld`;
  } else if (status === 402 || isAccountErrorCode(fields.upstreamCode) || isAccountErrorCode(fields.upstreamType)) {
    detail = `HTTP ${status}: ${ACCOUNT_ERROR}${upstreamCode === undefined ? '' : ` (${upstreamCode})`}, its message withheld`;
  } else {
    const vendorMessage = fields.message ? vendorText(fields.message, secrets, 500) : '';
    detail = vendorMessage === '' ? `HTTP ${status}` : `HTTP ${status}: ${vendorMessage}`;
  }
  const param = safeParam(fields.param, secrets);
  return new ProviderError(code, `Provider '${provider}' failed: ${detail}`, {
    provider,
    status: clientStatus(status),
    upstreamStatus: status,
    ...(upstreamCode === undefined ? {} : { upstreamCode }),
    ...(fields.retryAfter === undefined ? {} : { retryAfter: fields.retryAfter }),
    ...(param === undefined ? {} : { param }),
    ...(overCredit ? { overCredit } : {}),
  });
}
