// The env-var fallback: the first variable of required_env_vars is the key, every listed variable
// must be set, and the missing-credential error names what to set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '../errors.js';
import { createEnvCredentialResolver, envCredential, missingCredentialError } from './env-credentials.js';

const provider = { id: '00000000-0000-4000-8000-000000000001', name: 'azure-east', requiredEnvVars: ['AZURE_API_KEY', 'AZURE_RESOURCE_API_KEY'] };

describe('envCredential', () => {
  it('takes the key from the first variable once every variable is set', () => {
    assert.deepEqual(envCredential({ AZURE_API_KEY: 'k-123', AZURE_RESOURCE_API_KEY: 'east' }, provider), { apiKey: 'k-123' });
  });

  it('is undefined when any listed variable is unset or empty', () => {
    for (const env of [{}, { AZURE_API_KEY: 'k-123' }, { AZURE_RESOURCE_API_KEY: 'east' }, { AZURE_API_KEY: '', AZURE_RESOURCE_API_KEY: 'east' }]) {
      assert.equal(envCredential(env, provider), undefined, JSON.stringify(env));
    }
  });

  it('needs nothing for a provider that lists no variable', () => {
    assert.deepEqual(envCredential({}, { ...provider, requiredEnvVars: [] }), {});
  });
});

describe('the env-var policy', () => {
  const secretValue = 'pg-secret-value-123';
  const refusedEnv = {
    SWITCHBOARD_ALLOWED_ENV_VARS: '*',
    SWITCHBOARD_MASTER_KEY: secretValue,
    DATABASE_URL: secretValue,
    PGPASSWORD: secretValue,
    database_url: secretValue,
    AWS_SECRET_ACCESS_KEY: secretValue,
  };

  it('never reads SWITCHBOARD_*, DATABASE_URL or PG*, even when the setting allows every name', () => {
    for (const name of ['SWITCHBOARD_MASTER_KEY', 'DATABASE_URL', 'PGPASSWORD', 'database_url']) {
      const resolver = createEnvCredentialResolver(refusedEnv);
      assert.throws(
        () => resolver.resolve('p', { ...provider, requiredEnvVars: [name] }),
        (error: unknown) =>
          SwitchboardError.isInstance(error) &&
          error.code === 'credential_missing' &&
          error.message.includes(`names '${name}', which is reserved for the gateway itself`) &&
          !error.message.includes(secretValue),
        name,
      );
    }
  });

  it('refuses a listed variable that is not the key too, so its presence is not probed', () => {
    assert.throws(
      () => envCredential(refusedEnv, { ...provider, requiredEnvVars: ['AWS_SECRET_ACCESS_KEY', 'PGHOST'] }),
      /names 'PGHOST', which is reserved/,
    );
  });

  it('reads only *_API_KEY names by default, and what the setting allows', () => {
    const env = { AWS_SECRET_ACCESS_KEY: secretValue, OPENAI_API_KEY: 'sk-1' };
    assert.deepEqual(envCredential(env, { ...provider, requiredEnvVars: ['OPENAI_API_KEY'] }), { apiKey: 'sk-1' });
    assert.throws(
      () => envCredential(env, { ...provider, requiredEnvVars: ['AWS_SECRET_ACCESS_KEY'] }),
      (error: unknown) =>
        SwitchboardError.isInstance(error) &&
        error.message ===
          "No credentials for provider 'azure-east': its required_env_vars names 'AWS_SECRET_ACCESS_KEY', which is not allowed by SWITCHBOARD_ALLOWED_ENV_VARS " +
            '(now: *_API_KEY; the operator may add it there). Store a credential for the project instead, or fix the provider row.',
    );
    const allowing = { ...env, SWITCHBOARD_ALLOWED_ENV_VARS: ' AWS_SECRET_ACCESS_KEY , *_API_KEY' };
    assert.deepEqual(envCredential(allowing, { ...provider, requiredEnvVars: ['AWS_SECRET_ACCESS_KEY'] }), { apiKey: secretValue });
  });
});

describe('missing credentials', () => {
  it('names the variables, and the CLI command when stored credentials are available', () => {
    const withStore = missingCredentialError(provider, true);
    assert.equal(withStore.code, 'credential_missing');
    assert.equal(withStore.status, 400);
    assert.equal(
      withStore.message,
      "No credentials for provider 'azure-east': set AZURE_API_KEY, AZURE_RESOURCE_API_KEY or store one for the project with `switchboard credentials set --project <name> --provider azure-east --api-key-stdin`.",
    );
    assert.equal(missingCredentialError(provider, false).message, "No credentials for provider 'azure-east': set AZURE_API_KEY, AZURE_RESOURCE_API_KEY.");
  });

  it('the env-only resolver serves the env and otherwise throws credential_missing', () => {
    assert.deepEqual(createEnvCredentialResolver({ AZURE_API_KEY: 'k-9', AZURE_RESOURCE_API_KEY: 'east' }).resolve('any-project', provider), { apiKey: 'k-9' });
    assert.throws(
      () => createEnvCredentialResolver({ AZURE_API_KEY: 'k-9' }).resolve(undefined, provider),
      (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'credential_missing' && !error.message.includes('k-9'),
    );
  });
});
