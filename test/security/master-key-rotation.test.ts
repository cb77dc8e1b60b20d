// Master-key rotation while a gateway keeps serving: rows sealed under key A, `switchboard
// master-key rotate` with SWITCHBOARD_MASTER_KEY=B and SWITCHBOARD_MASTER_KEYS_OLD=A runs while
// requests loop (and the gateway's credential cache is invalidated over and over); every request
// succeeds with its project's own key, and afterwards every row is under B and opens with B alone.
//
// On Postgres the CLI runs in-process against the same server (its own connections). The embedded
// database is one process's by design (the data dir lock), so on PGlite the rotation runs through
// rotateMasterKey, the function the CLI calls, on the gateway's own database; the CLI's report on an
// embedded data dir is covered in cli-credentials.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { CredentialStore } from '../../src/credentials/credential-store.js';
import { rotateMasterKey } from '../../src/credentials/rotate-master-key.js';
import { credentialAssociatedData, envelopeKeyId, openSecret } from '../../src/crypto/envelope.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { ENV_VAR, insertTenant, keyringOf, leakedSecrets, MODEL, newMasterKey, runCli, seedTenants, startStack, upstreamKey, type Stack, type Tenant } from './fixture.js';

const keyA = newMasterKey();
const keyB = newMasterKey();
const envKey = upstreamKey('env');
/** Extra projects with stored rows, so the rotation has real work to do while requests run. */
const FILLER_PROJECTS = 24;

describe('master-key rotation under load', () => {
  let db: TestDb;
  let mock: OpenAIMock;
  let stack: Stack;
  let providerId: string;
  /** Projects the request loop calls, with the key each must reach the upstream with. */
  const targets: { tenant: Tenant; key: string }[] = [];
  /** Every stored plaintext key by project id (to check the rows after the rotation). */
  const storedKeys = new Map<string, string>();

  before(async () => {
    const served = [upstreamKey('one'), upstreamKey('two'), upstreamKey('three')];
    mock = await startOpenAIMock({ apiKeys: [...served, envKey] });
    db = await createTestDb();
    const seeded = await seedTenants(db, mock.baseUrl, ['rot-one', 'rot-two', 'rot-three', 'rot-env']);
    providerId = seeded.providerId;
    const storeA = new CredentialStore(db, keyringOf(keyA.key), {});
    for (const [index, name] of ['rot-one', 'rot-two', 'rot-three'].entries()) {
      const tenant = seeded.tenants[name] as Tenant;
      const key = served[index] as string;
      await storeA.set(tenant.id, providerId, { api_key: key, organization: `org-${name}` });
      storedKeys.set(tenant.id, key);
      targets.push({ tenant, key });
    }
    targets.push({ tenant: seeded.tenants['rot-env'] as Tenant, key: envKey });
    for (let index = 0; index < FILLER_PROJECTS; index++) {
      const tenant = await insertTenant(db, `rot-filler-${index}`);
      const key = upstreamKey(`filler${index}`);
      await storeA.set(tenant.id, providerId, { api_key: key });
      storedKeys.set(tenant.id, key);
    }
    // The running gateway was started with A and has been given B: it reads rows under either.
    stack = await startStack(db, { keyring: keyringOf(keyA.key, keyB.key), env: { [ENV_VAR]: envKey } });
  });
  after(async () => {
    await stack?.close();
    await mock?.close();
    await db?.dispose();
  });

  it('rotates every row to B while every request keeps succeeding', async () => {
    const rows = await db.query<{ credentials: string }>(`select credentials from public.ai_provider_credentials`);
    assert.equal(rows.rows.length, storedKeys.size);
    assert.ok(rows.rows.every((row) => envelopeKeyId(row.credentials) === keyA.key.id));

    let stop = false;
    const outcomes: { start: number; end: number; ok: boolean; detail: string }[] = [];
    /** One sequential loop per project, all running at once, so requests are always in flight. */
    const requestLoop = async ({ tenant, key }: { tenant: Tenant; key: string }) => {
      const client = stack.client(tenant.apiKey);
      for (let index = 0; !stop; index++) {
        const text = `${tenant.name} n${index}`;
        const start = performance.now();
        try {
          const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: text }] });
          const received = mock.requests.filter((request) => JSON.stringify(request.body).includes(`"${text}"`));
          const auth = received.map((request) => request.headers.authorization);
          const ok = completion.choices[0]?.message.content === `Echo: ${text}` && auth.length === 1 && auth[0] === `Bearer ${key}`;
          outcomes.push({ start, end: performance.now(), ok, detail: `${text}: ${JSON.stringify(auth)}` });
        } catch (error) {
          outcomes.push({ start, end: performance.now(), ok: false, detail: `${text}: ${String(error)}` });
        }
      }
    };
    const loops = targets.map((target) => requestLoop(target));
    // Forces the gateway to re-read (and re-open) credential rows again and again during the rotation.
    const reloadLoop = (async () => {
      while (!stop) {
        await stack.sb.reload();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const waitFor = async (predicate: () => boolean) => {
      const deadline = Date.now() + 20_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out; outcomes: ${JSON.stringify(outcomes.slice(-5))}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };

    let rotationStart = 0;
    let rotationEnd = 0;
    try {
      await waitFor(() => outcomes.length >= 2 * targets.length);
      rotationStart = performance.now();
      if (db.url !== undefined) {
        const run = await runCli(['master-key', 'rotate', '--json'], {
          DATABASE_URL: db.url,
          SWITCHBOARD_MASTER_KEY: keyB.base64,
          SWITCHBOARD_MASTER_KEYS_OLD: keyA.base64,
        });
        rotationEnd = performance.now();
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout), { rotated: storedKeys.size, total: storedKeys.size, keyId: keyB.key.id });
        assert.deepEqual(leakedSecrets(run.stdout + run.stderr, { a: keyA.base64, b: keyB.base64 }), []);
      } else {
        const report = await rotateMasterKey(db, keyringOf(keyB.key, keyA.key));
        rotationEnd = performance.now();
        assert.deepEqual(report, { rotated: storedKeys.size, total: storedKeys.size });
      }
      await stack.sb.reload();
      await waitFor(() => outcomes.filter((outcome) => outcome.start > rotationEnd).length >= 2 * targets.length);
    } finally {
      stop = true;
      await Promise.all([...loops, reloadLoop]);
    }

    assert.deepEqual(
      outcomes.filter((outcome) => !outcome.ok).map((outcome) => outcome.detail),
      [],
    );
    assert.ok(outcomes.some((outcome) => outcome.end < rotationStart), 'requests ran before the rotation');
    assert.ok(
      outcomes.some((outcome) => outcome.start < rotationEnd && outcome.end > rotationStart),
      'requests were in flight during the rotation',
    );
    assert.ok(outcomes.some((outcome) => outcome.start > rotationEnd), 'requests ran after the rotation');
  });

  it('afterwards every row is under B and opens with a keyring holding B only', async () => {
    const rows = await db.query<{ projectId: string; providerId: string; credentials: string }>(
      `select project_id as "projectId", provider_id as "providerId", credentials from public.ai_provider_credentials`,
    );
    assert.equal(rows.rows.length, storedKeys.size);
    const onlyB = keyringOf(keyB.key);
    for (const row of rows.rows) {
      assert.equal(envelopeKeyId(row.credentials), keyB.key.id);
      const payload = JSON.parse(openSecret(row.credentials, onlyB, credentialAssociatedData(row.projectId, row.providerId))) as { api_key: string };
      assert.equal(payload.api_key, storedKeys.get(row.projectId));
    }
  });

  it('a gateway with B only serves every project (organization kept); one with A only fails closed', async () => {
    const withB = await startStack(db, { keyring: keyringOf(keyB.key), env: { [ENV_VAR]: envKey } });
    try {
      for (const { tenant, key } of targets) {
        const first = mock.requests.length;
        const completion = await withB.client(tenant.apiKey).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'after' }] });
        assert.equal(completion.choices[0]?.message.content, 'Echo: after');
        const received = mock.requests.slice(first);
        assert.deepEqual(
          received.map((request) => request.headers.authorization),
          [`Bearer ${key}`],
        );
        const organization = tenant.name === 'rot-env' ? undefined : `org-${tenant.name}`;
        assert.equal(received[0]?.headers['openai-organization'], organization);
      }
    } finally {
      await withB.close();
    }
    const withA = await startStack(db, { keyring: keyringOf(keyA.key), env: { [ENV_VAR]: envKey } });
    try {
      const first = mock.requests.length;
      const tenant = (targets[0] as { tenant: Tenant }).tenant;
      await assert.rejects(
        withA.client(tenant.apiKey).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }),
        (error: unknown) => error instanceof OpenAI.APIError && error.status === 500 && error.code === 'credential_invalid',
      );
      assert.equal(mock.requests.length, first);
    } finally {
      await withA.close();
    }
  });

  it('rotating again changes nothing and says so', async () => {
    const before = await db.query<{ credentials: string }>(`select credentials from public.ai_provider_credentials order by id`);
    if (db.url !== undefined) {
      const run = await runCli(['master-key', 'rotate'], { DATABASE_URL: db.url, SWITCHBOARD_MASTER_KEY: keyB.base64, SWITCHBOARD_MASTER_KEYS_OLD: keyA.base64 });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `Re-encrypted 0 of ${storedKeys.size} credential row(s) under master key ${keyB.key.id}.\n`);
    } else {
      assert.deepEqual(await rotateMasterKey(db, keyringOf(keyB.key)), { rotated: 0, total: storedKeys.size });
    }
    const afterRows = await db.query<{ credentials: string }>(`select credentials from public.ai_provider_credentials order by id`);
    assert.deepEqual(afterRows.rows, before.rows);
  });
});
