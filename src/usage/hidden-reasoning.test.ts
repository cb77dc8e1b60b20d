import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { errors as undiciErrors } from 'undici';
import { Cancel } from '../cancel.js';
import { ProviderError, SwitchboardError } from '../errors.js';
import type { ModelEntry, ProviderEntry } from '../registry/provider-registry.js';
import { decodeRate, DEFAULT_TOKENS_PER_SECOND, failedCallCharge, hiddenReasoningTokens, RATE_MIN_MS, RATE_MIN_TOKENS } from './hidden-reasoning.js';
import { responseTooLarge } from '../providers/shared/upstream-limits.js';
import { UsageAttempt } from './usage-attempt.js';

describe('hidden reasoning of a stream without usage', () => {
  test('nothing visible: the time before the cut at the default rate', () => {
    assert.equal(hiddenReasoningTokens({ thinkMs: 2500, visibleTokens: 0, visibleMs: 0, waitedMs: 0, bound: 100_000 }), 2.5 * DEFAULT_TOKENS_PER_SECOND);
    assert.equal(hiddenReasoningTokens({ thinkMs: 0, visibleTokens: 0, visibleMs: 0, waitedMs: 0, bound: 100_000 }), 0);
  });

  test("enough visible output: the stream's own rate", () => {
    // 400 tokens in 2 s (the gateway waited on the vendor all along) = 200 tokens/s; 3 s of thinking.
    assert.equal(decodeRate({ visibleTokens: 400, visibleMs: 2000, waitedMs: 1900 }), 200);
    assert.equal(hiddenReasoningTokens({ thinkMs: 3000, visibleTokens: 400, visibleMs: 2000, waitedMs: 1900, bound: 100_000 }), 600);
    // A slow model measured as it is (the gateway kept up): 40 tokens/s.
    assert.equal(decodeRate({ visibleTokens: 80, visibleMs: 2000, waitedMs: 2000 }), 40);
  });

  test('too little to measure: the default rate', () => {
    assert.equal(decodeRate({ visibleTokens: RATE_MIN_TOKENS - 1, visibleMs: 10_000, waitedMs: 10_000 }), DEFAULT_TOKENS_PER_SECOND);
    assert.equal(decodeRate({ visibleTokens: 5000, visibleMs: RATE_MIN_MS - 1, waitedMs: RATE_MIN_MS - 1 }), DEFAULT_TOKENS_PER_SECOND);
  });

  test('a client reading slowly (the gateway hardly waited on the vendor) cannot lower the rate below the default', () => {
    // 100 tokens over 20 s of slow reading would be 5 tokens/s.
    assert.equal(decodeRate({ visibleTokens: 100, visibleMs: 20_000, waitedMs: 300 }), DEFAULT_TOKENS_PER_SECOND);
    // A fast vendor stays measured.
    assert.equal(decodeRate({ visibleTokens: 4000, visibleMs: 10_000, waitedMs: 300 }), 400);
  });

  test('within the output bound less the visible output', () => {
    assert.equal(hiddenReasoningTokens({ thinkMs: 60_000, visibleTokens: 0, visibleMs: 0, waitedMs: 0, bound: 1000 }), 1000);
    assert.equal(hiddenReasoningTokens({ thinkMs: 60_000, visibleTokens: 300, visibleMs: 3000, waitedMs: 3000, bound: 1000 }), 700);
    assert.equal(hiddenReasoningTokens({ thinkMs: 60_000, visibleTokens: 1200, visibleMs: 3000, waitedMs: 3000, bound: 1000 }), 0);
  });
});

describe('what a call that failed before its answer generated unseen', () => {
  const attemptOf = (streamed: boolean, signal?: Cancel): UsageAttempt =>
    new UsageAttempt({ requestId: 'r', projectId: null, apiKeyId: null, receivedAt: undefined, signal }, 'm', 'chat', streamed, {} as ModelEntry, {} as ProviderEntry, () => {});
  const timedOut = new ProviderError('provider_timeout', 'timed out', { provider: 'p', status: 504, cause: new undiciErrors.HeadersTimeoutError() });
  const unreachable = new ProviderError('provider_timeout', 'timed out', { provider: 'p', status: 504, cause: new undiciErrors.ConnectTimeoutError() });
  const vendors504 = new ProviderError('provider_timeout', 'HTTP 504', { provider: 'p', upstreamStatus: 504 });
  const deadline = new SwitchboardError('provider_timeout', "route 'r' reached its deadline", { status: 504 });
  const refused = new ProviderError('provider_unavailable', 'refused', { provider: 'p' });
  const reasoningBounds = { reasoning: (): number => 1, output: (): number => 1, choices: 1 };
  const plainBounds = { reasoning: (): undefined => undefined, output: (): number => 1, choices: 1 };
  const aborted = (): Cancel => {
    const cancel = new Cancel();
    cancel.abort();
    return cancel;
  };

  test("a client's abort (any call), the gateway's timeout or a route's deadline (a non-streamed call): a reasoning call's time until the end, as reasoning", async () => {
    for (const [attempt, error] of [
      [attemptOf(false, aborted()), new Error('aborted')],
      [attemptOf(true, aborted()), new Error('aborted')],
      [attemptOf(false), timedOut],
      [attemptOf(false), deadline],
    ] as const) {
      const charge = failedCallCharge(attempt, error, reasoningBounds);
      assert.ok(charge.hidden !== undefined && charge.unseen === undefined);
      await sleep(20);
      attempt.end({ status: 499, errorCode: null, incomplete: true, usage: undefined, estimate: undefined });
      // 20 ms at the default rate is 2 tokens: the bound (1) holds.
      assert.equal(charge.hidden(0), 1);
    }
  });

  test('a non-streamed call of a row that does not reason: the time until the end, as output, n choices at once', async () => {
    for (const error of [new Error('aborted'), timedOut]) {
      const attempt = attemptOf(false, error === timedOut ? undefined : aborted());
      const charge = failedCallCharge(attempt, error, { reasoning: () => undefined, output: () => 1_000_000, choices: 3 });
      assert.ok(charge.unseen !== undefined && charge.hidden === undefined);
      await sleep(50);
      attempt.end({ status: 499, errorCode: null, incomplete: true, usage: undefined, estimate: undefined });
      const tokens = charge.unseen();
      // At least 50 ms × 100 tokens/s × 3 choices; the timer may run late, not early.
      assert.ok(tokens >= 15 && tokens <= 3 * 1_000_000, `${tokens}`);
      assert.equal(tokens % 3, 0, 'each choice decodes alike');
    }
    // A stream shows its output as it goes: nothing unseen is added to it.
    assert.deepEqual(failedCallCharge(attemptOf(true, aborted()), new Error('aborted'), plainBounds), {});
  });

  test('a successful answer cut at the size limit: the whole output bound, n choices, whatever the time', () => {
    const cut = responseTooLarge('p', 1024, 200);
    for (const streamed of [false, true]) {
      const charge = failedCallCharge(attemptOf(streamed), cut, { reasoning: () => 7, output: () => 4000, choices: 2 });
      assert.equal(charge.unseen?.(), 8000);
    }
    // An error body over the limit (a 500) is no answer: nothing.
    assert.deepEqual(failedCallCharge(attemptOf(false), responseTooLarge('p', 1024, 500), plainBounds), {});
  });

  test("not a connect timeout, a vendor's own 504, another failure, nor a stream's timeout; the bounds are read only when charged", () => {
    let read = 0;
    const counted = { reasoning: (): number => (read += 1), output: (): number => (read += 1), choices: 1 };
    for (const [attempt, error] of [
      [attemptOf(false), unreachable],
      [attemptOf(false), vendors504],
      [attemptOf(false), refused],
      [attemptOf(true), timedOut],
    ] as const) {
      assert.deepEqual(failedCallCharge(attempt, error, counted), {});
    }
    assert.equal(read, 0);
  });
});
