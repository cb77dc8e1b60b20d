// A credential block written for an env-var key names that key by a keyed fingerprint, so it
// applies only on instances that hold the same key. The operator's case: an env var holds a wrong
// value, the vendor refuses it (401), and the refusing instance shares a 5-minute block; the
// operator fixes the value and restarts. Before, a freshly started instance read the block row
// back and skipped the provider for up to 5 minutes with its new, good key. Now it calls it; an
// instance started with the same (wrong) value still applies the block, and a block row without a
// fingerprint (an older gateway's) still applies everywhere. The fingerprint is never the key, nor
// contains it, nor is a plain hash of it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import { ADMIN_TOKEN, chat, createRoute, ENV, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

const WRONG_KEY = 'sk-route-a-wrong-value-0123456789';
const WRONG_ENV = { ...ENV, ROUTE_A_API_KEY: WRONG_KEY };

describe('a shared credential block names the env-var key it was written for', () => {
  let world: RoutingWorld;
  const instances: Instance[] = [];
  let providerId = '';

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'env-fp', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
    providerId = (await world.db.query<{ id: string }>(`select id from ai_providers where name = 'route-a'`)).rows[0]?.id ?? '';
  });
  after(async () => {
    for (const instance of instances) await instance.close();
    await world?.close();
  });

  async function started(env: Readonly<Record<string, string>>, keyring = world.keyring): Promise<Instance> {
    const instance = await startInstance(world, { env, keyring });
    instances.push(instance);
    return instance;
  }

  async function blockedCredentials(instance: Instance): Promise<number> {
    const response = await fetch(`${instance.origin}/admin/v1/routing/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const status = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, JSON.stringify(status));
    return (status['blocked_credentials'] as unknown[]).length;
  }

  async function blockRows(): Promise<{ fingerprint: string | null; changed_by: string | null }[]> {
    const result = await world.db.query<{ fingerprint: string | null; changed_by: string | null }>(
      `select credential_fingerprint as fingerprint, changed_by from ai_credential_blocks where provider_id = $1`,
      [providerId],
    );
    return result.rows;
  }

  it('an env key refused: the block row carries a fingerprint that is not the key, nor holds it', async () => {
    const wrong = await started(WRONG_ENV);
    const refused = await chat(wrong.origin, world.apiKey, { model: 'env-fp' });
    assert.equal(refused.status, 200, JSON.stringify(refused.json));
    assert.equal(refused.headers.get('x-switchboard-target'), 'model-b', 'the refused credential falls through to the next tier');
    assert.equal(world.a.requests.length, 1, 'route-a was tried once, with the wrong key');
    await wrong.switchboard.service.router?.flush();

    const rows = await blockRows();
    assert.equal(rows.length, 1, 'one shared block row');
    const fingerprint = rows[0]?.fingerprint ?? '';
    assert.match(fingerprint, /^[0-9a-f]{32}$/, 'a 16-byte hex fingerprint');
    for (const secret of [WRONG_KEY, ENV.ROUTE_A_API_KEY]) {
      assert.ok(!fingerprint.includes(secret) && !secret.includes(fingerprint), 'the fingerprint holds no key');
      const plain = createHash('sha256').update(secret).digest('hex');
      assert.ok(!plain.startsWith(fingerprint) && !plain.endsWith(fingerprint), 'not a plain hash of the key');
    }
    const stored = await world.db.query<{ row: string }>(`select row_to_json(b)::text as row from ai_credential_blocks b`);
    assert.ok(!stored.rows.some((row) => row.row.includes(WRONG_KEY)), 'the key is nowhere in the row');
  });

  it('an instance started with a different (the fixed) value does not apply the block and calls the provider', async () => {
    const fixed = await started(ENV);
    assert.equal(await blockedCredentials(fixed), 0, 'the block of the old value is not applied');
    const served = await chat(fixed.origin, world.apiKey, { model: 'env-fp' });
    assert.equal(served.status, 200, JSON.stringify(served.json));
    assert.equal(served.headers.get('x-switchboard-target'), 'model-a', 'the fixed provider is served');
    assert.equal(served.headers.get('x-switchboard-attempts'), '1');
    assert.equal(world.a.requests.length, 2, 'route-a answered the fixed key');
    assert.equal((await blockRows()).length, 1, 'the row stays, for the instances that still hold the old value');
  });

  it('an instance started with the same (wrong) value still applies the block', async () => {
    const calls = world.a.requests.length;
    const same = await started(WRONG_ENV);
    assert.equal(await blockedCredentials(same), 1, 'the block applies to the key it was written for');
    const answer = await chat(same.origin, world.apiKey, { model: 'env-fp' });
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-b');
    assert.equal(answer.headers.get('x-switchboard-attempts'), '1', 'the blocked credential is skipped, not tried');
    assert.equal(world.a.requests.length, calls, 'route-a is not called with the refused key');
  });

  it('a block row without a fingerprint (an older gateway wrote it) still applies on every instance', async () => {
    await world.db.query(`delete from ai_credential_blocks`);
    // The older gateways' five-argument write.
    await world.db.query(`select public.switchboard_report_credential_block($1, $2, 300000, 'HTTP 401 invalid_api_key', 'gw-older')`, [world.projectId, providerId]);
    assert.deepEqual(await blockRows(), [{ fingerprint: null, changed_by: 'gw-older' }]);
    const calls = world.a.requests.length;
    const fresh = await started(ENV);
    assert.equal(await blockedCredentials(fresh), 1, 'a row without a fingerprint applies whatever the key');
    const answer = await chat(fresh.origin, world.apiKey, { model: 'env-fp' });
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-b');
    assert.equal(world.a.requests.length, calls, 'route-a is skipped');
  });

  it('during a master-key rotation, an instance started with the new key applies a block an instance on the old key wrote', async () => {
    await world.db.query(`delete from ai_credential_blocks`);
    const onOldKey = await started(WRONG_ENV);
    const refused = await chat(onOldKey.origin, world.apiKey, { model: 'env-fp' });
    assert.equal(refused.headers.get('x-switchboard-target'), 'model-b');
    await onOldKey.switchboard.service.router?.flush();
    assert.equal((await blockRows()).length, 1);
    // SWITCHBOARD_MASTER_KEY the new key, SWITCHBOARD_MASTER_KEYS_OLD the old one; the same wrong env value.
    const calls = world.a.requests.length;
    const onNewKey = await started(WRONG_ENV, createKeyring(createMasterKey(randomBytes(32)), [world.keyring.current]));
    assert.equal(await blockedCredentials(onNewKey), 1, 'the block of the same env key, under the old master key, applies');
    const answer = await chat(onNewKey.origin, world.apiKey, { model: 'env-fp' });
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-b');
    assert.equal(world.a.requests.length, calls, 'route-a is not called with the refused key');
    // Another env value on the new key is still not blocked by it.
    assert.equal(await blockedCredentials(await started(ENV, createKeyring(createMasterKey(randomBytes(32)), [world.keyring.current]))), 0);
  });
});
