// An empty answer falls back to a target that accepts `empty`, but does not count against the
// target's circuit breaker: a client can cause one at will (a stop sequence that matches at once,
// a prompt asking for nothing), and breakers are shared by every route, project and instance, so
// counting them let one tenant move everyone's traffic off a model. Real gateway, real database,
// strict vendor mocks (the OpenAI mock cuts its answer at a stop sequence, as the API does).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { attemptRows, chat, createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

describe('empty answers on a route', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    const accepts = ['connection', 'timeout', 'server_error', 'overloaded', 'empty'];
    await createRoute(world.db, 'ab-empty', { 'model-a': [1, 0], 'model-b': [1, 1, accepts] }, { sticky_key: 'none' });
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });

  it('fall back to a target that accepts them, and leave the breakers closed however many a client asks for', async () => {
    const requestId = randomUUID();
    const first = await chat(gw.origin, world.apiKey, { model: 'ab-empty', stop: ['Echo'] }, { 'x-request-id': requestId });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-switchboard-attempts'), '2', 'the empty answer fell back');
    const rows = await attemptRows(gw, world.db, requestId);
    assert.deepEqual(rows.map((row) => [row.attempt, row.model_name, row.status]), [[1, 'model-a', 200], [2, 'model-b', 200]]);

    for (let i = 0; i < 12; i++) {
      const empty = await chat(gw.origin, world.apiKey, { model: 'ab-empty', stop: ['Echo'] });
      assert.equal(empty.status, 200);
    }
    const normal = await chat(gw.origin, world.apiKey, { model: 'ab-empty' });
    assert.equal(normal.status, 200);
    assert.equal(normal.headers.get('x-switchboard-target'), 'model-a', 'the primary still serves: its breaker is closed');
    assert.equal(normal.headers.get('x-switchboard-attempts'), '1');
  });
});
