import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RulesFollower } from './rules-follower.js';

/** A governor whose reloads fail `failures` times, then load `version()`. */
function fakeGovernor(version: () => number, failures: number) {
  const state = { rulesVersion: undefined as number | undefined, reloads: 0, failures };
  return Object.assign(state, {
    reload(): Promise<void> {
      state.reloads += 1;
      if (state.failures > 0) state.failures -= 1;
      else state.rulesVersion = version();
      return Promise.resolve();
    },
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('RulesFollower', () => {
  test('retries a failed reload with backoff until the rules reach the version, then stops', async () => {
    const governor = fakeGovernor(() => 7, 3);
    governor.rulesVersion = 5;
    const follower = new RulesFollower(governor, { firstRetryMs: 10, maxRetryMs: 40 });
    follower.changed(7);
    assert.equal(follower.behind, true);
    // Reloads at 0, then retries after 10, 20 and 40 ms.
    await sleep(300);
    assert.equal(governor.rulesVersion, 7);
    assert.equal(governor.reloads, 4);
    assert.equal(follower.behind, false);
    await sleep(60);
    assert.equal(governor.reloads, 4, 'no reload once the rules are current');
    follower.close();
  });

  test('expect() reloads only when the rules are behind; close() cancels a retry', async () => {
    const governor = fakeGovernor(() => 3, 1);
    governor.rulesVersion = 3;
    const follower = new RulesFollower(governor, { firstRetryMs: 10 });
    follower.expect(3);
    await sleep(30);
    assert.equal(governor.reloads, 0);
    follower.expect(4);
    follower.close();
    await sleep(30);
    assert.equal(governor.reloads, 0);
  });
});
