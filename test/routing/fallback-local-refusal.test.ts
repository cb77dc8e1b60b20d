// Found in review: a fallback target that the gateway's own checks refuse (here: its model row takes
// no tools) answered the client a 400 naming that fallback's model, a model the client never asked
// for, and hid the primary's failure (a retryable 500). A fallback the request does not fit is not
// a candidate: the runner goes on to the next one, and when none is left the client gets the
// failure that led to the fallback. Real gateway, real database, strict vendor mocks.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { attemptRows, chat, createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];

describe('a fallback target that the gateway refuses locally', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    // model-b does not take tools (a model row's features): a request with tools is refused before any call.
    await world.db.query(`update ai_models set features = '{"tools": false}'::jsonb where name = 'model-b'`);
    await createRoute(world.db, 'local-two', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
    await createRoute(world.db, 'local-three', { 'model-a': [1, 0], 'model-b': [1, 1], 'model-claude': [1, 2] }, { sticky_key: 'none' });
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });
  beforeEach(() => {
    world.b.requests.length = 0;
  });

  it("is skipped: the client gets the primary's failure, naming what it asked for, not the fallback's model", async () => {
    world.a.failNext({ status: 500 });
    const requestId = randomUUID();
    const answer = await chat(gw.origin, world.apiKey, { model: 'local-two', tools }, { 'x-request-id': requestId });
    const error = answer.json['error'] as { message: string; code: string };
    assert.equal(answer.status, 500, JSON.stringify(error));
    assert.equal(error.code, 'provider_error');
    assert.doesNotMatch(error.message, /model-b/, 'the message names a model the client never asked for');
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-a');
    assert.equal(answer.headers.get('x-switchboard-attempts'), '1');
    assert.equal(world.b.requests.length, 0);
    const rows = await attemptRows(gw, world.db, requestId);
    assert.deepEqual(rows.map((row) => [row.attempt, row.model_name, row.status]), [[1, 'model-a', 500]]);
  });

  it('is skipped for the next candidate, which serves', async () => {
    world.a.failNext({ status: 500 });
    const requestId = randomUUID();
    const answer = await chat(gw.origin, world.apiKey, { model: 'local-three', tools }, { 'x-request-id': requestId });
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-claude');
    assert.equal(answer.headers.get('x-switchboard-attempts'), '2');
    const rows = await attemptRows(gw, world.db, requestId);
    assert.deepEqual(rows.map((row) => [row.attempt, row.model_name, row.status, row.fallback]), [[1, 'model-a', 500, false], [2, 'model-claude', 200, true]]);
  });
});
