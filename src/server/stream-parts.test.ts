import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { drained } from './stream-parts.js';

/** A response's events and destroy(), as drained() uses them. */
class FakeResponse extends EventEmitter {
  destroyed = false;
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

test('drained resolves on drain, and on close, without destroying anything', async () => {
  for (const event of ['drain', 'close']) {
    const response = new FakeResponse();
    const waiting = drained(response as never, 10_000);
    response.emit(event);
    await waiting;
    assert.equal(response.destroyed, false, event);
    assert.equal(response.listenerCount('drain') + response.listenerCount('close'), 0, 'its listeners are gone');
  }
});

test('a client that reads nothing for the stall time has its connection destroyed', async () => {
  const response = new FakeResponse();
  const started = performance.now();
  await drained(response as never, 50);
  assert.equal(response.destroyed, true);
  assert.ok(performance.now() - started >= 45);
  assert.equal(response.listenerCount('drain') + response.listenerCount('close'), 0);
});
