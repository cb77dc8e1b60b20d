// CredentialStore on a real database: stored row → env vars → clear error; the in-memory cache (no
// query in steady state, invalidation, concurrent loads, a stale load never cached); failing closed
// on rows that do not open; set/delete and their refusals.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { credentialAssociatedData, sealSecret } from '../crypto/envelope.js';
import { createKeyring, createMasterKey, type Keyring } from '../crypto/keyring.js';
import type { Db, Queryable } from '../db/db.js';
import { SwitchboardError } from '../errors.js';
import { CredentialStore } from './credential-store.js';
import type { CredentialTarget } from './credential-resolver.js';

const keyring: Keyring = createKeyring(createMasterKey(randomBytes(32)));
const secret = (label: string) => `sk-${label}-${randomBytes(12).toString('hex')}`;

/** The real database, counting the statements and transactions the store runs. */
function counting(db: Db): Db & { count: number } {
  const wrapped = {
    count: 0,
    kind: db.kind,
    query: ((sql: string, params?: Parameters<Queryable['query']>[1]) => {
      wrapped.count++;
      return db.query(sql, params);
    }) as Queryable['query'],
    exec: (sql: string) => {
      wrapped.count++;
      return db.exec(sql);
    },
    transaction: <T>(work: (tx: Queryable) => Promise<T>) => {
      wrapped.count++;
      return db.transaction(work);
    },
    listen: db.listen.bind(db),
    close: () => db.close(),
  };
  return wrapped;
}

function expectError(code: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(SwitchboardError.isInstance(error), String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('CredentialStore', () => {
  let db: TestDb;
  let projectId: string;
  let otherProjectId: string;
  let provider: CredentialTarget;
  let keylessProvider: CredentialTarget;
  const envKey = secret('env');

  before(async () => {
    db = await createTestDb();
    const insertProvider = async (name: string, envVars: string[]) => {
      const result = await db.query<{ id: string }>(
        `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ($1, 'OpenAIProvider', 'http://127.0.0.1:9/v1', $2::jsonb) returning id`,
        [name, JSON.stringify(envVars)],
      );
      return (result.rows[0] as { id: string }).id;
    };
    provider = { id: await insertProvider('store-openai', ['STORE_OPENAI_KEY', 'STORE_OPENAI_REGION']), name: 'store-openai', requiredEnvVars: ['STORE_OPENAI_KEY', 'STORE_OPENAI_REGION'], baseUrl: 'http://127.0.0.1:9/v1' };
    keylessProvider = { id: await insertProvider('store-local', []), name: 'store-local', requiredEnvVars: [] };
    const projects = await db.query<{ id: string }>(`insert into public.projects (name) values ('store-a'), ('store-b') returning id`);
    projectId = (projects.rows[0] as { id: string }).id;
    otherProjectId = (projects.rows[1] as { id: string }).id;
  });
  after(async () => {
    await db?.dispose();
  });
  beforeEach(async () => {
    await db.query(`delete from public.ai_provider_credentials`);
  });

  const allowed = { SWITCHBOARD_ALLOWED_ENV_VARS: 'STORE_OPENAI_*' };
  const env = () => ({ ...allowed, STORE_OPENAI_KEY: envKey, STORE_OPENAI_REGION: 'eu' });

  it('resolves a stored payload into the provider credential, per project', async () => {
    const store = new CredentialStore(db, keyring, env());
    const key = secret('stored');
    const result = await store.set(projectId, provider.id, {
      api_key: key,
      organization: 'org-acme',
      base_url: 'https://eu.example.com/v1',
      headers: { 'X-Tenant': 'acme' },
    });
    assert.deepEqual(result, { keyHint: `…${key.slice(-4)}` });
    assert.deepEqual(await store.resolve(projectId, provider), {
      apiKey: key,
      organization: 'org-acme',
      baseUrl: 'https://eu.example.com/v1',
      headers: { 'X-Tenant': 'acme' },
      projectOwned: true,
    });
    // The other project has no row: env vars, shared by every project (not marked as its own).
    assert.deepEqual(await store.resolve(otherProjectId, provider), { apiKey: envKey });
  });

  it('no row and no (complete) env vars: credential_missing naming the env vars and the CLI command', async () => {
    const store = new CredentialStore(db, keyring, { ...allowed, STORE_OPENAI_KEY: envKey, STORE_OPENAI_REGION: '' });
    await assert.rejects(
      Promise.resolve().then(() => store.resolve(projectId, provider)),
      expectError('credential_missing', /^No credentials for provider 'store-openai': set STORE_OPENAI_KEY, STORE_OPENAI_REGION or store one for the project with `switchboard credentials set --project <name> --provider store-openai --api-key-stdin`\.$/),
    );
    // A provider that needs no key resolves to an empty credential.
    assert.deepEqual(await store.resolve(projectId, keylessProvider), {});
  });

  it('without a project (library calls) only the env vars are used, with no query', async () => {
    const counted = counting(db);
    await new CredentialStore(db, keyring, {}).set(projectId, provider.id, { api_key: secret('stored') });
    const store = new CredentialStore(counted, keyring, env());
    assert.deepEqual(store.resolve(undefined, provider), { apiKey: envKey });
    assert.equal(counted.count, 0);
  });

  it('serves from memory until invalidated, and concurrent first resolves share one read', async () => {
    const counted = counting(db);
    const store = new CredentialStore(counted, keyring, env());
    const first = secret('first');
    await new CredentialStore(db, keyring, {}).set(projectId, provider.id, { api_key: first });
    const results = await Promise.all([store.resolve(projectId, provider), store.resolve(projectId, provider), store.resolve(projectId, provider)]);
    const own = (apiKey: string) => ({ apiKey, projectOwned: true });
    assert.deepEqual(results, [own(first), own(first), own(first)]);
    assert.equal(counted.count, 1, 'one transaction for three concurrent resolves');
    // Steady state: synchronous, no query, even though the row changed underneath.
    const second = secret('second');
    await new CredentialStore(db, keyring, {}).set(projectId, provider.id, { api_key: second });
    assert.deepEqual(store.resolve(projectId, provider), own(first));
    assert.equal(counted.count, 1);
    store.invalidate();
    assert.deepEqual(await store.resolve(projectId, provider), own(second));
    assert.equal(counted.count, 2);
  });

  it('a load that an invalidation overtook is not cached', async () => {
    const counted = counting(db);
    const store = new CredentialStore(counted, keyring, env());
    await new CredentialStore(db, keyring, {}).set(projectId, provider.id, { api_key: secret('old') });
    const pending = store.resolve(projectId, provider);
    store.invalidate();
    await db.query(`delete from public.ai_provider_credentials where project_id = $1`, [projectId]);
    await pending;
    const reads = counted.count;
    assert.deepEqual(await store.resolve(projectId, provider), { apiKey: envKey });
    assert.equal(counted.count, reads + 1, 'read again after the invalidation');
  });

  it('set and delete invalidate the cache of the same store', async () => {
    const store = new CredentialStore(db, keyring, env());
    assert.deepEqual(await store.resolve(projectId, provider), { apiKey: envKey });
    const key = secret('new');
    await store.set(projectId, provider.id, { api_key: key });
    assert.deepEqual(await store.resolve(projectId, provider), { apiKey: key, projectOwned: true });
    assert.equal(await store.delete(projectId, provider.id), true);
    assert.deepEqual(await store.resolve(projectId, provider), { apiKey: envKey });
    assert.equal(await store.delete(projectId, provider.id), false);
  });

  describe('fails closed (the env vars are set and never used for a row that exists)', () => {
    const insertRow = (credentials: string, project = projectId) =>
      db.query(`insert into public.ai_provider_credentials (project_id, provider_id, credentials) values ($1, $2, $3)`, [project, provider.id, credentials]);

    it('another master key, and the error is cached until invalidated', async () => {
      const other = createKeyring(createMasterKey(randomBytes(32)));
      const key = secret('elsewhere');
      await new CredentialStore(db, other, {}).set(projectId, provider.id, { api_key: key });
      const counted = counting(db);
      const store = new CredentialStore(counted, keyring, env());
      const failure = expectError('credential_invalid', new RegExp(`^The stored credentials of this project for provider 'store-openai' cannot be used: credential was encrypted with master key id ${other.current.id}, which is not configured`));
      await assert.rejects(Promise.resolve().then(() => store.resolve(projectId, provider)), failure);
      assert.throws(() => store.resolve(projectId, provider), failure);
      assert.equal(counted.count, 1);
    });

    it('a ciphertext sealed for another project', async () => {
      const envelope = sealSecret(JSON.stringify({ api_key: secret('moved') }), keyring.current, credentialAssociatedData(otherProjectId, provider.id));
      await insertRow(envelope);
      await assert.rejects(
        Promise.resolve().then(() => new CredentialStore(db, keyring, env()).resolve(projectId, provider)),
        expectError('credential_invalid', /wrong master key, tampered, or moved from another project\/provider/),
      );
    });

    it('a decrypted value that is not a valid payload, without echoing it', async () => {
      const associated = credentialAssociatedData(projectId, provider.id);
      const raw = secret('raw');
      for (const [plaintext, reason] of [
        [raw, /the decrypted payload is not valid$/],
        [JSON.stringify({ api_key: raw, secret_field: raw }), /Invalid credentials payload at \(root\): unknown field\(s\): secret_field/],
      ] as const) {
        await db.query(`delete from public.ai_provider_credentials`);
        await insertRow(sealSecret(plaintext, keyring.current, associated));
        await assert.rejects(Promise.resolve().then(() => new CredentialStore(db, keyring, env()).resolve(projectId, provider)), (error: unknown) => {
          expectError('credential_invalid', reason)(error);
          assert.ok(!(error as Error).message.includes(raw));
          return true;
        });
      }
    });

    it('no keyring (Postgres without SWITCHBOARD_MASTER_KEY)', async () => {
      await new CredentialStore(db, keyring, {}).set(projectId, provider.id, { api_key: secret('stored') });
      await assert.rejects(
        Promise.resolve().then(() => new CredentialStore(db, undefined, env()).resolve(projectId, provider)),
        expectError('credential_invalid', /SWITCHBOARD_MASTER_KEY is not set/),
      );
    });
  });

  describe('set refuses', () => {
    const rowCount = async () => (await db.query<{ n: number }>(`select count(*)::int as n from public.ai_provider_credentials`)).rows[0]?.n;

    it('without a keyring, with the clear message, storing nothing', async () => {
      await assert.rejects(
        new CredentialStore(db, undefined, {}).set(projectId, provider.id, { api_key: secret('x') }),
        expectError('credential_invalid', /^SWITCHBOARD_MASTER_KEY is not set: credentials cannot be stored or read against Postgres without it \(generate one with: openssl rand -base64 32\)$/),
      );
      assert.equal(await rowCount(), 0);
    });

    it('an invalid payload, naming the field and never the value', async () => {
      const value = secret('leak');
      for (const [payload, field] of [
        [{ api_key: '' }, 'api_key'],
        [{ apikey: value }, 'api_key'],
        [{ api_key: value, extra: value }, '(root)'],
        [{ api_key: value, organization: '' }, 'organization'],
        [{ api_key: value, base_url: `ftp://${value}` }, 'base_url'],
        [{ api_key: value, headers: { 'Bad Header': value } }, 'headers.Bad Header'],
        [value, '(root)'],
      ] as const) {
        await assert.rejects(new CredentialStore(db, keyring, {}).set(projectId, provider.id, payload), (error: unknown) => {
          expectError('invalid_request', new RegExp(`^Invalid credentials payload at ${field.replace(/[()]/g, '\\$&')}: `))(error);
          assert.equal((error as SwitchboardError).param, field);
          assert.ok(!(error as Error).message.includes(value), (error as Error).message);
          return true;
        });
      }
      assert.equal(await rowCount(), 0);
    });
  });
});
