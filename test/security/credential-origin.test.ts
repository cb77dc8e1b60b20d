// Issue 17, item 3 (b): a stored project key is bound to the origin it was entered for. Whoever can
// write the provider row (the admin token, a database writer) re-points api_base_url at a host they
// own: the key never reaches it and the client gets a clear error; putting the URL back makes it work
// again; entering the key again for the new URL works. Envelopes sealed before the binding
// (legacy) are refused until the gateway start (or `switchboard migrate`) binds them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APIError } from 'openai';
import { credentialAssociatedData, openSecret, sealSecret } from '../../src/crypto/envelope.js';
import { SwitchboardError } from '../../src/errors.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { keyringOf, leakedSecrets, MODEL, newMasterKey, PROVIDER, seedTenants, startStack, storedRow, upstreamKey, type SeededTenants, type Stack, type Tenant } from './fixture.js';

const keys = { alpha: upstreamKey('alpha'), beta: upstreamKey('beta'), gamma: upstreamKey('gamma'), moved: upstreamKey('moved') };
const master = newMasterKey();
const keyring = keyringOf(master.key);

let db: TestDb;
let vendor: OpenAIMock;
let capture: OpenAIMock;
let seeded: SeededTenants;
let stack: Stack;
let alpha: Tenant;
let beta: Tenant;
let gamma: Tenant;

before(async () => {
  vendor = await startOpenAIMock({ apiKeys: [keys.alpha, keys.beta, keys.gamma] });
  capture = await startOpenAIMock({ apiKeys: [keys.moved] });
  db = await createTestDb();
  seeded = await seedTenants(db, vendor.baseUrl, ['alpha', 'beta', 'gamma']);
  ({ alpha, beta, gamma } = seeded.tenants as { alpha: Tenant; beta: Tenant; gamma: Tenant });
  stack = await startStack(db, { keyring, env: {} });
  await stack.sb.credentials.set(alpha.id, seeded.providerId, { api_key: keys.alpha });
  // Beta's credential names its own base_url: it is bound to that origin, whatever the row says.
  await stack.sb.credentials.set(beta.id, seeded.providerId, { api_key: keys.beta, base_url: vendor.baseUrl });
});

after(async () => {
  await stack?.close();
  await vendor?.close();
  await capture?.close();
  await db?.dispose();
});

const chat = (tenant: Tenant, text: string, target = stack) =>
  target.client(tenant.apiKey).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: text }] });

async function moveProvider(baseUrl: string): Promise<void> {
  // What an attacker with a database writer role (or the admin token, through PATCH) does.
  await db.query(`update public.ai_providers set api_base_url = $2 where name = $1`, [PROVIDER, baseUrl]);
  await stack.sb.reload();
}

/** The Authorization headers `mock` received while `work` ran. */
async function authOf(mock: OpenAIMock, work: () => Promise<unknown>): Promise<string[]> {
  const start = mock.requests.length;
  await work();
  return mock.requests.slice(start).map((request) => String(request.headers.authorization));
}

/** The call fails with credential_invalid saying `reason`, over HTTP and through the library, and sends nothing anywhere. */
async function assertRefused(tenant: Tenant, reason: RegExp, target = stack): Promise<void> {
  const sent = vendor.requests.length + capture.requests.length;
  await assert.rejects(chat(tenant, 'x', target), (error: unknown) => {
    assert.ok(error instanceof APIError, String(error));
    assert.equal(error.status, 500);
    assert.equal(error.code, 'credential_invalid');
    assert.match(error.message, reason);
    assert.deepEqual(leakedSecrets(error.message, keys), []);
    return true;
  });
  await assert.rejects(target.sb.chat({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, { projectId: tenant.id }), (error: unknown) => {
    assert.ok(SwitchboardError.isInstance(error));
    assert.match(error.message, reason);
    return true;
  });
  assert.equal(vendor.requests.length + capture.requests.length, sent, 'no upstream request at all');
}

const movedReason = /entered for another URL than the provider's api_base_url now points to, so they are not sent there\. If the provider really moved, enter the key again/;

describe('a stored credential is bound to the origin it was entered for', () => {
  it('is sent to its provider', async () => {
    assert.deepEqual(await authOf(vendor, () => chat(alpha, 'before')), [`Bearer ${keys.alpha}`]);
  });

  it('re-pointing the provider at another host: the key never reaches it, the client is told why', async () => {
    await moveProvider(capture.baseUrl);
    await assertRefused(alpha, movedReason);
    // The same host on another port is another origin.
    await moveProvider(`${vendor.baseUrl.replace(/:(\d+)/, (_all, port: string) => `:${Number(port) === 65535 ? 1 : Number(port) + 1}`)}`);
    await assertRefused(alpha, movedReason);
    assert.deepEqual(leakedSecrets(JSON.stringify(capture.requests.map((request) => request.headers)), keys), []);
  });

  it("a credential with its own base_url keeps going there only, wherever the row points", async () => {
    await moveProvider(capture.baseUrl);
    assert.deepEqual(await authOf(vendor, () => chat(beta, 'own url')), [`Bearer ${keys.beta}`]);
    assert.deepEqual(await authOf(capture, () => chat(beta, 'own url')), []);
  });

  it('putting the URL back makes it work again (a path change on the same origin too)', async () => {
    await moveProvider(vendor.baseUrl);
    assert.deepEqual(await authOf(vendor, () => chat(alpha, 'back')), [`Bearer ${keys.alpha}`]);
    await moveProvider(`${vendor.origin}/v1/`);
    assert.deepEqual(await authOf(vendor, () => chat(alpha, 'same origin')), [`Bearer ${keys.alpha}`]);
  });

  it('entering the key again for the new URL works, and binds it there', async () => {
    await moveProvider(capture.baseUrl);
    await stack.sb.credentials.set(alpha.id, seeded.providerId, { api_key: keys.moved });
    assert.deepEqual(await authOf(capture, () => chat(alpha, 'new home')), [`Bearer ${keys.moved}`]);
    await moveProvider(vendor.baseUrl);
    await assertRefused(alpha, movedReason);
    await stack.sb.credentials.set(alpha.id, seeded.providerId, { api_key: keys.alpha });
    assert.deepEqual(await authOf(vendor, () => chat(alpha, 'home again')), [`Bearer ${keys.alpha}`]);
  });
});

describe('envelopes sealed before origin binding (legacy)', () => {
  it('written back after the one-time upgrade (an old copy) are refused and never bound, wherever the provider points', async () => {
    const done = await db.query<{ name: string }>(`select name from public.switchboard_upgrades`);
    assert.deepEqual(done.rows.map((row) => row.name), ['credential-origin-binding'], 'a fresh database needs no binding');
    const legacy = sealSecret(JSON.stringify({ api_key: keys.gamma }), master.key, credentialAssociatedData(gamma.id, seeded.providerId));
    await db.query(`insert into public.ai_provider_credentials (project_id, provider_id, credentials) values ($1, $2, $3)`, [gamma.id, seeded.providerId, legacy]);
    await moveProvider(capture.baseUrl);
    const restarted = await startStack(db, { keyring, env: {} });
    try {
      const lines = restarted.logs.map((entry) => entry.line).join('\n');
      assert.match(lines, /1 stored credential\(s\) sealed before origin binding were found after the one-time upgrade and are not bound/);
      assert.deepEqual(leakedSecrets(lines, keys), []);
      const seen = capture.requests.length;
      await assertRefused(gamma, /were stored before credentials were bound to the provider URL, and are not sent: enter the key again/, restarted);
      assert.equal(capture.requests.length, seen, 'nothing reached the new URL');
      const row = await storedRow(db, gamma.id, seeded.providerId);
      assert.equal(row?.credentials, legacy, 'the row is left as it was');
    } finally {
      await restarted.close();
      await moveProvider(vendor.baseUrl);
      await db.query(`delete from public.ai_provider_credentials where project_id = $1`, [gamma.id]);
    }
  });

  it('are refused, then bound to the provider URL of the moment by the first gateway start of an upgraded database', async () => {
    await db.query(`delete from public.switchboard_upgrades where name = 'credential-origin-binding'`);
    const legacy = sealSecret(JSON.stringify({ api_key: keys.gamma }), master.key, credentialAssociatedData(gamma.id, seeded.providerId));
    await db.query(`insert into public.ai_provider_credentials (project_id, provider_id, credentials) values ($1, $2, $3)`, [gamma.id, seeded.providerId, legacy]);
    await stack.sb.reload();
    await assertRefused(gamma, /were stored before credentials were bound to the provider URL, and are not sent: enter the key again/);

    const restarted = await startStack(db, { keyring, env: {} });
    try {
      const lines = restarted.logs.map((entry) => entry.line).join('\n');
      assert.match(lines, /bound 1 stored credential\(s\) sealed before origin binding to their provider's current URL/);
      assert.deepEqual(leakedSecrets(lines, keys), []);
      assert.deepEqual(await authOf(vendor, () => chat(gamma, 'bound', restarted)), [`Bearer ${keys.gamma}`]);
      const row = await storedRow(db, gamma.id, seeded.providerId);
      assert.ok(row);
      const sealed = JSON.parse(openSecret(row.credentials, keyring, credentialAssociatedData(gamma.id, seeded.providerId))) as Record<string, unknown>;
      assert.deepEqual(sealed, { api_key: keys.gamma, bound_origin: vendor.origin });
    } finally {
      await restarted.close();
    }
    // A second start finds nothing left to bind.
    const again = await startStack(db, { keyring, env: {} });
    await again.close();
    assert.doesNotMatch(again.logs.map((entry) => entry.line).join('\n'), /sealed before origin binding/);
  });
});
