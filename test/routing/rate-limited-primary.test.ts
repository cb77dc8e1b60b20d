// Found by an attack review: a primary that keeps answering 429 with a short retry-after (OpenAI's `retry-after-ms`
// is often tens of milliseconds) is retried until max_attempts runs out: the healthy fallback is
// never tried and the client gets the 429. Real gateway, real database, strict mocks.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { attemptRows, chat, createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

describe('persistent 429 with a short retry-after', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'rl', { 'model-a': [1, 0], 'model-b': [1, 1] }); // defaults: max_attempts 3, max_retry_wait_ms 2000
    gw = await startInstance(world);
  });
  after(async () => {
    world.a.failAlways(undefined);
    await gw?.close();
    await world?.close();
  });

  it('falls back to the healthy tier-1 target instead of spending every attempt on the rate-limited one', async () => {
    world.a.failAlways({ status: 429, headers: { 'retry-after-ms': '20' } });
    const requestId = randomUUID();
    const answer = await chat(gw.origin, world.apiKey, { model: 'rl' }, { 'x-request-id': requestId });
    const rows = await attemptRows(gw, world.db, requestId);
    assert.equal(
      answer.status,
      200,
      `answered ${answer.status}; attempts ${JSON.stringify(rows.map((row) => [row.model_name, row.status]))}; model-b was called ${world.b.requests.length} times`,
    );
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-b');
  });
});
