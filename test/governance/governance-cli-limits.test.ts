// Issue 10: budgets, rate limits and allow-lists through the real CLI (main() in-process, on a
// real database). PGlite data dir, or Postgres with DATABASE_URL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, withTargetDb, type CliTarget } from '../cli/cli-harness.js';
import { governanceCliTarget } from './governance-cli-target.js';

describe('switchboard limits and access', () => {
  let target: CliTarget;
  let keyId: string;
  const cli = (...args: string[]) => runCli(args, { env: target.env });

  before(async () => {
    ({ target, keyId } = await governanceCliTarget());
  });
  after(async () => {
    await target?.dispose();
  });

  it('sets and lists rate limits, and allow-lists with a key label', async () => {
    const set = await cli('limits', 'set', 'cli-rpm', '--project', 'cli-gov', '--rpm', '60', '--tpm', '10000', '--json');
    assert.equal(set.code, 0, set.stderr);
    const rows = JSON.parse(set.stdout) as { metric: string; per_minute: string }[];
    assert.deepEqual(rows.map((row) => [row.metric, row.per_minute]).sort(), [['requests', '60'], ['tokens', '10000']]);
    const access = await cli('access', 'set', '--project', 'cli-gov', '--key', keyId, '--models', 'm-one, m-two', '--label', 'team-a', '--json');
    assert.equal(access.code, 0, access.stderr);
    await withTargetDb(target, async (db) => {
      const key = await db.query<{ allowed_models: string[]; label: string }>(`select allowed_models, label from public.api_keys where id = $1`, [keyId]);
      assert.deepEqual(key.rows[0]?.allowed_models, ['m-one', 'm-two']);
      assert.equal(key.rows[0]?.label, 'team-a');
    });
  });
});
