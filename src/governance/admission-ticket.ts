/**
 * What an admitted call holds: its reservations, settled once to the actual cost and tokens, and
 * the headers its answer carries (`x-ratelimit-*`, and the soft-threshold warning).
 *
 * @module
 */
import { picoToUsd } from './decimal-to-pico.js';
import { formatReset } from './format-reset.js';
import type { LeaseCounter } from './lease-counter.js';

/** One reservation: the counter and the amount taken from it. */
export interface Hold {
  counter: LeaseCounter;
  amount: bigint;
}

export interface Ticket {
  /** Settles to the actual cost (pico-USD; null = unpriced) and tokens; later calls are ignored. */
  settle(actualCostPico: bigint | null, actualTokens: number): void;
  /** Releases the reservations without consuming anything (the call never reached the upstream). */
  release(): void;
  /** Settles every reservation at its reserved amount (no ledger to say what it cost). */
  settleAsReserved(): void;
  /** Header name/value pairs for the answer (flat). */
  headers(): readonly string[];
}

/** The ticket of a call no budget or limit applies to. */
export const openTicket: Ticket = { settle: () => {}, release: () => {}, settleAsReserved: () => {}, headers: () => [] };

export class AdmissionTicket implements Ticket {
  #settled = false;

  constructor(
    readonly holds: readonly Hold[],
    readonly onWarn: (counter: LeaseCounter) => void,
    /** The instance's clock (the governor's), epoch ms. */
    readonly now: () => number = Date.now,
  ) {}

  settle(actualCostPico: bigint | null, actualTokens: number): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const { counter, amount } of this.holds) {
      // A request hold is consumed whole (1, or 0 for an uncounted attempt), whatever the call cost.
      const tokens = Number.isFinite(actualTokens) ? Math.max(0, Math.round(actualTokens)) : 0;
      const actual = counter.metric === 'requests' ? amount : counter.metric === 'tokens' ? BigInt(tokens) : (actualCostPico ?? 0n);
      counter.settle(amount, actual > 0n ? actual : 0n);
    }
  }

  release(): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const { counter, amount } of this.holds) counter.settle(amount, 0n);
  }

  settleAsReserved(): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const { counter, amount } of this.holds) counter.settle(amount, amount);
  }

  headers(): readonly string[] {
    return holdHeaders(this.holds, this.now(), this.onWarn);
  }
}

/** `x-ratelimit-*` of the most constrained request and token limits, and budget warnings. */
export function holdHeaders(holds: readonly Hold[], now: number, onWarn?: (counter: LeaseCounter) => void): string[] {
  let requests: LeaseCounter | undefined;
  let tokens: LeaseCounter | undefined;
  const headers: string[] = [];
  for (const { counter } of holds) {
    if (counter.metric === 'requests') requests = tighter(requests, counter);
    else if (counter.metric === 'tokens') tokens = tighter(tokens, counter);
    else {
      const warning = budgetWarning(counter);
      if (warning !== undefined) {
        headers.push('x-switchboard-budget-warning', warning);
        onWarn?.(counter);
      }
    }
  }
  if (requests) pushTrio(headers, 'requests', requests, now);
  if (tokens) pushTrio(headers, 'tokens', tokens, now);
  return headers;
}

function tighter(current: LeaseCounter | undefined, next: LeaseCounter): LeaseCounter {
  return current === undefined || next.remaining() < current.remaining() ? next : current;
}

const trioNames = {
  requests: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
} as const;

function pushTrio(headers: string[], suffix: keyof typeof trioNames, counter: LeaseCounter, now: number): void {
  const [limit, remaining, reset] = trioNames[suffix];
  headers.push(limit, counter.limitText, remaining, String(counter.remaining()), reset, formatReset(Math.max(0, counter.periodEnd - now)));
}

/** The warning of a budget past its soft threshold, or undefined. */
export function budgetWarning(counter: LeaseCounter): string | undefined {
  const rule = counter.rule;
  if (rule.kind !== 'budget' || rule.softThreshold === undefined || counter.limit === null || counter.limit === 0n) return undefined;
  const used = counter.limit - counter.remaining();
  // Compare in millionths to stay in integers.
  if (used * 1_000_000n < counter.limit * BigInt(Math.round(rule.softThreshold * 1_000_000))) return undefined;
  const percent = Number((used * 10_000n) / counter.limit) / 100;
  return `budget '${rule.name}' has used ${percent}% of ${picoToUsd(counter.limit)} this ${rule.period === 'fixed' ? 'window' : rule.period}`;
}
