// Issue 17: the runtime role `switchboard_runtime` holds exactly what the gateway uses — it reads the
// configuration (through RLS policies now that every table has RLS, the config version included, so
// the version poll sees changes) and writes nothing: the request path only reads, and credentials,
// keys and rows are written by the admin side. Reproduces what a stolen runtime connection would
// try. PGlite and Postgres alike.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Queryable } from '../../src/db/db.js';
import { DatabaseError } from '../../src/errors.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { seedTenants, type SeededTenants, type Tenant } from './fixture.js';

const RUNTIME = 'switchboard_runtime';

/** What the runtime role may do, as "object: privilege". */
const EXPECTED_GRANTS = [
  // Governance: the limits are configuration; counters and leases only through the sync function.
  'ai_budgets: SELECT',
  // Shared credential blocks (issue 11): loaded with the routes; written only through a definer function.
  'ai_credential_blocks: SELECT',
  'ai_models: SELECT',
  'ai_price_history: SELECT',
  'ai_provider_credentials: SELECT',
  'ai_providers: SELECT',
  'ai_rate_limits: SELECT',
  // Routes (issue 11): the gateway loads every route, target and shared breaker row into its snapshot.
  'ai_route_health: SELECT',
  'ai_route_targets: SELECT',
  'ai_routes: SELECT',
  // The usage ledger: the gateway's batched writer inserts rows (every project's); reads are per project.
  'ai_usage: INSERT',
  'ai_usage: SELECT',
  'ai_usage_hourly: SELECT',
  'api_keys: SELECT',
  'projects: SELECT',
  'switchboard_active_api_keys(): EXECUTE',
  'switchboard_config_version: SELECT',
  'switchboard_current_project(): EXECUTE',
  'switchboard_governance_sync(): EXECUTE',
  'switchboard_model_access(): EXECUTE',
  // Its writes outside the ledger: a circuit-breaker transition and a refused credential's block
  // (each capped at an hour). The block's write twice: with the key's fingerprint, and the older
  // gateways' five-argument form (migration 20261207220000).
  'switchboard_report_credential_block(): EXECUTE',
  'switchboard_report_credential_block(): EXECUTE',
  'switchboard_report_route_health(): EXECUTE',
  // Each gateway reports itself to switchboard_instances (issue 13) through these definer functions only.
  'switchboard_remove_instance(): EXECUTE',
  'switchboard_report_instance(): EXECUTE',
];

function asRuntime<T>(db: TestDb, work: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`set local role ${RUNTIME}`);
    return work(tx);
  });
}

describe('the runtime role reads the configuration and writes nothing', () => {
  let db: TestDb;
  let seeded: SeededTenants;

  before(async () => {
    db = await createTestDb();
    seeded = await seedTenants(db, 'http://127.0.0.1:9/v1', ['grants-a']);
  });
  after(async () => {
    await db?.dispose();
  });

  it('holds exactly the privileges the gateway uses', async () => {
    const result = await db.query<{ grant: string }>(
      `select format('%s: %s', c.relname, p.privilege) as grant
         from pg_class c cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) as p(privilege)
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f') and has_table_privilege($1, c.oid, p.privilege)
       union all
       select format('%s: %s', c.relname, p.privilege)
         from pg_class c cross join unnest(array['USAGE', 'SELECT', 'UPDATE']) as p(privilege)
        where c.relnamespace = 'public'::regnamespace and c.relkind = 'S' and has_sequence_privilege($1, c.oid, p.privilege)
       union all
       select format('%s(): EXECUTE', f.proname) from pg_proc f
        where f.pronamespace = 'public'::regnamespace and has_function_privilege($1, f.oid, 'EXECUTE')
       order by 1`,
      [RUNTIME],
    );
    // Compared sorted in JS: the database's collation (C, en_US, ...) must not decide the order.
    assert.deepEqual(
      result.rows.map((row) => row.grant).sort(),
      [...EXPECTED_GRANTS].sort(),
    );
  });

  it('cannot re-point a provider, move or switch off a model, touch projects, keys, credentials, the version or the migrations', async () => {
    const tenant = seeded.tenants['grants-a'] as Tenant;
    const attempts = [
      `update public.ai_providers set api_base_url = 'http://127.0.0.1:9/attacker' where id = '${seeded.providerId}'`,
      `insert into public.ai_providers (name, provider_class) values ('rogue', 'OpenAIProvider')`,
      `update public.ai_models set provider_id = '${seeded.unsetProviderId}'`,
      `delete from public.ai_models`,
      `insert into public.projects (name) values ('rogue')`,
      `update public.api_keys set revoked_at = null`,
      `delete from public.ai_provider_credentials where project_id = '${tenant.id}'`,
      `update public.switchboard_config_version set version = version + 1`,
      `insert into public.switchboard_migrations (name, checksum) values ('29991231000000_fake.sql', 'x')`,
      `select public.switchboard_lock_down('public.ai_models')`,
    ];
    for (const statement of attempts) {
      await assert.rejects(
        asRuntime(db, (tx) => tx.query(statement)),
        (error: unknown) => {
          assert.ok(error instanceof DatabaseError, `${statement}: a DatabaseError, got ${String(error)}`);
          assert.equal(error.sqlState, '42501', `${statement}: ${error.message}`);
          return true;
        },
      );
    }
    const provider = await db.query(`select api_base_url from public.ai_providers where id = $1`, [seeded.providerId]);
    assert.deepEqual(provider.rows, [{ api_base_url: 'http://127.0.0.1:9/v1' }]);
  });

  it('sees every provider and model row and the current config version', async () => {
    const count = `select (select count(*) from public.ai_providers)::int as providers, (select count(*) from public.ai_models)::int as models,
                          (select version from public.switchboard_config_version)::int as version`;
    const owner = await db.query(count);
    const runtime = await asRuntime(db, (tx) => tx.query(count));
    assert.deepEqual(runtime.rows, owner.rows);
    assert.ok(Number(owner.rows[0]?.['version']) > 1, 'the seed bumped the version');
  });
});
