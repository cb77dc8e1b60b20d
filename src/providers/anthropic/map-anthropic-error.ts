import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderError } from '../../errors.js';
import { statusForErrorName } from '../shared/failure-status.js';
import { upstreamError } from '../shared/provider-error.js';
import { parseRetryAfter } from '../shared/retry-after.js';
import { anthropicErrorBodySchema } from './anthropic-api.js';

/**
 * An Anthropic HTTP error response → ProviderError, classified by status and `error.type`, with
 * `retry-after` when the API sent one. Non-JSON bodies (a proxy's HTML page) still map by status.
 */
export function mapAnthropicError(
  provider: string,
  status: number,
  headers: IncomingHttpHeaders,
  body: unknown,
  secrets: readonly (string | undefined)[],
  now: number,
): ProviderError {
  const parsed = anthropicErrorBodySchema.safeParse(body);
  const error = parsed.success ? parsed.data.error : undefined;
  return upstreamError(
    provider,
    status,
    {
      message: error?.message,
      upstreamCode: error?.type,
      contextLengthExceeded: error !== undefined && isPromptTooLong(status, error.type, error.message),
      retryAfter: parseRetryAfter(headers, now),
    },
    secrets,
  );
}

/**
 * The data of an in-stream `event: error`, or an error body answered with HTTP 200 (some
 * Anthropic-compatible proxies) → ProviderError. The answer was a 200, so the status comes from
 * `error.type` (e.g. `overloaded_error` → 529, answered as 503 provider_unavailable).
 */
export function mapAnthropicStreamError(provider: string, data: unknown, secrets: readonly (string | undefined)[]): ProviderError {
  const parsed = anthropicErrorBodySchema.safeParse(data);
  const error = parsed.success ? parsed.data.error : undefined;
  const status = statusForErrorName(error?.type) ?? 500;
  return upstreamError(
    provider,
    status,
    {
      message: error?.message ?? 'stream error',
      upstreamCode: error?.type,
      contextLengthExceeded: error !== undefined && isPromptTooLong(status, error.type, error.message),
    },
    secrets,
  );
}

/**
 * Whether an error means the prompt does not fit the context window. Anthropic has no dedicated
 * error type or code for it: it answers 400 `invalid_request_error` with "prompt is too long: N
 * tokens > M maximum" or "input length and `max_tokens` exceed context limit: …", so this is the
 * one place that reads the message, and only for that status and type.
 */
export function isPromptTooLong(status: number, type: string, message: string | undefined): boolean {
  if (status !== 400 || type !== 'invalid_request_error' || message === undefined) return false;
  return /prompt is too long|exceed context limit/i.test(message);
}
