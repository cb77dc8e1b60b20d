/**
 * Budget run-out arithmetic, kept pure (no DOM, no clock) so the unit test and the page agree:
 * the current rate is the spend settled so far divided by the time elapsed in the period, and the
 * budget runs out when what is left (limit − spent − reserved) is used up at that rate.
 */

export interface BudgetNumbers {
  /** USD; null when no period is in force (a fixed window not started or over). */
  limitUsd: number | null;
  spentUsd: number;
  /** Held by calls in flight; counted as used when computing what is left. */
  reservedUsd: number;
  periodStart: Date | null;
  periodEnd: Date | null;
}

export type RunOutVerdict =
  | { kind: 'no-period' }
  | { kind: 'exhausted'; ratePerDay: number | null }
  | { kind: 'no-spend' }
  | { kind: 'runs-out'; ratePerDay: number; runsOutAt: Date; remainingUsd: number }
  | { kind: 'will-not-run-out'; ratePerDay: number; projectedUsd: number; remainingUsd: number };

const DAY_MS = 86_400_000;

/** When the budget runs out at the rate of the period so far, or that it will not this period. */
export function budgetRunOut(budget: BudgetNumbers, now: Date): RunOutVerdict {
  const { limitUsd, spentUsd, reservedUsd, periodStart, periodEnd } = budget;
  if (limitUsd === null || periodStart === null || periodEnd === null) return { kind: 'no-period' };
  const elapsedMs = Math.max(0, Math.min(now.getTime(), periodEnd.getTime()) - periodStart.getTime());
  const ratePerDay = elapsedMs > 0 ? (spentUsd / elapsedMs) * DAY_MS : null;
  const remainingUsd = limitUsd - spentUsd - reservedUsd;
  if (remainingUsd <= 0) return { kind: 'exhausted', ratePerDay };
  if (ratePerDay === null || ratePerDay <= 0) return { kind: 'no-spend' };
  const runsOutAt = new Date(now.getTime() + (remainingUsd / ratePerDay) * DAY_MS);
  if (runsOutAt.getTime() < periodEnd.getTime()) return { kind: 'runs-out', ratePerDay, runsOutAt, remainingUsd };
  const leftMs = Math.max(0, periodEnd.getTime() - now.getTime());
  return { kind: 'will-not-run-out', ratePerDay, projectedUsd: spentUsd + reservedUsd + (ratePerDay * leftMs) / DAY_MS, remainingUsd };
}

/** `2026-12-19 14:05 UTC`: budget periods are UTC, so the date is too. */
export function formatUtcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The sentence the Budgets page shows for a verdict. */
export function describeRunOut(verdict: RunOutVerdict): string {
  switch (verdict.kind) {
    case 'no-period':
      return 'no period in force now';
    case 'exhausted':
      return 'used up for this period';
    case 'no-spend':
      return 'no spend yet this period: will not run out at the current rate';
    case 'runs-out':
      return `runs out on ${formatUtcMinute(verdict.runsOutAt)} at the current rate`;
    case 'will-not-run-out':
      return 'will not run out this period at the current rate';
  }
}
