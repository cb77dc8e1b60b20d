// rotateMasterKey on a real database: every row re-sealed under the current key (payload, binding and
// key hint kept), rows already current left alone, and all-or-nothing when any row cannot be opened.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { credentialAssociatedData, envelopeKeyId, openSecret } from '../crypto/envelope.js';
import { createKeyring, createMasterKey, type MasterKey } from '../crypto/keyring.js';
import type { Db } from '../db/db.js';
import { SwitchboardError } from '../errors.js';
import { CredentialStore } from './credential-store.js';
import { rotateMasterKey } from './rotate-master-key.js';

const newKey = (): MasterKey => createMasterKey(randomBytes(32));
const keyA = newKey();
const keyB = newKey();
const keyC = newKey();

interface Row {
  id: string;
  projectId: string;
  providerId: string;
  credentials: string;
  keyHint: string | null;
}

describe('rotateMasterKey', () => {
  let db: TestDb;
  let providerIds: string[];
  let projectIds: string[];
  const payloads = new Map<string, { api_key: string; organization?: string }>();

  const rows = async (): Promise<Row[]> =>
    (
      await db.query<Row>(
        `select id, project_id as "projectId", provider_id as "providerId", credentials, key_hint as "keyHint" from public.ai_provider_credentials order by id`,
      )
    ).rows;

  /** Seals one payload per (project, provider) with `key`. */
  async function store(key: MasterKey, projectId: string, providerId: string): Promise<void> {
    const payload = { api_key: `sk-${randomBytes(10).toString('hex')}`, organization: `org-${projectId.slice(0, 4)}` };
    payloads.set(`${projectId}:${providerId}`, payload);
    await new CredentialStore(db, createKeyring(key), {}).set(projectId, providerId, payload);
  }

  before(async () => {
    db = await createTestDb();
    const providers = await db.query<{ id: string }>(
      `insert into public.ai_providers (name, provider_class, api_base_url) values ('rot-p1', 'OpenAIProvider', 'http://127.0.0.1:9/v1'), ('rot-p2', 'OpenAIProvider', 'http://127.0.0.1:9/v1') returning id`,
    );
    providerIds = providers.rows.map((row) => row.id);
    const projects = await db.query<{ id: string }>(`insert into public.projects (name) values ('rot-a'), ('rot-b'), ('rot-c') returning id`);
    projectIds = projects.rows.map((row) => row.id);
  });
  after(async () => {
    await db?.dispose();
  });
  beforeEach(async () => {
    await db.query(`delete from public.ai_provider_credentials`);
    payloads.clear();
  });

  it('re-seals every row under the current key, keeping payload, binding and key hint', async () => {
    for (const projectId of projectIds) for (const providerId of providerIds) await store(keyA, projectId, providerId);
    const before = await rows();
    const result = await rotateMasterKey(db, createKeyring(keyB, [keyA]));
    assert.deepEqual(result, { rotated: before.length, total: before.length });
    const after = await rows();
    assert.equal(after.length, before.length);
    for (const [index, row] of after.entries()) {
      const old = before[index] as Row;
      assert.equal(row.id, old.id);
      assert.equal(row.keyHint, old.keyHint);
      assert.equal(envelopeKeyId(row.credentials), keyB.id);
      assert.notEqual(row.credentials, old.credentials);
      const opened = openSecret(row.credentials, createKeyring(keyB), credentialAssociatedData(row.projectId, row.providerId));
      // The origin the credential was stored for stays sealed with it.
      assert.deepEqual(JSON.parse(opened), { ...payloads.get(`${row.projectId}:${row.providerId}`), bound_origin: 'http://127.0.0.1:9' });
    }
  });

  it('leaves rows already under the current key untouched', async () => {
    await store(keyA, projectIds[0] as string, providerIds[0] as string);
    await store(keyB, projectIds[1] as string, providerIds[0] as string);
    const current = (await rows()).find((row) => envelopeKeyId(row.credentials) === keyB.id);
    assert.ok(current);
    assert.deepEqual(await rotateMasterKey(db, createKeyring(keyB, [keyA])), { rotated: 1, total: 2 });
    const after = await rows();
    assert.equal(after.find((row) => row.id === current.id)?.credentials, current.credentials);
    assert.ok(after.every((row) => envelopeKeyId(row.credentials) === keyB.id));
  });

  it('changes nothing when one row cannot be opened (a key missing from the keyring)', async () => {
    await store(keyA, projectIds[0] as string, providerIds[0] as string);
    await store(keyC, projectIds[1] as string, providerIds[0] as string);
    await store(keyA, projectIds[2] as string, providerIds[1] as string);
    const before = await rows();
    await assert.rejects(rotateMasterKey(db, createKeyring(keyB, [keyA])), (error: unknown) => {
      assert.ok(SwitchboardError.isInstance(error));
      assert.equal(error.code, 'credential_invalid');
      assert.match(error.message, new RegExp(`master key id ${keyC.id}, which is not configured`));
      return true;
    });
    assert.deepEqual(await rows(), before);
    // With every old key in the keyring it goes through.
    assert.deepEqual(await rotateMasterKey(db, createKeyring(keyB, [keyA, keyC])), { rotated: 3, total: 3 });
  });

  it('changes nothing when a row was tampered with', async () => {
    await store(keyA, projectIds[0] as string, providerIds[0] as string);
    await store(keyA, projectIds[1] as string, providerIds[0] as string);
    const [first] = await rows();
    assert.ok(first);
    const envelope = first.credentials;
    const at = envelope.lastIndexOf(':') + 10;
    const tampered = `${envelope.slice(0, at)}${envelope[at] === 'Q' ? 'R' : 'Q'}${envelope.slice(at + 1)}`;
    await db.query(`update public.ai_provider_credentials set credentials = $2 where id = $1`, [first.id, tampered]);
    const before = await rows();
    await assert.rejects(rotateMasterKey(db, createKeyring(keyB, [keyA])), /failed authentication/);
    assert.deepEqual(await rows(), before);
  });

  it('refuses to run as a role that row-level security filters, instead of rotating nothing', async () => {
    await store(keyA, projectIds[0] as string, providerIds[0] as string);
    await store(keyA, projectIds[1] as string, providerIds[1] as string);
    const before = await rows();
    // The same database, each transaction run as the gateway's runtime role (RLS applies to it).
    const asRuntime: Db = {
      ...db,
      transaction: (work) =>
        db.transaction(async (tx) => {
          await tx.query('set local role switchboard_runtime');
          return work(tx);
        }),
    };
    await assert.rejects(rotateMasterKey(asRuntime, createKeyring(keyB, [keyA])), (error: unknown) => {
      assert.ok(SwitchboardError.isInstance(error));
      assert.equal(error.code, 'permission_denied');
      assert.match(error.message, /row-level security filters them for role 'switchboard_runtime'.*superuser or a role with BYPASSRLS/);
      return true;
    });
    assert.deepEqual(await rows(), before);
  });

  it('reports zero rows on an empty table', async () => {
    assert.deepEqual(await rotateMasterKey(db, createKeyring(keyB, [keyA])), { rotated: 0, total: 0 });
  });
});
