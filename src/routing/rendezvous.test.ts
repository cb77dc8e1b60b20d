import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rendezvousScore, stickyUnit, unitHash } from './rendezvous.js';

const pick = (key: string, weights: Record<string, number>): string => {
  let best = '';
  let bestScore = Number.POSITIVE_INFINITY;
  for (const [target, weight] of Object.entries(weights)) {
    const score = rendezvousScore(stickyUnit('salt', key, target), weight);
    if (score < bestScore) [best, bestScore] = [target, score];
  }
  return best;
};

describe('weighted rendezvous hashing', () => {
  it('hashes into (0, 1), deterministically', () => {
    for (const text of ['', 'a', 'user-1', 'x'.repeat(1000)]) {
      const u = unitHash(text);
      assert.ok(u > 0 && u < 1);
      assert.equal(unitHash(text), u);
    }
  });

  it('gives each target its weight share, and raising one weight moves keys only into it', () => {
    const keys = Array.from({ length: 20_000 }, (_, index) => `k${index}`);
    const before = keys.map((key) => pick(key, { a: 70, b: 20, c: 10 }));
    const share = (picks: string[], target: string) => picks.filter((value) => value === target).length / picks.length;
    assert.ok(Math.abs(share(before, 'a') - 0.7) < 0.015 && Math.abs(share(before, 'c') - 0.1) < 0.01);
    const after = keys.map((key) => pick(key, { a: 70, b: 20, c: 30 }));
    for (let index = 0; index < keys.length; index++) {
      if (after[index] !== before[index]) assert.equal(after[index], 'c');
    }
    assert.ok(Math.abs(share(after, 'c') - 0.25) < 0.015);
  });
});
