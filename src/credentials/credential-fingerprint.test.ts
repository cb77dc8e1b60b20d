import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createMasterKey } from '../crypto/keyring.js';
import { SwitchboardError } from '../errors.js';
import type { CredentialResolver, CredentialTarget } from './credential-resolver.js';
import { envCredentialFingerprints, refusedCredentialFingerprint } from './credential-fingerprint.js';

const provider: CredentialTarget = { id: '11111111-1111-4111-8111-111111111111', name: 'vendor', requiredEnvVars: ['VENDOR_API_KEY'] };
const other: CredentialTarget = { ...provider, id: '22222222-2222-4222-8222-222222222222' };
const master = createMasterKey(randomBytes(32));

describe('env credential fingerprints', () => {
  it('agree across instances sharing the master key and the value, and differ otherwise', () => {
    const env = { VENDOR_API_KEY: 'sk-vendor-0123456789' };
    const one = envCredentialFingerprints(master, env);
    const two = envCredentialFingerprints(master, { ...env });
    assert.ok(one && two);
    assert.match(one.of(provider), /^[0-9a-f]{32}$/);
    assert.equal(two.of({ ...provider }), one.of(provider), 'the same key on another instance');
    assert.notEqual(envCredentialFingerprints(master, { VENDOR_API_KEY: 'sk-vendor-fixed-0123' })?.of(provider), one.of(provider), 'another value');
    assert.notEqual(envCredentialFingerprints(createMasterKey(randomBytes(32)), env)?.of(provider), one.of(provider), 'another master key');
    assert.notEqual(one.of(other), one.of(provider), 'another provider with the same key');
    const unset = envCredentialFingerprints(master, {})?.of(provider);
    assert.match(unset ?? '', /^[0-9a-f]{32}$/, 'an unset variable has a fingerprint of its own');
    assert.notEqual(unset, one.of(provider));
  });

  it('are recognised under every master key held (a rotation), written under the current one', () => {
    const env = { VENDOR_API_KEY: 'sk-vendor-0123456789' };
    const rotated = envCredentialFingerprints(createMasterKey(randomBytes(32)), env, undefined, [master]);
    const onOld = envCredentialFingerprints(master, env);
    assert.ok(rotated && onOld);
    assert.notEqual(rotated.of(provider), onOld.of(provider), 'written under the new key');
    assert.deepEqual(rotated.held(provider), [rotated.of(provider), onOld.of(provider)]);
    assert.ok(!envCredentialFingerprints(master, { VENDOR_API_KEY: 'sk-vendor-fixed-0123' }, undefined, [master])?.held(provider).includes(onOld.of(provider)), 'not another value');
  });

  it('are none without a master key (never a plain hash of the key)', () => {
    assert.equal(envCredentialFingerprints(undefined, { VENDOR_API_KEY: 'sk-vendor-0123456789' }), undefined);
  });

  it('a block is written with the env key\'s fingerprint, none for a stored credential or an unknown failure', async () => {
    const fingerprints = envCredentialFingerprints(master, { VENDOR_API_KEY: 'sk-vendor-0123456789' });
    assert.ok(fingerprints);
    const answering = (answer: () => ReturnType<CredentialResolver['resolve']>): CredentialResolver => ({ resolve: answer });
    const env = answering(() => ({ apiKey: 'sk-vendor-0123456789' }));
    const stored = answering(() => Promise.resolve({ apiKey: 'sk-stored-0123456789', projectOwned: true }));
    const missing = answering(() => {
      throw new SwitchboardError('credential_missing', 'No credentials');
    });
    const down = answering(() => Promise.reject(new SwitchboardError('database_unavailable', 'down', { status: 503 })));
    assert.equal(await refusedCredentialFingerprint(env, fingerprints, null, provider), fingerprints.of(provider));
    assert.equal(await refusedCredentialFingerprint(stored, fingerprints, 'p', provider), undefined);
    assert.equal(await refusedCredentialFingerprint(missing, fingerprints, 'p', provider), fingerprints.of(provider));
    assert.equal(await refusedCredentialFingerprint(down, fingerprints, 'p', provider), undefined);
  });
});
