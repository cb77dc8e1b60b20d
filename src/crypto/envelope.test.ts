import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SwitchboardError } from '../errors.js';
import { credentialAssociatedData, envelopeKeyId, openSecret, sealSecret } from './envelope.js';
import { createKeyring, createMasterKey } from './keyring.js';

const SECRET = 'sk-live-very-secret-value-1234567890';
const ENVELOPE_CHECK = /^v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/;
const projectA = '6f1c2a80-0000-4000-8000-000000000001';
const providerA = '6f1c2a80-0000-4000-8000-00000000000a';
const ad = credentialAssociatedData(projectA, providerA);

function newKey() {
  return createMasterKey(randomBytes(32));
}

/** Asserts a credential_invalid error whose message matches `pattern` and leaks neither secret nor envelope. */
function assertInvalid(run: () => unknown, pattern: RegExp, envelope?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(SwitchboardError.isInstance(error));
    assert.equal(error.code, 'credential_invalid');
    assert.equal(error.isRetryable, false);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes(SECRET), 'message contains the plaintext');
    if (envelope !== undefined) assert.ok(!error.message.includes(envelope), 'message contains the envelope');
    return true;
  });
}

function flipByte(envelope: string, offset: number): string {
  const [version, keyId, data] = envelope.split(':');
  const payload = Buffer.from(data ?? '', 'base64url');
  payload[offset] = (payload[offset] ?? 0) ^ 0x01;
  return `${version}:${keyId}:${payload.toString('base64url')}`;
}

describe('sealSecret / openSecret', () => {
  it('round-trips, including empty and non-ASCII text', () => {
    const key = newKey();
    const keyring = createKeyring(key);
    for (const text of [SECRET, '', 'clé-🔑-ключ', JSON.stringify({ apiKey: SECRET, org: 'o' })]) {
      assert.equal(openSecret(sealSecret(text, key, ad), keyring, ad), text);
    }
  });

  it('produces the DB check-constraint shape with the key id', () => {
    const key = newKey();
    const envelope = sealSecret(SECRET, key, ad);
    assert.match(envelope, ENVELOPE_CHECK);
    assert.ok(envelope.startsWith(`v1:${key.id}:`));
    assert.equal(envelopeKeyId(envelope), key.id);
    assert.ok(!envelope.includes(SECRET));
    const payloadBytes = Buffer.from(envelope.split(':')[2] ?? '', 'base64url').length;
    assert.equal(payloadBytes, 12 + Buffer.byteLength(SECRET) + 16);
  });

  it('uses a fresh nonce: two seals of the same text differ', () => {
    const key = newKey();
    const first = sealSecret(SECRET, key, ad);
    const second = sealSecret(SECRET, key, ad);
    assert.notEqual(first, second);
    assert.notDeepEqual(Buffer.from(first.split(':')[2] ?? '', 'base64url').subarray(0, 12), Buffer.from(second.split(':')[2] ?? '', 'base64url').subarray(0, 12));
  });

  it('fails when moved to another project or provider', () => {
    const key = newKey();
    const envelope = sealSecret(SECRET, key, ad);
    const otherProject = credentialAssociatedData('6f1c2a80-0000-4000-8000-000000000002', providerA);
    const otherProvider = credentialAssociatedData(projectA, '6f1c2a80-0000-4000-8000-00000000000b');
    for (const other of [otherProject, otherProvider, '']) {
      assertInvalid(() => openSecret(envelope, createKeyring(key), other), /failed authentication.*moved from another project\/provider/, envelope);
    }
  });

  it('fails when any single byte of nonce, ciphertext or tag is flipped', () => {
    const key = newKey();
    const envelope = sealSecret(SECRET, key, ad);
    const length = Buffer.from(envelope.split(':')[2] ?? '', 'base64url').length;
    for (const offset of [0, 11, 12, 12 + 5, length - 16, length - 1]) {
      const tampered = flipByte(envelope, offset);
      assertInvalid(() => openSecret(tampered, createKeyring(key), ad), /failed authentication.*: wrong master key, tampered/, tampered);
    }
  });

  it('fails with the wrong key under the same id', () => {
    const key = newKey();
    const envelope = sealSecret(SECRET, key, ad);
    const impostor = { id: key.id, key: randomBytes(32) };
    assertInvalid(() => openSecret(envelope, createKeyring(impostor), ad), /failed authentication/, envelope);
  });

  it('names an unknown key id and the configured ones', () => {
    const sealedWith = newKey();
    const configured = newKey();
    const envelope = sealSecret(SECRET, sealedWith, ad);
    assertInvalid(
      () => openSecret(envelope, createKeyring(configured), ad),
      new RegExp(`master key id ${sealedWith.id}, which is not configured \\(configured: ${configured.id}\\).*SWITCHBOARD_MASTER_KEYS_OLD`),
      envelope,
    );
  });

  it('opens with an old key still in the keyring, and seals with the current one', () => {
    const old = newKey();
    const current = newKey();
    const envelope = sealSecret(SECRET, old, ad);
    const keyring = createKeyring(current, [old]);
    assert.equal(openSecret(envelope, keyring, ad), SECRET);
    assert.equal(envelopeKeyId(sealSecret(SECRET, keyring.current, ad)), current.id);
  });

  it('rejects malformed envelopes without echoing them', () => {
    const key = newKey();
    const keyring = createKeyring(key);
    const good = sealSecret(SECRET, key, ad);
    const data = good.split(':')[2] ?? '';
    const cases: Array<[string, RegExp]> = [
      [SECRET, /not a credential envelope/],
      ['', /not a credential envelope/],
      [`${SECRET}:${SECRET}:${SECRET}`, /not a credential envelope/],
      [`v2:${key.id}:${data}`, /unsupported credential envelope version v2/],
      [`v1:${key.id}:${data}:extra`, /expected 3 ':'-separated parts/],
      [`v1:${SECRET}:${data}`, /key id is not 12 hex characters/],
      [`v1:${key.id}:${data}=`, /not valid base64url/],
      [`v1:${key.id}:${data.slice(0, -1)}+`, /not valid base64url/],
      [`v1:${key.id}:${data.slice(0, -1)}`, /not valid base64url|failed authentication/],
      [`v1:${key.id}:AAAA`, /too short/],
      [`v1:${key.id}:`, /not valid base64url/],
    ];
    for (const [envelope, pattern] of cases) {
      assertInvalid(() => openSecret(envelope, keyring, ad), pattern, envelope === '' ? undefined : envelope);
      if (!envelope.startsWith('v1:') || envelope.includes(SECRET)) assert.equal(envelopeKeyId(envelope), undefined);
    }
  });

  it('refuses to seal with a malformed master key', () => {
    assertInvalid(() => sealSecret(SECRET, { id: 'abc', key: randomBytes(32) }, ad), /not a valid 32-byte key/);
    assertInvalid(() => sealSecret(SECRET, { id: '0123456789ab', key: randomBytes(16) }, ad), /not a valid 32-byte key/);
  });
});

describe('credentialAssociatedData', () => {
  it('joins project and provider ids', () => {
    assert.equal(credentialAssociatedData('p', 'q'), 'p:q');
  });

  it('rejects ids that would make the pair ambiguous', () => {
    assertInvalid(() => credentialAssociatedData('a:b', 'c'), /must not contain ":"/);
    assertInvalid(() => credentialAssociatedData('a', 'b:c'), /must not contain ":"/);
  });
});
