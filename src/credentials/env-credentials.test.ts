// The env-var fallback: the first variable of required_env_vars is the key, every listed variable
// must be set, and the missing-credential error names what to set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '../errors.js';
import { createEnvCredentialResolver, envCredential, missingCredentialError } from './env-credentials.js';

const provider = { id: '00000000-0000-4000-8000-000000000001', name: 'azure-east', requiredEnvVars: ['AZURE_KEY', 'AZURE_RESOURCE'] };

describe('envCredential', () => {
  it('takes the key from the first variable once every variable is set', () => {
    assert.deepEqual(envCredential({ AZURE_KEY: 'k-123', AZURE_RESOURCE: 'east' }, provider), { apiKey: 'k-123' });
  });

  it('is undefined when any listed variable is unset or empty', () => {
    for (const env of [{}, { AZURE_KEY: 'k-123' }, { AZURE_RESOURCE: 'east' }, { AZURE_KEY: '', AZURE_RESOURCE: 'east' }]) {
      assert.equal(envCredential(env, provider), undefined, JSON.stringify(env));
    }
  });

  it('needs nothing for a provider that lists no variable', () => {
    assert.deepEqual(envCredential({}, { ...provider, requiredEnvVars: [] }), {});
  });
});

describe('missing credentials', () => {
  it('names the variables, and the CLI command when stored credentials are available', () => {
    const withStore = missingCredentialError(provider, true);
    assert.equal(withStore.code, 'credential_missing');
    assert.equal(withStore.status, 400);
    assert.equal(
      withStore.message,
      "No credentials for provider 'azure-east': set AZURE_KEY, AZURE_RESOURCE or store one for the project with `switchboard credentials set --project <name> --provider azure-east --api-key-stdin`.",
    );
    assert.equal(missingCredentialError(provider, false).message, "No credentials for provider 'azure-east': set AZURE_KEY, AZURE_RESOURCE.");
  });

  it('the env-only resolver serves the env and otherwise throws credential_missing', () => {
    assert.deepEqual(createEnvCredentialResolver({ AZURE_KEY: 'k-9', AZURE_RESOURCE: 'east' }).resolve('any-project', provider), { apiKey: 'k-9' });
    assert.throws(
      () => createEnvCredentialResolver({ AZURE_KEY: 'k-9' }).resolve(undefined, provider),
      (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'credential_missing' && !error.message.includes('k-9'),
    );
  });
});
