// The Budgets page's run-out arithmetic (web/src/burn-down.ts), a pure function: the rate of the
// period so far, the date the budget runs out at that rate, or that it will not this period.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetRunOut, describeRunOut, formatUtcMinute } from '../../web/src/burn-down.js';

const start = new Date('2026-12-01T00:00:00Z');
const end = new Date('2027-01-01T00:00:00Z');
const month = { periodStart: start, periodEnd: end, reservedUsd: 0 };

describe('budget run-out', () => {
  it('$100 of $250 after 10 days runs out 15 days later, on Dec 26', () => {
    const verdict = budgetRunOut({ ...month, limitUsd: 250, spentUsd: 100 }, new Date('2026-12-11T00:00:00Z'));
    assert.equal(verdict.kind, 'runs-out');
    assert.ok(verdict.kind === 'runs-out');
    assert.equal(verdict.ratePerDay, 10);
    assert.equal(verdict.remainingUsd, 150);
    assert.equal(verdict.runsOutAt.toISOString(), '2026-12-26T00:00:00.000Z');
    assert.equal(describeRunOut(verdict), 'runs out on 2026-12-26 00:00 UTC at the current rate');
  });

  it('counts reservations in flight as used', () => {
    const verdict = budgetRunOut({ ...month, limitUsd: 250, spentUsd: 100, reservedUsd: 50 }, new Date('2026-12-11T00:00:00Z'));
    assert.ok(verdict.kind === 'runs-out');
    assert.equal(verdict.runsOutAt.toISOString(), '2026-12-21T00:00:00.000Z');
  });

  it('a slow rate does not run out before the period ends, and says what it would reach', () => {
    const verdict = budgetRunOut({ ...month, limitUsd: 250, spentUsd: 31, reservedUsd: 0 }, new Date('2026-12-11T00:00:00Z'));
    assert.equal(verdict.kind, 'will-not-run-out');
    assert.ok(verdict.kind === 'will-not-run-out');
    assert.ok(Math.abs(verdict.ratePerDay - 3.1) < 1e-9);
    assert.ok(Math.abs(verdict.projectedUsd - 96.1) < 1e-9);
    assert.equal(describeRunOut(verdict), 'will not run out this period at the current rate');
  });

  it('no spend, used up, and no period in force', () => {
    const now = new Date('2026-12-11T00:00:00Z');
    assert.equal(budgetRunOut({ ...month, limitUsd: 250, spentUsd: 0 }, now).kind, 'no-spend');
    assert.equal(budgetRunOut({ ...month, limitUsd: 250, spentUsd: 0 }, start).kind, 'no-spend', 'no time elapsed: no rate');
    assert.equal(budgetRunOut({ ...month, limitUsd: 250, spentUsd: 250 }, now).kind, 'exhausted');
    assert.equal(budgetRunOut({ ...month, limitUsd: 250, spentUsd: 200, reservedUsd: 60 }, now).kind, 'exhausted');
    assert.equal(budgetRunOut({ ...month, limitUsd: null, spentUsd: 0 }, now).kind, 'no-period');
    assert.equal(budgetRunOut({ limitUsd: 10, spentUsd: 0, reservedUsd: 0, periodStart: null, periodEnd: null }, now).kind, 'no-period');
  });

  it('a short fixed window: an hour in, 10% spent, runs out 9 hours later', () => {
    const windowStart = new Date('2026-12-05T08:00:00Z');
    const verdict = budgetRunOut(
      { limitUsd: 1, spentUsd: 0.1, reservedUsd: 0, periodStart: windowStart, periodEnd: new Date('2026-12-06T08:00:00Z') },
      new Date('2026-12-05T09:00:00Z'),
    );
    assert.ok(verdict.kind === 'runs-out');
    assert.equal(formatUtcMinute(verdict.runsOutAt), '2026-12-05 18:00 UTC');
  });
});
