/**
 * The messages of the governor's refusals: a limit reached, and a budget refusing unpriced models.
 *
 * @module
 */
import { holdHeaders } from './admission-ticket.js';
import { picoToUsd } from './decimal-to-pico.js';
import { describeReset } from './format-reset.js';
import { GovernanceError } from './governance-error.js';
import type { BudgetRule } from './governance-rules.js';
import type { LeaseCounter } from './lease-counter.js';

/**
 * The refusal of a call `amount` past `counter`'s limit (429 `insufficient_quota` or `rate_limited`),
 * with its Retry-After and the limit's headers. `now` is the instance's clock; `offsetMs` the
 * database's clock minus it.
 */
export function overLimitError(counter: LeaseCounter, amount: bigint, now: number, offsetMs: number): GovernanceError {
  const rule = counter.rule;
  const resetMs = Math.max(0, counter.periodEnd - now);
  const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
  const headers = holdHeaders([{ counter, amount }], now);
  if (rule.kind === 'budget') {
    const left = counter.remaining();
    return new GovernanceError(
      'insufficient_quota',
      `Budget '${rule.name}' is exhausted for this ${rule.period === 'fixed' ? 'window' : rule.period}: this request may cost up to ${picoToUsd(amount)} and ${picoToUsd(left)} of ${picoToUsd(counter.limit ?? 0n)} is left. It resets ${describeReset(counter.periodEnd + offsetMs, now + offsetMs)}.`,
      { retryAfter, headers },
    );
  }
  const unit = counter.metric === 'requests' ? 'requests' : 'tokens';
  return new GovernanceError(
    'rate_limited',
    `Rate limit '${rule.name}' reached: ${String(counter.limit ?? 0n)} ${unit} per minute (this request needs ${amount} ${unit}). Retry after ${retryAfter} s.`,
    { retryAfter, headers },
  );
}

/** 403 `model_not_allowed`: budget `rule` refuses calls to `model` (served for `publicName`), which has no price in force. */
export function unpricedError(rule: BudgetRule, model: string, publicName: string): GovernanceError {
  const via = model === publicName ? '' : ` (served for '${publicName}')`;
  return new GovernanceError(
    'model_not_allowed',
    `Budget '${rule.name}' refuses calls to models with no price: '${model}'${via} has no price in force, so its cost cannot be counted against the budget.`,
    { param: 'model', unpriced: true },
  );
}
