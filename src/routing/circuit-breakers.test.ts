import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreakers, type BreakerTransition } from './circuit-breakers.js';

const settings = { failures: 3, failureRate: 0.5, window: 10, cooldownMs: 1000 };

describe('circuit breakers', () => {
  it('open after consecutive failures, let one probe through after the cool-down, close on success', () => {
    const transitions: BreakerTransition[] = [];
    const breakers = new CircuitBreakers((transition) => transitions.push(transition), () => 0);
    for (let index = 0; index < 2; index++) breakers.record('k', 'p', 'm', false, settings, 0);
    assert.equal(breakers.openUntil('k', 0), undefined);
    breakers.record('k', 'p', 'm', false, settings, 0);
    assert.equal(breakers.openUntil('k', 10), 1000);
    assert.deepEqual(transitions.map((t) => [t.state, t.cooldownMs]), [['open', 1000]]);
    assert.equal(breakers.openUntil('k', 1000), undefined, 'cool-down over: the probe may go');
    breakers.begin('k', 1000);
    assert.equal(breakers.stateOf('k'), 'half_open');
    assert.equal(breakers.openUntil('k', 1001), 1000, 'only one probe at a time');
    breakers.record('k', 'p', 'm', true, settings, 1002);
    assert.equal(breakers.stateOf('k'), 'closed');
    assert.deepEqual(transitions.map((t) => t.state), ['open', 'closed']);
  });

  it('a failed probe opens again; a released probe frees the slot', () => {
    const breakers = new CircuitBreakers(() => {}, () => 0);
    for (let index = 0; index < 3; index++) breakers.record('k', 'p', 'm', false, settings, 0);
    breakers.begin('k', 2000);
    breakers.release('k');
    assert.equal(breakers.openUntil('k', 2000), undefined);
    breakers.begin('k', 2000);
    breakers.record('k', 'p', 'm', false, settings, 2000);
    assert.equal(breakers.stateOf('k'), 'open');
    assert.equal(breakers.openUntil('k', 2500), 3000);
  });

  it('opens on the failure rate over a full window', () => {
    const breakers = new CircuitBreakers(() => {}, () => 0);
    for (let index = 0; index < 10; index++) breakers.record('k', 'p', 'm', index % 2 === 0, settings, 0);
    assert.equal(breakers.stateOf('k'), 'open');
  });

  it("applies another instance's shared rows, and skips its own", () => {
    const breakers = new CircuitBreakers(() => {}, () => 0);
    const row = { providerId: 'p', vendorModelId: 'm', state: 'open' as const, openUntil: new Date(5000), reason: null, changedBy: 'other', changedAt: new Date(1) };
    breakers.applyShared([{ ...row, changedBy: 'me' }], 0, 'me');
    assert.equal(breakers.stateOf('p/m'), 'closed');
    breakers.applyShared([row], 0, 'me');
    assert.equal(breakers.openUntil('p/m', 100), 5000);
    breakers.applyShared([{ ...row, state: 'closed', openUntil: null, changedAt: new Date(2) }], 100, 'me');
    assert.equal(breakers.stateOf('p/m'), 'closed');
  });
});
