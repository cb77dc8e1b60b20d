// The lightweight cancellation (controller and signal in one object): it behaves as
// AbortController/AbortSignal do where Switchboard and Node's `{ signal }` options use them.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Cancel, neverCancelled } from './cancel.js';

describe('Cancel', () => {
  test('aborts once, with the reason given or an AbortError, and says so', () => {
    const given = new Cancel();
    assert.equal(given.signal, given);
    assert.equal(given.aborted, false);
    assert.doesNotThrow(() => given.throwIfAborted());
    const reason = new Error('gone');
    given.abort(reason);
    given.abort(new Error('later'));
    assert.equal(given.aborted, true);
    assert.equal(given.reason, reason);
    assert.throws(() => given.throwIfAborted(), reason);

    const plain = new Cancel();
    plain.abort();
    assert.ok(plain.reason instanceof DOMException);
    assert.equal((plain.reason as DOMException).name, 'AbortError');
  });

  test('listeners run once on abort; removed ones and ones added after it do not', () => {
    const cancel = new Cancel();
    const calls: string[] = [];
    const first = (): void => void calls.push('first');
    const removed = (): void => void calls.push('removed');
    cancel.addEventListener('abort', first);
    cancel.addEventListener('abort', first);
    cancel.addEventListener('abort', removed, { once: true });
    cancel.addEventListener('abort', () => calls.push('second'));
    cancel.removeEventListener('abort', removed);
    cancel.abort();
    cancel.abort();
    cancel.addEventListener('abort', () => calls.push('late'));
    assert.deepEqual(calls, ['first', 'second']);
  });

  test('a throwing listener neither stops the others nor the caller; its error surfaces as uncaught', async () => {
    const cancel = new Cancel();
    const failure = new Error('listener failed');
    // The test runner's own handler would fail the test on it: set aside while this one catches it.
    const runner = process.rawListeners('uncaughtException') as ((error: Error) => void)[];
    process.removeAllListeners('uncaughtException');
    const uncaught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve)).finally(() => {
      for (const listener of runner) process.on('uncaughtException', listener);
    });
    let after = false;
    cancel.addEventListener('abort', () => {
      throw failure;
    });
    cancel.addEventListener('abort', () => (after = true));
    assert.doesNotThrow(() => cancel.abort());
    assert.equal(after, true);
    assert.equal(await uncaught, failure);
  });

  test("Node's { signal } options take it: events.once and timers/promises reject when it aborts", async () => {
    const forEvent = new Cancel();
    const waiting = once(new EventEmitter(), 'never', { signal: forEvent as unknown as AbortSignal });
    forEvent.abort();
    await assert.rejects(waiting, { name: 'AbortError' });

    const forTimer = new Cancel();
    const sleeping = delay(60_000, undefined, { signal: forTimer as unknown as AbortSignal });
    forTimer.abort(new Error('stop'));
    await assert.rejects(sleeping, { name: 'AbortError' });
  });

  test('neverCancelled never aborts and keeps no listener', () => {
    neverCancelled.addEventListener('abort', () => assert.fail('ran'));
    assert.equal(neverCancelled.aborted, false);
    assert.doesNotThrow(() => neverCancelled.throwIfAborted());
  });
});
