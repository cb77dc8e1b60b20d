// Found by an attack review: a half-open breaker's probe is "closed" by an attempt that never reached the target. The
// runner claims the probe (breakers.begin) before the service's own checks (model features, access,
// rate limits, budgets) run, and records every non-breaker failure as a success, so a request that
// fails the gateway's own validation on that target closes the breaker on every instance while the
// target is still down: traffic of every project goes back to it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chat, createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

describe('half-open probe', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    // model-b does not take tools (a model row's features).
    await world.db.query(`update ai_models set features = '{"tools": false}'::jsonb where name = 'model-b'`);
    await createRoute(world.db, 'probe', { 'model-b': [1, 0], 'model-a': [1, 1] }, { breaker_failures: 2, breaker_cooldown_ms: 200, sticky_key: 'none' });
    gw = await startInstance(world);
  });
  after(async () => {
    world.b.failAlways(undefined);
    await gw?.close();
    await world?.close();
  });

  it('an attempt refused by the gateway before any upstream call does not close the breaker', async () => {
    world.b.failAlways({ status: 500 });
    for (let i = 0; i < 2; i++) {
      const answer = await chat(gw.origin, world.apiKey, { model: 'probe' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-switchboard-target'), 'model-a');
    }
    const router = gw.switchboard.service.router;
    assert.ok(router);
    const key = [...router.breakers.status()].find((breaker) => breaker.vendorModelId === 'gpt-4o')?.key ?? '';
    assert.equal(router.breakers.stateOf(key), 'open', 'two 500s opened it');
    await new Promise((resolve) => setTimeout(resolve, 400)); // the cool-down (200 ms + ≤ 20%) is over: one probe may go

    const callsBefore = world.b.requests.length;
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
    const refused = await chat(gw.origin, world.apiKey, { model: 'probe', tools });
    assert.equal(world.b.requests.length, callsBefore, 'the "probe" never reached model-b');
    assert.notEqual(
      router.breakers.stateOf(key),
      'closed',
      `a request the gateway refused itself (${refused.status} ${JSON.stringify(refused.json['error'])}) closed the breaker of a target that is still down`,
    );
  });
});
