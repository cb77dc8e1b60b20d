// Found by an attack review: retry-table edge cases of the runner. Real gateway, real database, strict mocks.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { attemptRows, chat, createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

const contextLength = {
  status: 400,
  body: { error: { message: "This model's maximum context length is 8 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } },
};

describe('the runner', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    // A long-context fallback, and a second pass over the list for transient failures.
    await createRoute(world.db, 'ctx', { 'model-a': [1, 0], 'model-b': [1, 1, ['context_length']] }, { retries_per_target: 3, max_attempts: 10, sticky_key: 'none' });
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });
  beforeEach(() => {
    world.a.requests.length = 0;
    world.b.requests.length = 0;
    world.b.failAlways(undefined);
  });

  it('a context-length 400 from the only target that accepts it is not re-sent on every retry pass', async () => {
    world.a.failNext(contextLength);
    world.b.failAlways(contextLength);
    const requestId = randomUUID();
    const answer = await chat(gw.origin, world.apiKey, { model: 'ctx' }, { 'x-request-id': requestId });
    const rows = await attemptRows(gw, world.db, requestId);
    assert.equal(answer.status, 400, JSON.stringify(answer.json));
    assert.deepEqual(
      rows.map((row) => [row.model_name, row.status]),
      [['model-a', 400], ['model-b', 400]],
      `a deterministic 400 was sent ${world.b.requests.length} times to model-b`,
    );
  });
});
