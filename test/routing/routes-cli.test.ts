// `switchboard routes …` and `switchboard usage --route R --by arm` through the real CLI (main()
// in-process) on a migrated database: add, list, targets set, update, explain (computed from the
// database with no gateway running), the comparison from ledger rows inserted with SQL, remove; bad
// input is a one-line error with exit 1. Embedded PGlite data dir, or Postgres with DATABASE_URL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { envCredentialFingerprints } from '../../src/credentials/credential-fingerprint.js';
import { createMasterKey } from '../../src/crypto/keyring.js';
import { migratedTarget, runCli, withTargetDb, type CliTarget } from '../cli/cli-harness.js';

describe('switchboard routes', () => {
  let target: CliTarget;
  const cli = (...args: string[]) => runCli(args, { env: target.env });

  before(async () => {
    target = await migratedTarget();
    await withTargetDb(target, async (db) => {
      await db.exec(`
insert into ai_providers (name, provider_class, api_base_url, required_env_vars)
  values ('cli-route-openai', 'OpenAIProvider', 'http://127.0.0.1:9/v1', '["CLI_ROUTE_API_KEY"]'::jsonb);
insert into ai_models (name, provider_id, model_id) values
  ('cli-small', (select id from ai_providers where name = 'cli-route-openai'), 'gpt-4o-mini'),
  ('cli-large', (select id from ai_providers where name = 'cli-route-openai'), 'gpt-4o'),
  ('cli-backup', (select id from ai_providers where name = 'cli-route-openai'), 'gpt-4.1-mini');
`);
    });
  });
  after(async () => {
    await target?.dispose();
  });

  test('add, list, targets set and update change the rows, bumping the version', async () => {
    const added = await cli('routes', 'add', 'cli-ab', 'cli-small=90#control', 'cli-large=10#treatment', 'cli-backup=1@1', '--max-attempts', '2', '--json');
    assert.equal(added.code, 0, added.stderr);
    const route = JSON.parse(added.stdout) as { version: number; max_attempts: number; targets: { model: string; weight: number; tier: number; arm: string }[] };
    assert.equal(route.max_attempts, 2);
    assert.deepEqual(route.targets.map((t) => [t.model, t.weight, t.tier, t.arm]), [
      ['cli-small', 90, 0, 'control'],
      ['cli-large', 10, 0, 'treatment'],
      ['cli-backup', 1, 1, 'cli-backup'],
    ]);

    const listed = await cli('routes', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /cli-ab/);
    assert.match(listed.stdout, /treatment/);

    const set = await cli('routes', 'targets', 'set', 'cli-ab', 'cli-small=80#control', 'cli-large=20#treatment', '--json');
    assert.equal(set.code, 0, set.stderr);
    const after = JSON.parse(set.stdout) as typeof route;
    assert.deepEqual(after.targets.map((t) => [t.model, t.weight]), [['cli-small', 80], ['cli-large', 20]]);
    assert.ok(after.version > route.version, 'the version grows');

    const updated = await cli('routes', 'update', 'cli-ab', '--sticky-key', 'header', '--json');
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal((JSON.parse(updated.stdout) as { sticky_key: string }).sticky_key, 'header');
  });

  test('explain without a running gateway names the pick for a key, with every breaker taken as closed', async () => {
    const explained = await cli('routes', 'explain', 'cli-ab', '--key', 'user-7', '--json');
    assert.equal(explained.code, 0, explained.stderr);
    const body = JSON.parse(explained.stdout) as { pick: { model: string }; order: string[]; targets: { model: string; share: number }[]; breakers: string };
    assert.ok(['cli-small', 'cli-large'].includes(body.pick.model));
    assert.equal(body.order[0], body.pick.model);
    assert.equal(body.targets.find((t) => t.model === 'cli-small')?.share, 0.8);
    assert.match(body.breakers, /closed/);
    const again = await cli('routes', 'explain', 'cli-ab', '--key', 'user-7', '--json');
    assert.equal((JSON.parse(again.stdout) as { pick: { model: string } }).pick.model, body.pick.model, 'the same key, the same pick');
  });

  // Since 4c4c6c4 a gateway applies a shared block with a fingerprint only when it is that of its own
  // env-var key; the offline explain read every block row as applying, so it showed the provider
  // blocked (and its targets last in the order) for a gateway started here with a fixed key.
  test('explain without a running gateway applies a credential block only as a gateway started here would', async () => {
    const master = randomBytes(32);
    const env = { ...target.env, CLI_ROUTE_API_KEY: 'sk-cli-route-fixed-0123456789', SWITCHBOARD_MASTER_KEY: master.toString('base64') };
    const provider = await withTargetDb(target, async (db) => (await db.query<{ id: string }>(`select id from ai_providers where name = 'cli-route-openai'`)).rows[0]?.id ?? '');
    const target_ = { id: provider, name: 'cli-route-openai', requiredEnvVars: ['CLI_ROUTE_API_KEY'] };
    const fingerprintOf = (key: string): string => envCredentialFingerprints(createMasterKey(master), { ...env, CLI_ROUTE_API_KEY: key })?.of(target_) ?? '';
    const blocked = async (fingerprint: string | null): Promise<boolean[]> => {
      await withTargetDb(target, (db) =>
        db.query(
          `insert into ai_credential_blocks (project_id, provider_id, blocked_until, reason, changed_by, changed_at, credential_fingerprint)
           values (null, $1, now() + interval '5 minutes', 'http 401', 'another-instance', now(), $2)
           on conflict (coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid), provider_id)
           do update set credential_fingerprint = excluded.credential_fingerprint, changed_at = excluded.changed_at`,
          [provider, fingerprint],
        ),
      );
      const explained = await runCli(['routes', 'explain', 'cli-ab', '--json'], { env });
      assert.equal(explained.code, 0, explained.stderr);
      return (JSON.parse(explained.stdout) as { targets: { credential_blocked: boolean }[] }).targets.map((t) => t.credential_blocked);
    };
    try {
      assert.deepEqual(await blocked(fingerprintOf('sk-cli-route-wrong-0123456789')), [false, false], "another key's block: not applied here");
      assert.deepEqual(await blocked(fingerprintOf(env.CLI_ROUTE_API_KEY)), [true, true], "this environment's key's block");
      assert.deepEqual(await blocked(null), [true, true], 'a block without a fingerprint applies everywhere');
    } finally {
      await withTargetDb(target, (db) => db.query(`delete from ai_credential_blocks where provider_id = $1`, [provider]));
    }
  });

  test('usage --route --by arm compares the arms from the rollups, with the sample-ratio check', async () => {
    await withTargetDb(target, (db) =>
      db.exec(`
insert into ai_usage (request_id, attempt, started_at, ended_at, requested_model, model_name, endpoint, status, usage_source,
                      route_name, arm, served_arm, fallback, input_tokens, output_tokens, cost_usd)
select 'r' || i, 1, now(), now() + interval '100 ms', 'cli-ab', case when i % 5 = 0 then 'cli-large' else 'cli-small' end, 'chat', 200, 'provider',
       'cli-ab', case when i % 5 = 0 then 'treatment' else 'control' end, case when i % 5 = 0 then 'treatment' else 'control' end, false, 10, 20, 0.001
  from generate_series(1, 100) as i;
`),
    );
    const compared = await cli('usage', '--route', 'cli-ab', '--by', 'arm', '--json');
    assert.equal(compared.code, 0, compared.stderr);
    const comparison = JSON.parse(compared.stdout) as {
      by_arm_assigned: { arm: string; requests: number; expected_share: number; output_tokens_per_request: number; cost_per_request_usd: number }[];
      sample_ratio: { p_value: number; mismatch: boolean };
    };
    const control = comparison.by_arm_assigned.find((arm) => arm.arm === 'control');
    assert.equal(control?.requests, 80);
    assert.equal(control?.expected_share, 0.8);
    assert.equal(control?.output_tokens_per_request, 20);
    assert.ok(Math.abs((control?.cost_per_request_usd ?? 0) - 0.001) < 1e-12);
    assert.ok(!comparison.sample_ratio.mismatch && comparison.sample_ratio.p_value > 0.9, JSON.stringify(comparison.sample_ratio));
    const table = await cli('usage', '--route', 'cli-ab', '--by', 'arm');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /by arm assigned/);
    assert.match(table.stdout, /the split matches the weights/);
  });

  test('bad input is a one-line error; remove deletes the route', async () => {
    const bad = await cli('routes', 'add', 'cli-bad', 'cli-small=lots');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not <model>=<weight>/);
    const unknown = await cli('routes', 'add', 'cli-bad', 'no-such-model=1');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No model named 'no-such-model'/);
    const removed = await cli('routes', 'remove', 'cli-ab');
    assert.equal(removed.code, 0, removed.stderr);
    const gone = await cli('routes', 'remove', 'cli-ab');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No route named 'cli-ab'/);
  });
});
