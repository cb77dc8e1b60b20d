// The env-var policy: the default allows *_API_KEY names (the seeded rows: test/security), the hard-denied
// names are refused whatever the setting says, and a malformed setting is a clear error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '../errors.js';
import { createEnvVarPolicy } from './env-var-policy.js';

describe('createEnvVarPolicy', () => {
  it('defaults to *_API_KEY, also for a blank setting', () => {
    assert.deepEqual(createEnvVarPolicy(undefined).allowed, ['*_API_KEY']);
    assert.deepEqual(createEnvVarPolicy('  ').allowed, ['*_API_KEY']);
    assert.equal(createEnvVarPolicy(undefined).refusal('OPENAI_API_KEY'), undefined);
  });

  it('by default refuses other names (any secret of the process)', () => {
    const policy = createEnvVarPolicy(undefined);
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'HOME', 'OPENAI_API_KEY_BACKUP', 'STRIPE_SECRET_KEY']) {
      assert.match(policy.refusal(name) ?? '', /^is not allowed by SWITCHBOARD_ALLOWED_ENV_VARS \(now: \*_API_KEY;/, name);
    }
  });

  it('refuses SWITCHBOARD_*, DATABASE_URL and PG* whatever the setting (any case)', () => {
    for (const setting of [undefined, '*', 'SWITCHBOARD_MASTER_KEY,DATABASE_URL,PGPASSWORD', '*_KEY,*_URL,PG*']) {
      const policy = createEnvVarPolicy(setting);
      for (const name of ['SWITCHBOARD_MASTER_KEY', 'SWITCHBOARD_ADMIN_TOKEN', 'DATABASE_URL', 'PGPASSWORD', 'PG_API_KEY', 'Switchboard_Master_Key', 'database_url', 'pguser']) {
        assert.match(policy.refusal(name) ?? '', /^is reserved for the gateway itself/, `${setting}: ${name}`);
      }
    }
  });

  it('takes names and glob patterns, matched whole and case-sensitively', () => {
    const policy = createEnvVarPolicy('AZURE_*, MY_TOKEN');
    assert.equal(policy.refusal('AZURE_RESOURCE'), undefined);
    assert.equal(policy.refusal('MY_TOKEN'), undefined);
    assert.notEqual(policy.refusal('MY_TOKEN_2'), undefined);
    assert.notEqual(policy.refusal('azure_resource'), undefined);
    assert.notEqual(policy.refusal('OPENAI_API_KEY'), undefined, 'a setting replaces the default');
  });

  it('a malformed entry is a clear error naming the setting', () => {
    for (const setting of ['OPENAI_API_KEY;rm', 'A-B', 'X.*']) {
      assert.throws(
        () => createEnvVarPolicy(setting),
        (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'invalid_request' && /^SWITCHBOARD_ALLOWED_ENV_VARS: '/.test(error.message),
        setting,
      );
    }
  });
});
