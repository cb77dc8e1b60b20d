/**
 * A ledger attempt outside any recorder, for tests of what ends it (observeStream, observeNative):
 * its outcomes are collected, and `ended` sums up the one it must end with.
 *
 * @module
 */
import assert from 'node:assert/strict';
import type { ModelEntry, ProviderEntry } from '../../src/registry/provider-registry.js';
import { UsageAttempt, type AttemptOutcome, type UsageEndpoint } from '../../src/usage/usage-attempt.js';

export function recordingAttempt(endpoint: UsageEndpoint): { attempt: UsageAttempt; outcomes: AttemptOutcome[] } {
  const outcomes: AttemptOutcome[] = [];
  const caller = { requestId: 'r', projectId: null, apiKeyId: null, receivedAt: undefined, signal: undefined };
  const attempt = new UsageAttempt(caller, 'm', endpoint, true, {} as ModelEntry, {} as ProviderEntry, (_attempt, outcome) => outcomes.push(outcome));
  return { attempt, outcomes };
}

/** The one outcome the attempt ended with (asserted), and what the ledger row takes from it and the attempt. */
export function ended(attempt: UsageAttempt, outcomes: readonly AttemptOutcome[]) {
  assert.equal(outcomes.length, 1, 'the attempt ends once');
  const [outcome] = outcomes as [AttemptOutcome];
  return {
    outcome,
    summary: {
      status: outcome.status,
      errorCode: outcome.errorCode,
      incomplete: outcome.incomplete,
      usage: outcome.usage,
      firstToken: attempt.firstTokenAt !== undefined && attempt.firstTokenAt >= attempt.began,
      waited: attempt.upstreamMs > 0,
    },
  };
}
