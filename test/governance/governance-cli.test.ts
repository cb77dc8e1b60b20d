// Issue 10: budgets, rate limits and allow-lists through the real CLI (main() in-process, on a
// real database). PGlite data dir, or Postgres with DATABASE_URL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lines, runCli, type CliTarget } from '../cli/cli-harness.js';
import { governanceCliTarget } from './governance-cli-target.js';

describe('switchboard budgets', () => {
  let target: CliTarget;
  let keyId: string;
  const cli = (...args: string[]) => runCli(args, { env: target.env });

  before(async () => {
    ({ target, keyId } = await governanceCliTarget());
  });
  after(async () => {
    await target?.dispose();
  });

  it('sets, lists and removes a budget', async () => {
    const set = await cli('budgets', 'set', 'cli-month', '--project', 'cli-gov', '--limit-usd', '25.50', '--soft', '0.8', '--key', keyId, '--json');
    assert.equal(set.code, 0, set.stderr);
    const budget = JSON.parse(set.stdout) as Record<string, unknown>;
    assert.equal(budget['limit_usd'], '25.50');
    assert.equal(budget['spent_usd'], '0.00');
    assert.equal(budget['period'], 'month');
    assert.equal(budget['api_key_id'], keyId);
    const list = await cli('budgets', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(lines(list.stdout)[0] ?? '', /^name\s+project\s+api_key_id\s+model_name\s+period\s+period_end\s+limit_usd\s+spent_usd\s+reserved_usd\s+leased_usd\s+leases\s+unpriced$/);
    assert.match(list.stdout, /cli-month\s+cli-gov.*\sallow$/m);
    assert.equal((await cli('budgets', 'remove', 'cli-month')).code, 0);
  });

  it('--unpriced refuse makes a budget refuse models with no price; a bad value names the field', async () => {
    const set = await cli('budgets', 'set', 'cli-strict', '--project', 'cli-gov', '--limit-usd', '5', '--unpriced', 'refuse', '--json');
    assert.equal(set.code, 0, set.stderr);
    assert.equal((JSON.parse(set.stdout) as Record<string, unknown>)['unpriced'], 'refuse');
    assert.match((await cli('budgets', 'list')).stdout, /cli-strict\s+cli-gov.*\srefuse$/m);
    const bad = await cli('budgets', 'set', 'cli-strict', '--project', 'cli-gov', '--limit-usd', '5', '--unpriced', 'deny');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unpriced/);
    assert.equal((await cli('budgets', 'remove', 'cli-strict')).code, 0);
  });
});
