import { SwitchboardError, type ErrorCode } from '../errors.js';

/**
 * A refusal by governance: 403 `model_not_allowed`, 429 `insufficient_quota` (a budget), 429
 * `rate_limited` (answered as OpenAI's `rate_limit_exceeded`), or 503 `governance_unavailable`
 * (the store is unreachable and SWITCHBOARD_GOVERNANCE_FAIL=closed). Carries `retry-after` and
 * the `x-ratelimit-*` headers for the answer.
 */
export class GovernanceError extends SwitchboardError {
  /** Seconds until the refusing limit resets. */
  readonly retryAfter: number | undefined;
  /** Header name/value pairs, flat. */
  readonly headers: readonly string[];

  constructor(code: ErrorCode, message: string, options: { retryAfter?: number; headers?: readonly string[]; param?: string } = {}) {
    super(code, message, { ...(options.param === undefined ? {} : { param: options.param }), isRetryable: code !== 'model_not_allowed' });
    this.name = 'GovernanceError';
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? [];
  }
}
