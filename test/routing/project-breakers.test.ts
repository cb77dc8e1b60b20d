// One tenant cannot open a breaker every tenant shares: failures from one project while another
// project calls the same target give that project a cool-down of its own (its requests skip the
// target, nothing is shared with other instances); a second project's trip during it opens the
// breaker for everyone and shares it. Real gateway, real database, strict vendor mocks (the mock
// fails the requests of the failing project, as a vendor answers a body it chokes on).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateApiKey } from '../../src/crypto/api-key.js';
import { runCli } from '../cli/cli-harness.js';
import { ADMIN_TOKEN, chat, createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

describe('circuit breakers per project', () => {
  let world: RoutingWorld;
  let gw: Instance;
  let noisyKey: string;
  let noisyProject: string;

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'shared-route', { 'model-a': [1, 0], 'model-b': [1, 1] }, { breaker_failures: 3, breaker_cooldown_ms: 60000, sticky_key: 'none' });
    const project = await world.db.query<{ id: string }>(`insert into projects (name) values ('noisy') returning id`);
    noisyProject = project.rows[0]?.id ?? '';
    const key = generateApiKey();
    await world.db.query(`insert into public.api_keys (project_id, name, prefix, key_hash) values ($1, 'noisy', $2, $3)`, [noisyProject, key.prefix, key.hash]);
    noisyKey = key.key;
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });

  async function routingStatus(): Promise<{ state: string; projects_open: { project_id: string | null }[] }> {
    const response = await fetch(`${gw.origin}/admin/v1/routing/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const json = (await response.json()) as { breakers: { model: string; state: string; projects_open: { project_id: string | null }[] }[] };
    const breaker = json.breakers.find((entry) => entry.model === 'gpt-4o-mini');
    assert.ok(breaker, 'the primary target has a breaker');
    return breaker;
  }

  /** Three requests of `key` whose first attempt the primary answers with a 500. */
  async function failThrice(key: string): Promise<void> {
    for (let index = 0; index < 3; index++) {
      world.a.failNext({ status: 500 });
      const answer = await chat(gw.origin, key, { model: 'shared-route' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-switchboard-attempts'), '2', 'fell back to the second tier');
    }
  }

  it("skip the target for the failing project alone, and open it for everyone when a second project's calls fail too", async () => {
    const first = await chat(gw.origin, world.apiKey, { model: 'shared-route' });
    assert.equal(first.headers.get('x-switchboard-target'), 'model-a');

    await failThrice(noisyKey);
    const honest = await chat(gw.origin, world.apiKey, { model: 'shared-route' });
    assert.equal(honest.headers.get('x-switchboard-target'), 'model-a', 'the other project still reaches the primary');
    assert.equal(honest.headers.get('x-switchboard-attempts'), '1');
    const noisy = await chat(gw.origin, noisyKey, { model: 'shared-route' });
    assert.equal(noisy.headers.get('x-switchboard-target'), 'model-b', 'the failing project skips it');
    assert.equal(noisy.headers.get('x-switchboard-attempts'), '1', 'skipped, not tried');

    let status = await routingStatus();
    assert.equal(status.state, 'closed');
    assert.deepEqual(status.projects_open.map((open) => open.project_id), [noisyProject]);
    const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
    assert.match(metrics, /switchboard_circuit_breaker_projects_open\{provider_id="[0-9a-f-]+",model="gpt-4o-mini"\} 1/);
    assert.match(metrics, /switchboard_circuit_breaker_state\{provider_id="[0-9a-f-]+",model="gpt-4o-mini"\} 0/);
    for (const [project, skipped] of [['noisy', true], ['routing', false]] as const) {
      const response = await fetch(`${gw.origin}/admin/v1/routes/shared-route/explain?project=${project}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const explained = (await response.json()) as { order: string[]; targets: { model: string; breaker: string; open_for_project: boolean }[] };
      const primary = explained.targets.find((target) => target.model === 'model-a');
      assert.deepEqual([primary?.breaker, primary?.open_for_project], ['closed', skipped], project);
      assert.equal(explained.order[0], skipped ? 'model-b' : 'model-a', project);
    }
    const printed = await runCli(['routes', 'status', '--server', gw.origin], { env: { SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN } });
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /projects open/);
    assert.match(printed.stdout, /gpt-4o-mini\s+closed\s+0\s+1\b/, 'the CLI counts the project on its own cool-down');
    await gw.switchboard.service.router?.flush();
    const shared = await world.db.query(`select state from ai_route_health`);
    assert.equal(shared.rows.length, 0, 'nothing is shared with the other instances');

    await failThrice(world.apiKey);
    status = await routingStatus();
    assert.equal(status.state, 'open', 'a second project tripped it while the first cooled down');
    const after = await chat(gw.origin, world.apiKey, { model: 'shared-route' });
    assert.equal(after.headers.get('x-switchboard-target'), 'model-b');
    await gw.switchboard.service.router?.flush();
    const health = await world.db.query<{ state: string; reason: string }>(`select state, reason from ai_route_health`);
    assert.deepEqual(health.rows, [{ state: 'open', reason: '3 consecutive failures (a second project)' }]);
  });
});
