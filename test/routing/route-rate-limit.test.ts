// Issue 11, fallbacks and rate limits: one client request is one request against its
// requests-per-minute limit however many attempts it took (a fallback is not a second request),
// while every attempt is still a ledger row. Real gateway, real database, strict vendor mocks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chat, createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

describe('a routed request counts once against requests per minute', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'rpm-ab', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
    await world.db.query(
      `insert into ai_rate_limits (name, project_id, model_name, requests_per_minute) values ('rpm-ab-limit', $1, 'rpm-ab', 2)`,
      [world.projectId],
    );
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });

  it('a request served by the fallback uses one of 2 requests per minute: the second request is admitted, the third refused', async () => {
    // The limit's window is the aligned UTC minute: start well inside one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));

    world.a.failNext({ status: 500 });
    const first = await chat(gw.origin, world.apiKey, { model: 'rpm-ab' });
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.headers.get('x-switchboard-attempts'), '2', 'the primary failed, the fallback served');
    assert.equal(first.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '1', 'the fallback attempt did not take a second request');

    const second = await chat(gw.origin, world.apiKey, { model: 'rpm-ab' });
    assert.equal(second.status, 200, JSON.stringify(second.json));
    assert.equal(second.headers.get('x-ratelimit-remaining-requests'), '0');

    const third = await chat(gw.origin, world.apiKey, { model: 'rpm-ab' });
    assert.equal(third.status, 429);
    assert.equal((third.json['error'] as Record<string, unknown>)['code'], 'rate_limit_exceeded');

    await gw.switchboard.service.usage?.flush();
    const attempts = await world.db.query<{ n: string }>(`select count(*)::text as n from ai_usage where route_name = 'rpm-ab' and status < 400`);
    assert.equal(attempts.rows[0]?.n, '2', 'two answered requests');
  });
});
