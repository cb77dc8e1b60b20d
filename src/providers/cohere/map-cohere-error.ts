import type { IncomingHttpHeaders } from 'node:http';
import { ProviderError } from '../../errors.js';
import { BilledProviderError } from '../shared/billed-provider-error.js';
import { upstreamError } from '../shared/provider-error.js';
import { safeUpstreamCode } from '../shared/redact.js';
import { vendorText } from '../shared/vendor-text.js';
import { parseRetryAfter } from '../shared/retry-after.js';
import { cohereErrorSchema, type CohereUsage } from './cohere-api.js';
import { mapCohereUsage } from './map-cohere-usage.js';

/**
 * Cohere's error body is only `{"id", "message"}`: there is no type or code field. Its messages
 * follow a `<category>: <detail>` convention ("too many tokens: …", "invalid request: …",
 * "unknown field: …"), so the category is parsed as the vendor code (snake_cased), and the
 * `too many tokens` category marks a context-length error.
 * https://docs.cohere.com/reference/errors
 */
export function mapCohereError(
  provider: string,
  status: number,
  headers: IncomingHttpHeaders,
  body: unknown,
  secrets: readonly (string | undefined)[],
  now: number = Date.now(),
): ProviderError {
  const parsed = cohereErrorSchema.safeParse(body);
  const message = parsed.success ? (parsed.data.message ?? parsed.data.data) : undefined;
  const category = message === undefined ? undefined : messageCategory(message);
  const retryAfter = parseRetryAfter(headers, now);
  const error = upstreamError(
    provider,
    status,
    {
      ...(message === undefined ? {} : { message }),
      ...(category === undefined ? {} : { upstreamCode: category }),
      ...(retryAfter === undefined ? {} : { retryAfter }),
      contextLengthExceeded: status === 400 && category === 'too_many_tokens',
    },
    secrets,
  );
  // Cohere's non-standard statuses: 498 = the input or output hit a deny-listed token (a content
  // refusal; repeating it fails again), 499 = Cohere cancelled the request on its side (retryable).
  if (status === 498) return restatus(error, 'invalid_request', 400, false);
  if (status === 499) return restatus(error, 'provider_error', 502, true);
  return error;
}

/**
 * The error for an answer or a stream that Cohere ended with `finish_reason` ERROR or TIMEOUT (or
 * an `error`). Cohere bills such a generation: the `usage` it reported rides on the error, for the
 * ledger (a BilledProviderError). `source` says which it was, for the message: a stream's
 * `message-end` event, or a whole JSON answer (HTTP 200, no stream).
 */
export function cohereStreamError(
  provider: string,
  source: 'stream' | 'answer',
  finishReason: string | null | undefined,
  message: string | null | undefined,
  secrets: readonly (string | undefined)[],
  usage?: CohereUsage | null,
): ProviderError {
  const timeout = finishReason === 'TIMEOUT';
  const said = message ? vendorText(message, secrets, 500) : '';
  const detail = said === '' ? '' : `: ${said}`;
  const billed = mapCohereUsage(usage);
  const upstreamCode = safeUpstreamCode(finishReason ?? 'ERROR', secrets) ?? 'ERROR';
  const options = { provider, status: timeout ? 504 : 502, upstreamCode, isRetryable: true };
  const code = timeout ? 'provider_timeout' : 'provider_error';
  const failure = finishReason === 'ERROR' || timeout ? finishReason : 'an error';
  const text =
    source === 'stream'
      ? `Provider '${provider}' ended the stream with ${failure}${detail}`
      : `Provider '${provider}' answered with finish_reason ${upstreamCode}: the generation ${timeout ? 'timed out' : 'failed'}${detail}`;
  return billed.buckets === undefined ? new ProviderError(code, text, options) : new BilledProviderError(code, text, { ...options, usage: billed });
}

function messageCategory(message: string): string | undefined {
  const match = /^([a-z][a-z ]{0,40}):\s/.exec(message);
  return match?.[1]?.replaceAll(' ', '_');
}

function restatus(error: ProviderError, code: 'invalid_request' | 'provider_error', status: number, isRetryable: boolean): ProviderError {
  return new ProviderError(code, error.message, {
    provider: error.provider,
    status,
    isRetryable,
    ...(error.upstreamStatus === undefined ? {} : { upstreamStatus: error.upstreamStatus }),
    ...(error.upstreamCode === undefined ? {} : { upstreamCode: error.upstreamCode }),
    ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
  });
}
