import { SwitchboardError, type ErrorCode } from '../errors.js';

/**
 * A refusal by governance: 403 `model_not_allowed` (the key's allow-lists, or a budget that refuses
 * models with no price in force), 429 `insufficient_quota` (a budget), 429
 * `rate_limited` (answered as OpenAI's `rate_limit_exceeded`), or 503 `governance_unavailable`
 * (the store is unreachable and SWITCHBOARD_GOVERNANCE_FAIL=closed). Carries `retry-after` and
 * the `x-ratelimit-*` headers for the answer.
 */
export class GovernanceError extends SwitchboardError {
  /** Seconds until the refusing limit resets. */
  readonly retryAfter: number | undefined;
  /** Header name/value pairs, flat. */
  readonly headers: readonly string[];
  /**
   * A budget refused the model that would serve the call because it has no price in force: a
   * refusal of that target, not of the request (a route tries its next target).
   */
  readonly unpriced: boolean;

  constructor(code: ErrorCode, message: string, options: { retryAfter?: number; headers?: readonly string[]; param?: string; unpriced?: boolean } = {}) {
    super(code, message, { ...(options.param === undefined ? {} : { param: options.param }), isRetryable: code !== 'model_not_allowed' });
    this.name = 'GovernanceError';
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? [];
    this.unpriced = options.unpriced === true;
  }
}
