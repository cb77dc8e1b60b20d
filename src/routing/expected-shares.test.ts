// Found by an attack review: the comparison's expected shares count targets that can never be picked (model missing,
// inactive or unavailable), unlike the selection and `explain` ("share among targets that can be
// called"), so a route with one deactivated model in its first tier reports a sample-ratio
// MISMATCH forever while its split is exactly what the runner does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleRatioCheck } from './chi-square.js';
import { expectedShares } from './compare-arms.js';
import type { RouteEntry, RouteTarget } from './route-table.js';

function target(arm: string, tier: number, weight: number, callable: boolean): RouteTarget {
  return {
    id: `${arm}-id`, modelId: `${arm}-model`, modelName: arm, weight, tier, arm, accepts: new Set(),
    resolved: callable ? ({} as RouteTarget['resolved']) : undefined,
    reason: callable ? undefined : 'the model is inactive',
    breakerKey: `p/${arm}`,
  };
}

const route = (targets: RouteTarget[]): RouteEntry => ({
  id: 'r', name: 'r', projectId: null, stickyKey: 'none', maxAttempts: 3, deadlineMs: 60_000, retriesPerTarget: 0, maxRetryWaitMs: 2000,
  breaker: { failures: 5, failureRate: 0.5, window: 20, cooldownMs: 30_000 }, version: 1, isActive: true, description: null, targets, salt: 'r',
});

describe('expected shares', () => {
  it('leave out a first-tier target whose model cannot be called', () => {
    const shares = expectedShares(route([target('control', 0, 50, true), target('candidate', 0, 50, false), target('fallback', 1, 1, true)]));
    assert.equal(shares.get('control'), 1, JSON.stringify([...shares]));
    // 1,000 requests, all on control (the only callable arm): no mismatch.
    const check = sampleRatioCheck([1000, 0], [shares.get('control') ?? 0, shares.get('candidate') ?? 0]);
    assert.ok(check === null || !check.mismatch, JSON.stringify(check));
  });

  it('use the tier the runner serves from when no first-tier target can be called', () => {
    const shares = expectedShares(route([target('old', 0, 1, false), target('fallback', 1, 1, true)]));
    assert.equal(shares.get('fallback'), 1, JSON.stringify([...shares]));
  });
});
