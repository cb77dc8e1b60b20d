import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SwitchboardError } from '../errors.js';
import { openSecret, sealSecret } from './envelope.js';
import { createKeyring, createMasterKey, loadKeyring, requireKeyring } from './keyring.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-keyring-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

let counter = 0;
function tempDir(): string {
  counter += 1;
  return path.join(root, `case-${counter}`);
}

function base64Key(): { text: string; bytes: Buffer } {
  const bytes = randomBytes(32);
  return { text: bytes.toString('base64'), bytes };
}

function assertCode(run: () => unknown, code: string, pattern: RegExp, secrets: string[] = []): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(SwitchboardError.isInstance(error));
    assert.equal(error.code, code);
    assert.equal(error.isRetryable, false);
    assert.match(error.message, pattern);
    for (const secret of secrets) assert.ok(!error.message.includes(secret), 'message contains a key value');
    return true;
  });
}

describe('createMasterKey / createKeyring', () => {
  it('derives a stable 12-hex-char id from sha256 of the key', () => {
    const bytes = randomBytes(32);
    const key = createMasterKey(bytes);
    assert.equal(key.id, createHash('sha256').update(bytes).digest('hex').slice(0, 12));
    assert.equal(createMasterKey(Buffer.from(bytes)).id, key.id);
    assert.match(key.id, /^[0-9a-f]{12}$/);
  });

  it('rejects keys that are not 32 bytes', () => {
    assertCode(() => createMasterKey(randomBytes(16)), 'credential_invalid', /must be 32 bytes, got 16/);
  });

  it('finds current and old keys, current first, without duplicates', () => {
    const current = createMasterKey(randomBytes(32));
    const old = createMasterKey(randomBytes(32));
    const keyring = createKeyring(current, [old, current, old]);
    assert.deepEqual(keyring.all.map((key) => key.id), [current.id, old.id]);
    assert.equal(keyring.find(old.id), old);
    assert.equal(keyring.find('000000000000'), undefined);
  });
});

describe('loadKeyring', () => {
  it('reads SWITCHBOARD_MASTER_KEY (padded or not, url-safe or not, surrounding spaces)', () => {
    const { text, bytes } = base64Key();
    const expected = createMasterKey(bytes).id;
    for (const variant of [text, text.replace(/=$/, ''), bytes.toString('base64url'), `  ${text}\n`]) {
      const keyring = loadKeyring({ SWITCHBOARD_MASTER_KEY: variant }, { mode: 'postgres' });
      assert.equal(keyring?.current.id, expected);
    }
  });

  it('rejects invalid SWITCHBOARD_MASTER_KEY values, naming the variable and not the value', () => {
    const short = randomBytes(16).toString('base64');
    const long = randomBytes(48).toString('base64');
    const hex = randomBytes(32).toString('hex');
    const junk = 'not base64 at all!!!!!!!!!!!!!!!!!!!!!!!!!!';
    for (const value of [short, long, hex, junk, 'password123']) {
      assertCode(
        () => loadKeyring({ SWITCHBOARD_MASTER_KEY: value }, { mode: 'postgres' }),
        'invalid_request',
        /^SWITCHBOARD_MASTER_KEY must be the base64 encoding of exactly 32 bytes/,
        [value],
      );
    }
  });

  it('reads SWITCHBOARD_MASTER_KEY_FILE', () => {
    const dir = tempDir();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'key.txt');
    const { text, bytes } = base64Key();
    fs.writeFileSync(file, `${text}\n`);
    const keyring = loadKeyring({ SWITCHBOARD_MASTER_KEY_FILE: file }, { mode: 'postgres' });
    assert.equal(keyring?.current.id, createMasterKey(bytes).id);
  });

  it('rejects a missing or invalid key file and both variables at once', () => {
    const dir = tempDir();
    fs.mkdirSync(dir, { recursive: true });
    const missing = path.join(dir, 'missing.txt');
    assertCode(() => loadKeyring({ SWITCHBOARD_MASTER_KEY_FILE: missing }, { mode: 'postgres' }), 'invalid_request', /SWITCHBOARD_MASTER_KEY_FILE points to .*missing\.txt, which cannot be read \(ENOENT\)/);
    const bad = path.join(dir, 'bad.txt');
    fs.writeFileSync(bad, 'hunter2');
    assertCode(() => loadKeyring({ SWITCHBOARD_MASTER_KEY_FILE: bad }, { mode: 'postgres' }), 'invalid_request', /SWITCHBOARD_MASTER_KEY_FILE \(.*bad\.txt\) must be the base64/, ['hunter2']);
    const { text } = base64Key();
    assertCode(
      () => loadKeyring({ SWITCHBOARD_MASTER_KEY: text, SWITCHBOARD_MASTER_KEY_FILE: bad }, { mode: 'postgres' }),
      'invalid_request',
      /either SWITCHBOARD_MASTER_KEY or SWITCHBOARD_MASTER_KEY_FILE, not both/,
      [text],
    );
  });

  it('adds SWITCHBOARD_MASTER_KEYS_OLD for reading only', () => {
    const current = base64Key();
    const old1 = base64Key();
    const old2 = base64Key();
    const keyring = loadKeyring(
      { SWITCHBOARD_MASTER_KEY: current.text, SWITCHBOARD_MASTER_KEYS_OLD: ` ${old1.text}, ,${old2.text},` },
      { mode: 'postgres' },
    );
    assert.ok(keyring !== undefined);
    assert.equal(keyring.current.id, createMasterKey(current.bytes).id);
    assert.deepEqual(
      keyring.all.map((key) => key.id),
      [current.bytes, old1.bytes, old2.bytes].map((bytes) => createMasterKey(bytes).id),
    );
    const ad = 'project:provider';
    const sealedWithOld = sealSecret('secret', createMasterKey(old2.bytes), ad);
    assert.equal(openSecret(sealedWithOld, keyring, ad), 'secret');
  });

  it('rejects an invalid old key by position and old keys without a current key', () => {
    const current = base64Key();
    const old = base64Key();
    assertCode(
      () => loadKeyring({ SWITCHBOARD_MASTER_KEY: current.text, SWITCHBOARD_MASTER_KEYS_OLD: `${old.text},oops-secret` }, { mode: 'postgres' }),
      'invalid_request',
      /^SWITCHBOARD_MASTER_KEYS_OLD entry 2 must be the base64 encoding/,
      ['oops-secret', current.text, old.text],
    );
    assertCode(
      () => loadKeyring({ SWITCHBOARD_MASTER_KEYS_OLD: old.text }, { mode: 'postgres' }),
      'invalid_request',
      /SWITCHBOARD_MASTER_KEYS_OLD is set but SWITCHBOARD_MASTER_KEY is not/,
      [old.text],
    );
  });

  it('returns undefined in postgres mode without a key (empty values count as unset)', () => {
    assert.equal(loadKeyring({}, { mode: 'postgres' }), undefined);
    assert.equal(loadKeyring({ SWITCHBOARD_MASTER_KEY: '', SWITCHBOARD_MASTER_KEY_FILE: ' ' }, { mode: 'postgres' }), undefined);
  });

  it('embedded mode generates <dataDir>/master.key with mode 0600, warns once, and reuses it', () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const warnings: string[] = [];
    const first = loadKeyring({}, { mode: 'embedded', dataDir, warn: (message) => warnings.push(message) });
    const file = path.join(dataDir, 'master.key');
    assert.ok(first !== undefined);
    assert.ok(fs.existsSync(file));
    if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]?.includes(file));
    assert.match(warnings[0] ?? '', /back it up/);
    assert.match(warnings[0] ?? '', /SWITCHBOARD_MASTER_KEY/);
    assert.ok(!(warnings[0] ?? '').includes(fs.readFileSync(file, 'utf8').trim()), 'warning contains the key');

    const second = loadKeyring({}, { mode: 'embedded', dataDir, warn: (message) => warnings.push(message) });
    assert.equal(second?.current.id, first.current.id);
    assert.deepEqual(second?.current.key, first.current.key);
    assert.equal(warnings.length, 1);
  });

  it('embedded mode prefers a configured key and never writes master.key then', () => {
    const dataDir = tempDir();
    const { text, bytes } = base64Key();
    const keyring = loadKeyring({ SWITCHBOARD_MASTER_KEY: text }, { mode: 'embedded', dataDir, warn: () => assert.fail('warned') });
    assert.equal(keyring?.current.id, createMasterKey(bytes).id);
    assert.equal(fs.existsSync(path.join(dataDir, 'master.key')), false);
  });

  it('embedded mode warns about a master.key readable by others and rejects a corrupt one', { skip: process.platform === 'win32' }, () => {
    const dataDir = tempDir();
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'master.key');
    fs.writeFileSync(file, base64Key().text, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const warnings: string[] = [];
    assert.ok(loadKeyring({}, { mode: 'embedded', dataDir, warn: (message) => warnings.push(message) }) !== undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /readable by other users \(mode 644\); run: chmod 600/);

    fs.writeFileSync(file, '');
    assertCode(() => loadKeyring({}, { mode: 'embedded', dataDir, warn: () => {} }), 'invalid_request', /master\.key must be the base64 encoding/);
  });

  it('embedded mode without dataDir is a programming error', () => {
    assertCode(() => loadKeyring({}, { mode: 'embedded' }), 'internal_error', /needs dataDir/);
  });
});

describe('requireKeyring', () => {
  it('passes a keyring through and explains a missing one', () => {
    const keyring = createKeyring(createMasterKey(randomBytes(32)));
    assert.equal(requireKeyring(keyring), keyring);
    assertCode(
      () => requireKeyring(undefined),
      'credential_invalid',
      /^SWITCHBOARD_MASTER_KEY is not set: credentials cannot be stored or read against Postgres without it/,
    );
  });
});
