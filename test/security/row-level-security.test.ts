// Row-level security as the least-privilege runtime role `switchboard_runtime`: each transaction
// sees only the rows of the project it declares (`set_config('switchboard.project_id', …, true)`),
// nothing without one, writes nothing, no DDL, and the whole gateway works under that role. Same tests on
// PGlite (roles exist there too) and Postgres.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CredentialStore } from '../../src/credentials/credential-store.js';
import { setProjectScope } from '../../src/db/sql/credentials.js';
import type { Db, Queryable } from '../../src/db/db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { DatabaseError } from '../../src/errors.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { ENV_VAR, keyringOf, MODEL, newMasterKey, seedTenants, startStack, upstreamKey, type SeededTenants, type Tenant } from './fixture.js';

const RUNTIME = 'switchboard_runtime';
const master = newMasterKey();
const keys = { a: upstreamKey('proj-a'), b: upstreamKey('proj-b'), env: upstreamKey('env') };

/** Runs `work` in a transaction as the runtime role, scoped to `projectId` when given. */
function asRuntime<T>(db: Db, projectId: string | undefined, work: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`set local role ${RUNTIME}`);
    if (projectId !== undefined) await setProjectScope(tx, projectId);
    return work(tx);
  });
}

/** The same database, every transaction run as the runtime role (how the store reads under RLS). */
function runtimeTransactions(db: Db): Db {
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (work) =>
      db.transaction(async (tx) => {
        await tx.query(`set local role ${RUNTIME}`);
        return work(tx);
      }),
    listen: (channel, handler) => db.listen(channel, handler),
    close: () => db.close(),
  };
}

/** Asserts `promise` is refused by the database with SQLSTATE 42501, as a typed DatabaseError. */
async function refused(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DatabaseError, `a DatabaseError, got ${String(error)}`);
    assert.equal(error.sqlState, '42501');
    assert.equal(error.isRetryable, false);
    assert.match(error.message, message);
    return true;
  });
}

describe('row-level security for the runtime role', () => {
  let db: TestDb;
  let seeded: SeededTenants;
  let a: Tenant;
  let b: Tenant;

  before(async () => {
    db = await createTestDb();
    seeded = await seedTenants(db, 'http://127.0.0.1:9/v1', ['proj-a', 'proj-b']);
    a = seeded.tenants['proj-a'] as Tenant;
    b = seeded.tenants['proj-b'] as Tenant;
    const store = new CredentialStore(db, keyringOf(master.key), {});
    await store.set(a.id, seeded.providerId, { api_key: keys.a });
    await store.set(b.id, seeded.providerId, { api_key: keys.b });
    // A revoked key of project B: never handed out by switchboard_active_api_keys().
    await db.query(`insert into public.api_keys (project_id, name, prefix, key_hash, revoked_at) values ($1, 'old', 'revokedpfx01', $2, now())`, [
      b.id,
      'f'.repeat(64),
    ]);
  });
  after(async () => {
    await db?.dispose();
  });

  it('the role is least-privilege and both tables have forced RLS with one credentials policy per operation', async () => {
    const role = await db.query(
      `select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication from pg_roles where rolname = $1`,
      [RUNTIME],
    );
    assert.deepEqual(role.rows, [{ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: false, rolreplication: false }]);
    const tables = await db.query(
      `select relname, relrowsecurity, relforcerowsecurity from pg_class
        where relnamespace = 'public'::regnamespace and relname in ('ai_provider_credentials', 'api_keys') order by relname`,
    );
    assert.deepEqual(tables.rows, [
      { relname: 'ai_provider_credentials', relrowsecurity: true, relforcerowsecurity: true },
      { relname: 'api_keys', relrowsecurity: true, relforcerowsecurity: true },
    ]);
    const policies = await db.query<{ cmd: string; roles: string[] }>(
      `select cmd, roles::text[] as roles from pg_policies where schemaname = 'public' and tablename = 'ai_provider_credentials' order by cmd`,
    );
    assert.deepEqual(
      policies.rows.map((policy) => `${policy.cmd}:${policy.roles.join(',')}`),
      ['DELETE', 'INSERT', 'SELECT', 'UPDATE'].map((cmd) => `${cmd}:${RUNTIME}`),
    );
  });

  it("credentials: project A set → only A's rows; B set → only B's; none set → none", async () => {
    const select = (tx: Queryable) =>
      tx.query<{ projectId: string; user: string }>(`select project_id as "projectId", current_user as "user" from public.ai_provider_credentials`);
    const forA = await asRuntime(db, a.id, select);
    assert.deepEqual(forA.rows, [{ projectId: a.id, user: RUNTIME }]);
    const forB = await asRuntime(db, b.id, select);
    assert.deepEqual(forB.rows, [{ projectId: b.id, user: RUNTIME }]);
    assert.equal((await asRuntime(db, undefined, select)).rowCount, 0);
    // An explicit filter on the other project does not get around it.
    const sneaky = await asRuntime(db, a.id, (tx) => tx.query(`select 1 from public.ai_provider_credentials where project_id = $1`, [b.id]));
    assert.equal(sneaky.rowCount, 0);
    // The owner (no role switch) sees both: the filter is the policy, not the query.
    assert.equal((await select(db)).rowCount, 2);
  });

  it("credentials: the runtime role writes no row, not another project's and not its own", async () => {
    const envelope = (await db.query<{ credentials: string }>(`select credentials from public.ai_provider_credentials where project_id = $1`, [a.id]))
      .rows[0]?.credentials;
    assert.ok(envelope);
    const writes = [
      [`insert into public.ai_provider_credentials (project_id, provider_id, credentials) values ($1, $2, '${envelope}')`, [b.id, seeded.unsetProviderId]],
      [`insert into public.ai_provider_credentials (project_id, provider_id, credentials) values ($1, $2, '${envelope}')`, [a.id, seeded.unsetProviderId]],
      [`update public.ai_provider_credentials set project_id = $1 where project_id = $2`, [b.id, a.id]],
      [`update public.ai_provider_credentials set key_hint = 'pwned' where project_id = $1`, [b.id]],
      [`update public.ai_provider_credentials set key_hint = key_hint where project_id = $1`, [a.id]],
      [`delete from public.ai_provider_credentials where project_id = $1`, [b.id]],
      [`delete from public.ai_provider_credentials where project_id = $1`, [a.id]],
    ] as const;
    for (const project of [a.id, undefined]) {
      for (const [statement, params] of writes) {
        await refused(asRuntime(db, project, (tx) => tx.query(statement, params)), /permission denied for table ai_provider_credentials/);
      }
    }
    const rows = await db.query(`select project_id as "projectId", key_hint as "keyHint" from public.ai_provider_credentials`);
    assert.deepEqual(rows.rows.map((row) => row['projectId']).sort(), [a.id, b.id].sort());
    assert.ok(rows.rows.every((row) => row['keyHint'] !== 'pwned'));
  });

  it("api_keys: only the set project's keys are visible, and the runtime role cannot write keys", async () => {
    const select = (tx: Queryable) => tx.query<{ projectId: string }>(`select project_id as "projectId" from public.api_keys`);
    assert.deepEqual((await asRuntime(db, a.id, select)).rows, [{ projectId: a.id }]);
    assert.deepEqual((await asRuntime(db, b.id, select)).rows, [{ projectId: b.id }, { projectId: b.id }]);
    assert.equal((await asRuntime(db, undefined, select)).rowCount, 0);
    for (const project of [b.id, a.id]) {
      await refused(
        asRuntime(db, a.id, (tx) =>
          tx.query(`insert into public.api_keys (project_id, name, prefix, key_hash) values ($1, 'x', $2, $3)`, [project, randomBytes(6).toString('hex'), '0'.repeat(64)]),
        ),
        /permission denied/,
      );
    }
    await refused(
      asRuntime(db, a.id, (tx) => tx.query(`update public.api_keys set revoked_at = null where project_id = $1`, [b.id])),
      /permission denied/,
    );
  });

  it('switchboard_active_api_keys() gives the runtime role every active key hash (and no revoked one)', async () => {
    const result = await asRuntime(db, undefined, (tx) =>
      tx.query<{ projectName: string; prefix: string; keyHash: string; revokedAt: Date | null }>(
        `select project_name as "projectName", prefix, key_hash as "keyHash", revoked_at as "revokedAt" from public.switchboard_active_api_keys() order by project_name`,
      ),
    );
    assert.deepEqual(
      result.rows.map((row) => row.projectName),
      ['proj-a', 'proj-b'],
    );
    for (const row of result.rows) {
      assert.match(row.keyHash, /^[0-9a-f]{64}$/);
      assert.equal(row.revokedAt, null);
      assert.notEqual(row.prefix, 'revokedpfx01');
    }
    const owner = await db.query<{ prefix: string }>(`select prefix from public.api_keys where revoked_at is null order by prefix`);
    assert.deepEqual(result.rows.map((row) => row.prefix).sort(), owner.rows.map((row) => row.prefix));
  });

  it('the runtime role cannot run DDL', async () => {
    const ddl: [string, RegExp][] = [
      [`create table public.sb_rls_probe (id int)`, /permission denied/],
      [`create schema sb_rls_probe`, /permission denied/],
      [`alter table public.ai_provider_credentials disable row level security`, /must be owner/],
      [`alter table public.api_keys no force row level security`, /must be owner/],
      [`drop policy credentials_runtime_select on public.ai_provider_credentials`, /must be owner/],
      [`create policy sb_probe on public.ai_provider_credentials for select to ${RUNTIME} using (true)`, /must be owner/],
      [`create view public.sb_rls_probe as select 1`, /permission denied/],
      [`create function public.sb_rls_probe() returns int language sql as 'select 1'`, /permission denied/],
    ];
    for (const [statement, message] of ddl) {
      await refused(asRuntime(db, a.id, (tx) => tx.query(statement)), message);
    }
    const probe = await db.query(`select to_regclass('public.sb_rls_probe') as probe`);
    assert.deepEqual(probe.rows, [{ probe: null }]);
    // Granting what it does not own is a no-op (Postgres only warns): nothing leaks to PUBLIC.
    await asRuntime(db, a.id, (tx) => tx.query(`grant select on public.api_keys, public.ai_provider_credentials to public`));
    const leaked = await db.query(
      `select has_table_privilege('public', 'public.api_keys', 'select') as keys, has_table_privilege('public', 'public.ai_provider_credentials', 'select') as credentials`,
    );
    assert.deepEqual(leaked.rows, [{ keys: false, credentials: false }]);
  });

  it('the CredentialStore under the runtime role reads each project its own row, and storing is refused', async () => {
    const runtimeDb = runtimeTransactions(db);
    const target = { id: seeded.providerId, name: 'sec-openai', requiredEnvVars: [ENV_VAR], baseUrl: 'http://127.0.0.1:9/v1' };
    // The env var holds another key: a read that RLS hid would silently fall back to it.
    const store = new CredentialStore(runtimeDb, keyringOf(master.key), { [ENV_VAR]: keys.env });
    assert.deepEqual(await store.resolve(a.id, target), { apiKey: keys.a, projectOwned: true });
    assert.deepEqual(await store.resolve(b.id, target), { apiKey: keys.b, projectOwned: true });
    // Credentials are written by the admin side (owner, superuser or BYPASSRLS), never by the gateway's role.
    await refused(store.set(a.id, seeded.unsetProviderId, { api_key: upstreamKey('proj-a-2') }), /permission denied/);
    await refused(store.delete(a.id, seeded.providerId), /permission denied/);
    const left = await db.query(`select count(*)::int as n from public.ai_provider_credentials`);
    assert.deepEqual(left.rows, [{ n: 2 }]);
  });
});

describe('the gateway connected as the runtime role', () => {
  let db: TestDb;
  let mock: OpenAIMock;
  let runtimeDb: Db;
  let dropLogin: (() => Promise<void>) | undefined;
  let seeded: SeededTenants;

  before(async () => {
    mock = await startOpenAIMock({ apiKeys: [keys.a, keys.b, keys.env] });
    db = await createTestDb();
    seeded = await seedTenants(db, mock.baseUrl, ['proj-a', 'proj-b', 'proj-c']);
    const store = new CredentialStore(db, keyringOf(master.key), {});
    await store.set((seeded.tenants['proj-a'] as Tenant).id, seeded.providerId, { api_key: keys.a });
    await store.set((seeded.tenants['proj-b'] as Tenant).id, seeded.providerId, { api_key: keys.b });
    if (db.url !== undefined) {
      // Postgres: a login role that is a member of switchboard_runtime, as the README documents.
      const login = `sb_rt_${randomBytes(5).toString('hex')}`;
      await db.exec(`create role ${login} login in role ${RUNTIME}`);
      const url = new URL(db.url);
      url.username = login;
      const pool = await openPostgresDb({ url: url.toString(), max: 3 });
      runtimeDb = pool;
      dropLogin = async () => {
        await pool.close();
        await db.exec(`drop role if exists ${login}`);
      };
    } else {
      // PGlite has one session: switch it to the runtime role for the rest of this database's life.
      await db.exec(`set role ${RUNTIME}`);
      runtimeDb = db;
    }
  });
  after(async () => {
    await dropLogin?.();
    await mock?.close();
    await db?.dispose();
  });

  it('serves each project with its own key, and the env var for a project without a row', async () => {
    const whoami = await runtimeDb.query<{ user: string }>(`select current_user as "user"`);
    assert.notEqual(whoami.rows[0]?.user, 'postgres');
    const stack = await startStack(runtimeDb, { keyring: keyringOf(master.key), env: { [ENV_VAR]: keys.env } });
    try {
      for (const [name, key] of [
        ['proj-a', keys.a],
        ['proj-b', keys.b],
        ['proj-c', keys.env],
      ] as const) {
        const tenant = seeded.tenants[name] as Tenant;
        const before = mock.requests.length;
        const completion = await stack.client(tenant.apiKey).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `hi ${name}` }] });
        assert.equal(completion.choices[0]?.message.content, `Echo: hi ${name}`);
        assert.deepEqual(
          mock.requests.slice(before).map((request) => request.headers.authorization),
          [`Bearer ${key}`],
        );
      }
    } finally {
      await stack.close();
    }
  });
});
