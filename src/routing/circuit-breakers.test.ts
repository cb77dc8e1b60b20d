import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreakers, OTHERS_RECENT_MS, type BreakerTransition } from './circuit-breakers.js';

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

  it("one project's failures while another project calls the target: a cool-down for that project alone", () => {
    const transitions: BreakerTransition[] = [];
    const breakers = new CircuitBreakers((transition) => transitions.push(transition), () => 0);
    breakers.record('k', 'p', 'm', true, settings, 0, 'honest');
    for (let index = 0; index < 3; index++) breakers.record('k', 'p', 'm', false, settings, 10, 'noisy');
    assert.equal(breakers.stateOf('k'), 'closed');
    assert.deepEqual(transitions, [], 'nothing shared with the other instances');
    assert.equal(breakers.openUntil('k', 20, 'honest'), undefined, 'the other project still calls it');
    assert.equal(breakers.openUntil('k', 20), undefined, 'the shared breaker is closed');
    assert.equal(breakers.openUntil('k', 20, 'noisy'), 1010, 'the failing project skips it for a cool-down');
    assert.equal(breakers.openUntil('k', 1010, 'noisy'), undefined, 'until the cool-down ends');
    const [status] = breakers.status(20);
    assert.deepEqual(status?.projectsOpen, [{ projectId: 'noisy', until: new Date(1010) }]);
    assert.equal(status?.consecutiveFailures, 0, "the project's count starts again with its cool-down");
  });

  it('a second project tripping during the first one\'s cool-down opens the breaker for everyone', () => {
    const transitions: BreakerTransition[] = [];
    const breakers = new CircuitBreakers((transition) => transitions.push(transition), () => 0);
    breakers.record('k', 'p', 'm', true, settings, 0, 'b');
    for (let index = 0; index < 3; index++) breakers.record('k', 'p', 'm', false, settings, 10, 'a');
    for (let index = 0; index < 2; index++) breakers.record('k', 'p', 'm', false, settings, 20, 'b');
    assert.equal(breakers.stateOf('k'), 'closed', 'two failures of b are below the threshold');
    breakers.record('k', 'p', 'm', false, settings, 30, 'b');
    assert.equal(breakers.stateOf('k'), 'open');
    assert.equal(breakers.openUntil('k', 40, 'c'), 1030, 'every project skips it now');
    assert.deepEqual(transitions.map((t) => [t.state, t.reason]), [['open', '3 consecutive failures (a second project)']]);
    breakers.begin('k', 1030);
    breakers.record('k', 'p', 'm', true, settings, 1031, 'c');
    assert.equal(breakers.stateOf('k'), 'closed');
    assert.equal(breakers.openUntil('k', 1032, 'a'), undefined, 'closing ends the projects\' own cool-downs too');
  });

  it('a project whose calls are the only ones trips the breaker for everyone, as do calls without a project', () => {
    const breakers = new CircuitBreakers(() => {}, () => 0);
    const later = 10 + OTHERS_RECENT_MS + 1;
    breakers.record('k', 'p', 'm', true, settings, 10, 'gone');
    for (let index = 0; index < 3; index++) breakers.record('k', 'p', 'm', false, settings, later, 'only');
    assert.equal(breakers.stateOf('k'), 'open', 'the other project called it longer ago than OTHERS_RECENT_MS');
    const unowned = new CircuitBreakers(() => {}, () => 0);
    for (let index = 0; index < 3; index++) unowned.record('k', 'p', 'm', false, settings, 0, null);
    assert.equal(unowned.openUntil('k', 1), 1000);
  });

  it("a project's call that succeeds during its own cool-down ends it", () => {
    const breakers = new CircuitBreakers(() => {}, () => 0);
    breakers.record('k', 'p', 'm', true, settings, 0, 'b');
    for (let index = 0; index < 3; index++) breakers.record('k', 'p', 'm', false, settings, 0, 'a');
    assert.equal(breakers.openUntil('k', 5, 'a'), 1000);
    breakers.record('k', 'p', 'm', true, settings, 6, 'a');
    assert.equal(breakers.openUntil('k', 7, 'a'), undefined);
  });

  it('forgets projects idle for longer than OTHERS_RECENT_MS once it holds many', () => {
    const breakers = new CircuitBreakers(() => {}, () => 0);
    for (let index = 0; index < 64; index++) breakers.record('k', 'p', 'm', false, settings, 0, `old-${index}`);
    const later = OTHERS_RECENT_MS + 1;
    breakers.record('k', 'p', 'm', true, settings, later, 'new');
    assert.equal(breakers.status(later)[0]?.windowSize, 1, 'only the new project is left');
    for (let index = 0; index < 3; index++) breakers.record('k', 'p', 'm', false, settings, later, 'new');
    assert.equal(breakers.stateOf('k'), 'open', 'no other project called it lately');
  });
});
