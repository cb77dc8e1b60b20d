// GET /v1/models/{name} answers for any name the key may call, resolved as a call would be: the
// key's project's route, else a global route, else the model; `id` is the name asked for (the
// openai SDK's models.retrieve compares it), `owned_by` the provider that would serve it first.
// A route owned by another project is not this key's: 404.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

describe('GET /v1/models/{name} for route names', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'global-route', { 'model-a': 1 });
    await createRoute(world.db, 'own-route', { 'model-b': 1 }, { project_id: world.projectId });
    await world.db.query(`insert into projects (name) values ('other')`);
    const other = await world.db.query<{ id: string }>(`select id from projects where name = 'other'`);
    await createRoute(world.db, 'other-route', { 'model-a': 1 }, { project_id: other.rows[0]?.id ?? '' });
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });

  async function retrieve(name: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${gw.origin}/v1/models/${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${world.apiKey}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("a global route, the key's project's route and a model answer with the name asked for", async () => {
    const answers = await Promise.all(['global-route', 'own-route', 'model-claude'].map(retrieve));
    assert.deepEqual(
      answers.map(({ status, body }) => ({ status, id: body['id'], owned_by: body['owned_by'] })),
      [
        { status: 200, id: 'global-route', owned_by: 'route-a' },
        { status: 200, id: 'own-route', owned_by: 'route-b' },
        { status: 200, id: 'model-claude', owned_by: 'route-claude' },
      ],
    );
  });

  it("another project's route is not found", async () => {
    const answer = await retrieve('other-route');
    assert.equal(answer.status, 404);
    assert.equal((answer.body['error'] as { code: string }).code, 'model_not_found');
  });
});
