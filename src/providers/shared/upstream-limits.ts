import { ProviderError } from '../../errors.js';

/** Bounds on what an upstream may send back (settings: SWITCHBOARD_UPSTREAM_MAX_*). */
export interface UpstreamLimits {
  /** Largest answer read whole (a JSON answer), bytes. Error bodies are read up to 1 MiB of it. */
  maxResponseBytes: number;
  /** Longest SSE line, and longest event (its data lines joined), in characters of decoded text. */
  maxEventBytes: number;
}

export const defaultUpstreamLimits: Readonly<UpstreamLimits> = Object.freeze({
  maxResponseBytes: 32 * 1024 * 1024,
  maxEventBytes: 1024 * 1024,
});

/** Error bodies only feed a 500-character message: they are read up to this much. */
export const MAX_ERROR_BODY_BYTES = 1024 * 1024;

/**
 * The gateway cut an upstream answer at one of these limits. On a successful answer (a 2xx head, or
 * any stream: its events come after one) the vendor had the request and generated, and bills, what
 * it sent: the ledger estimates such a call instead of recording it free (usage-attempt.ts).
 */
export class UpstreamCapError extends ProviderError {}

/** The provider error for an answer over `maxResponseBytes` (not retryable: the same call would do it again). */
export function responseTooLarge(provider: string, limit: number, upstreamStatus?: number): ProviderError {
  return new UpstreamCapError(
    'provider_error',
    `Provider '${provider}' sent an answer larger than ${limit} bytes (SWITCHBOARD_UPSTREAM_MAX_RESPONSE_BYTES); it was cut off`,
    { provider, status: 502, isRetryable: false, ...(upstreamStatus === undefined ? {} : { upstreamStatus }) },
  );
}

/** The provider error for a stream line or event over `maxEventBytes`. */
export function eventTooLarge(provider: string, limit: number): ProviderError {
  return new UpstreamCapError(
    'provider_error',
    `Provider '${provider}' sent a stream event longer than ${limit} characters (SWITCHBOARD_UPSTREAM_MAX_EVENT_BYTES); the stream was cut off`,
    { provider, status: 502, isRetryable: false },
  );
}

/**
 * The provider error for an answer too deeply nested to walk: JSON.parse takes 100,000 levels in a
 * few hundred kilobytes, and re-encoding or walking them overflows the stack (a RangeError), which
 * would otherwise be answered as the gateway's own 500.
 */
export function answerTooDeep(provider: string): ProviderError {
  return new ProviderError('provider_error', `Provider '${provider}' sent an answer nested too deeply to read`, { provider, status: 502, isRetryable: false });
}

/** `error` as the call's failure: a RangeError (a stack overflow) raised on the vendor's answer is the provider's. */
export function upstreamFailure(provider: string, error: unknown): unknown {
  return error instanceof RangeError ? answerTooDeep(provider) : error;
}
