// Found by an attack review: the per-arm comparison after fallbacks caused by empty answers, and a global route's
// comparison when a project has its own route of the same name. Real gateway, real database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, chat, createRoute, streamChat, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

interface Comparison {
  by_arm_assigned: { arm: string; requests: number; success_rate: number | null; fallback_rate: number | null; expected_share: number; observed_share: number | null }[];
  by_arm_served: { arm: string; requests: number; success_rate: number | null }[];
  sample_ratio: { p_value: number; mismatch: boolean } | null;
}

async function compare(gw: Instance, route: string, query = ''): Promise<Comparison> {
  await gw.switchboard.service.usage?.flush();
  const response = await fetch(`${gw.origin}/admin/v1/routes/${route}/comparison${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = (await response.json()) as Comparison;
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}

describe('per-arm comparison', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'ab-empty', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
    await createRoute(world.db, 'ab-empty-stream', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
    await world.db.query(`update ai_route_targets set arm = case when model_id = (select id from ai_models where name = 'model-a') then 'control' else 'backup' end`);
    // A global experiment, and project 'routing' has its own route of the same name (documented:
    // a project route wins for that project) serving model-b only.
    await createRoute(world.db, 'exp', { 'model-a': 1, 'model-b': 1 }, { sticky_key: 'none' });
    await world.db.query(
      `insert into ai_routes (name, project_id, sticky_key) values ('exp', $1, 'none');
       `.trim(),
      [world.projectId],
    );
    await world.db.query(
      `insert into ai_route_targets (route_id, model_id, weight) select r.id, m.id, 1 from ai_routes r, ai_models m where r.name = 'exp' and r.project_id = $1 and m.name = 'model-b'`,
      [world.projectId],
    );
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });

  it('an empty answer that fell back is not a success of the assigned arm (success rate ≤ 1) nor an answer served', async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await chat(gw.origin, world.apiKey, { model: 'ab-empty', stop: ['Echo'] });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-switchboard-attempts'), '2', 'the empty answer fell back');
      assert.equal(answer.headers.get('x-switchboard-arm'), 'control');
      assert.equal(answer.headers.get('x-switchboard-target'), 'model-b');
    }
    const comparison = await compare(gw, 'ab-empty');
    const control = comparison.by_arm_assigned.find((arm) => arm.arm === 'control');
    assert.equal(control?.requests, 4);
    assert.equal(control?.fallback_rate, 1, 'every request was answered by the backup');
    assert.ok((control?.success_rate ?? 0) <= 1, `success rate of the control arm: ${control?.success_rate} (4 requests, 4 answers)`);
    const servedControl = comparison.by_arm_served.find((arm) => arm.arm === 'control');
    assert.ok(servedControl === undefined || servedControl.requests === 0, `control 'served' ${servedControl?.requests} answers it never gave the client`);
  });

  it('the same for streams: an empty stream that fell back is not a success', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await streamChat(gw.origin, world.apiKey, { model: 'ab-empty-stream', stop: ['Echo'] });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-switchboard-attempts'), '2', 'the empty stream fell back');
      assert.equal(answer.headers.get('x-switchboard-target'), 'model-b');
    }
    const comparison = await compare(gw, 'ab-empty-stream');
    const assigned = comparison.by_arm_assigned.find((arm) => arm.arm === 'control');
    assert.equal(assigned?.requests, 3);
    assert.ok((assigned?.success_rate ?? 0) <= 1, `success rate of the assigned arm: ${assigned?.success_rate}`);
    const served = comparison.by_arm_served.find((arm) => arm.arm === 'control');
    assert.ok(served === undefined || served.requests === 0, `control 'served' ${served?.requests} streams it never delivered`);
  });

  it("a global route's comparison does not count a project's own same-name route", async () => {
    // 20 requests of project 'routing' go to its own route (model-b only).
    for (let i = 0; i < 20; i++) {
      const answer = await chat(gw.origin, world.apiKey, { model: 'exp' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-switchboard-target'), 'model-b');
    }
    // No request at all reached the global route 'exp'.
    const comparison = await compare(gw, 'exp');
    const total = comparison.by_arm_assigned.reduce((sum, arm) => sum + arm.requests, 0);
    assert.equal(total, 0, `the global route's comparison shows ${total} requests: ${JSON.stringify(comparison.by_arm_assigned)} sample_ratio=${JSON.stringify(comparison.sample_ratio)}`);
  });
});
