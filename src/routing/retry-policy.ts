/**
 * The retry table: every failed attempt is classified from the error's fields (never its message),
 * and the class decides what happens next. See docs/routing.md for the table as prose.
 *
 * @module
 */
import { ProviderError, SwitchboardError } from '../errors.js';
import { UpstreamCapError } from '../providers/shared/upstream-limits.js';
import { isQuotaErrorCode } from '../providers/shared/vendor-text.js';
import { GovernanceError } from '../governance/governance-error.js';

/** Error classes a route target may accept as fall-through (`ai_route_targets.accepts`). */
export const ERROR_CLASSES = [
  'connection', 'timeout', 'server_error', 'overloaded', 'rate_limited', 'auth', 'empty', 'context_length', 'content_policy',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** What the runner does after a failed attempt. */
export type RetryAction =
  /** Try the next candidate at once. */
  | 'next'
  /** Wait for the vendor's retry-after if short and within the deadline, else the next candidate. */
  | 'wait_or_next'
  /** Block the credential (project, provider) for a while, then the next candidate. */
  | 'block_credential'
  /** Only candidates that accept this class may take it; else answer with the error. */
  | 'next_if_accepted'
  /** Answer with the error at once. */
  | 'return';

export interface Classified {
  /** undefined: not retryable at all (other 4xx, our own errors, a client that went away). */
  errorClass: ErrorClass | undefined;
  action: RetryAction;
  /** Seconds the vendor asked us to wait. */
  retryAfter: number | undefined;
  /** Whether the failure counts against the target's circuit breaker. */
  breakerFailure: boolean;
}

export const RETRY_TABLE: Readonly<Record<ErrorClass, RetryAction>> = {
  connection: 'next',
  timeout: 'next',
  server_error: 'next',
  overloaded: 'next',
  empty: 'next',
  rate_limited: 'wait_or_next',
  auth: 'block_credential',
  context_length: 'next_if_accepted',
  content_policy: 'next_if_accepted',
};

const returnAtOnce: Classified = { errorClass: undefined, action: 'return', retryAfter: undefined, breakerFailure: false };

/** Vendor codes of a content-policy refusal. */
const POLICY_CODES = new Set(['content_policy_violation', 'content_filter', 'safety', 'moderation_blocked']);

/** The class and action of a failed attempt. */
export function classifyFailure(error: unknown, aborted: boolean): Classified {
  if (aborted || !SwitchboardError.isInstance(error)) return returnAtOnce;
  const upstream = error instanceof ProviderError ? error : undefined;
  const status = upstream?.upstreamStatus;
  const code = upstream?.upstreamCode;
  const of = (errorClass: ErrorClass, breakerFailure: boolean): Classified => ({
    errorClass,
    action: RETRY_TABLE[errorClass],
    retryAfter: upstream?.retryAfter,
    breakerFailure,
  });
  if (error.code === 'context_length_exceeded') return of('context_length', false);
  if (code !== undefined && POLICY_CODES.has(code)) return of('content_policy', false);
  if (upstream === undefined) {
    // A budget refusing this target's model for having no price: the next candidate may be priced
    // (like a vendor's 403, it refuses what was asked for, not the credential: no block).
    if (error instanceof GovernanceError && error.unpriced) return { ...of('auth', false), action: 'next' };
    return error.code === 'credential_missing' ? of('auth', false) : returnAtOnce;
  }
  // The gateway's own size limits cut the answer (a client can make one that large at will: logprobs,
  // `n`, long instructions echoed): the target answered, the same call would be cut anywhere.
  if (upstream instanceof UpstreamCapError) return returnAtOnce;
  if (status === undefined) {
    // No HTTP answer: a connection failure or a timeout before the headers.
    if (error.code === 'provider_timeout') return of('timeout', true);
    if (error.code === 'provider_unavailable' || error.code === 'provider_error') return of('connection', true);
    return returnAtOnce;
  }
  // A 402 for this request's cost while credit is left (OpenRouter's "fewer max_tokens … can only
  // afford N"): a smaller request would pass, and any client can send a large one. Moves on
  // without blocking the credential, as a 403 does.
  if (status === 402 && upstream.overCredit) return { ...of('auth', false), action: 'next' };
  if (status === 401 || status === 402 || isQuotaErrorCode(code)) return of('auth', false);
  // A 403 is about what was asked for (a model the key may not use, a file of another account, a
  // region), not the credential as a whole: the next candidate, without blocking the credential
  // for every model of the provider (a client could otherwise have it blocked on purpose).
  if (status === 403) return { ...of('auth', false), action: 'next' };
  if (status === 429) return of('rate_limited', false);
  if (status === 529 || status === 503) return of('overloaded', true);
  if (status === 408 || status === 504) return of('timeout', true);
  if (status >= 500) return of('server_error', true);
  return returnAtOnce;
}

/** Full-jitter backoff: uniform in [0, min(cap, base · 2^retry)). */
export function fullJitterMs(retry: number, random: () => number = Math.random, baseMs = 100, capMs = 2000): number {
  return random() * Math.min(capMs, baseMs * 2 ** retry);
}
