// A credential the vendor refused is blocked on every instance until the operator fixes it. Fixing
// it by editing the provider row (here: `required_env_vars` named the wrong variable, so the vendor
// got another vendor's key and answered 401) lifts the block on every instance, and an instance
// started after the fix does not pick the block up again. Before, only a change of the project's
// credential row lifted it: the edited provider stayed skipped for the rest of the 5 minutes on
// every instance, and a fresh instance read the block row back from the database. The last test
// keeps the credential-row fix covered: deleting a refused stored key (the env var takes over).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, chat, createRoute, eventually, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

describe('a provider row edit lifts the credential block', () => {
  let world: RoutingWorld;
  const instances: Instance[] = [];

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'cred', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
    // The operator's mistake: route-a names route-b's variable, so the route-a vendor refuses the key.
    await world.db.query(`update ai_providers set required_env_vars = '["ROUTE_B_API_KEY"]'::jsonb where name = 'route-a'`);
    instances.push(await startInstance(world, { listen: true }), await startInstance(world, { listen: true }));
  });
  after(async () => {
    for (const instance of instances) await instance.close();
    await world?.close();
  });

  async function blockedCredentials(instance: Instance): Promise<number> {
    const response = await fetch(`${instance.origin}/admin/v1/routing/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const status = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, JSON.stringify(status));
    return (status['blocked_credentials'] as unknown[]).length;
  }

  it('is lifted on both instances, and a fresh instance serves the fixed provider', async () => {
    const [one, two] = instances as [Instance, Instance];
    const refused = await chat(one.origin, world.apiKey, { model: 'cred' });
    assert.equal(refused.status, 200);
    assert.equal(refused.headers.get('x-switchboard-target'), 'model-b', 'the refused credential falls through to the next tier');
    assert.equal(world.a.requests.length, 1, 'route-a was tried once, with the wrong key');
    await eventually(async () => (await blockedCredentials(two)) === 1, 'instance two to apply the shared block');
    assert.equal(await blockedCredentials(one), 1);

    // The fix: the row names the right variable (plain SQL, as in psql).
    await world.db.query(`update ai_providers set required_env_vars = '["ROUTE_A_API_KEY"]'::jsonb where name = 'route-a'`);
    assert.equal((await world.db.query(`select 1 from ai_credential_blocks`)).rows.length, 0, 'the shared block row is gone');
    for (const instance of [one, two]) {
      await eventually(async () => (await blockedCredentials(instance)) === 0, 'the block to be lifted');
      const served = await chat(instance.origin, world.apiKey, { model: 'cred' });
      assert.equal(served.status, 200);
      assert.equal(served.headers.get('x-switchboard-target'), 'model-a', 'the fixed provider is served');
    }

    const three = await startInstance(world);
    instances.push(three);
    assert.equal(await blockedCredentials(three), 0, 'an instance started after the fix does not apply the old block');
    const served = await chat(three.origin, world.apiKey, { model: 'cred' });
    assert.equal(served.headers.get('x-switchboard-target'), 'model-a');
  });

  it('the instance that saw the refusal lifts its own block with the reload that brings the edit', async () => {
    const [one] = instances as [Instance];
    await world.db.query(`update ai_providers set required_env_vars = '["ROUTE_B_API_KEY"]'::jsonb where name = 'route-a'`);
    await one.switchboard.reloadChanged();
    const refused = await chat(one.origin, world.apiKey, { model: 'cred' });
    assert.equal(refused.headers.get('x-switchboard-target'), 'model-b');
    assert.equal(await blockedCredentials(one), 1);
    await one.switchboard.service.router?.flush();

    await world.db.query(`update ai_providers set required_env_vars = '["ROUTE_A_API_KEY"]'::jsonb where name = 'route-a'`);
    await one.switchboard.reloadChanged();
    assert.equal(await blockedCredentials(one), 0, 'lifted with the reload that brought the edit');
    const served = await chat(one.origin, world.apiKey, { model: 'cred' });
    assert.equal(served.headers.get('x-switchboard-target'), 'model-a');
  });

  it('deleting a refused stored credential (the env var takes over) lifts the block on both instances', async () => {
    const [one, two] = instances as [Instance, Instance];
    for (const instance of [one, two]) await eventually(async () => (await blockedCredentials(instance)) === 0, 'no block left from before');
    const providerId = (await world.db.query<{ id: string }>(`select id from ai_providers where name = 'route-a'`)).rows[0]?.id ?? '';
    await one.switchboard.credentials.set(world.projectId, providerId, { api_key: 'sk-wrong-0123456789abcdef' });
    const refused = await chat(one.origin, world.apiKey, { model: 'cred' });
    assert.equal(refused.headers.get('x-switchboard-target'), 'model-b');
    await eventually(async () => (await blockedCredentials(two)) === 1, 'instance two to apply the shared block');

    await one.switchboard.credentials.delete(world.projectId, providerId);
    assert.equal((await world.db.query(`select 1 from ai_credential_blocks`)).rows.length, 0);
    for (const instance of [one, two]) {
      await eventually(async () => (await blockedCredentials(instance)) === 0, 'the block to be lifted');
      const served = await chat(instance.origin, world.apiKey, { model: 'cred' });
      assert.equal(served.headers.get('x-switchboard-target'), 'model-a', 'the env var key is used');
    }
  });
});
