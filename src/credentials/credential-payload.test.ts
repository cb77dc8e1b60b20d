// The stored credentials payload: validated field by field, errors that name the field and never a
// value, the mapping to the provider layer's Credential, and the listing hint.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '../errors.js';
import { keyHint, parseCredentialPayload, toCredential } from './credential-payload.js';

const SECRET = 'sk-proj-Zx81TqLw0pVb7rYd';

function rejected(payload: unknown): SwitchboardError {
  try {
    parseCredentialPayload(payload);
  } catch (error) {
    assert.ok(SwitchboardError.isInstance(error));
    return error;
  }
  assert.fail(`accepted ${JSON.stringify(payload)}`);
}

describe('parseCredentialPayload', () => {
  it('accepts api_key with the optional organization, base_url and headers', () => {
    const payload = { api_key: SECRET, organization: 'org-1', base_url: 'http://10.0.0.5:8080/v1', headers: { 'X-Tenant': 't-1', 'api-version': '2024-10-21' } };
    assert.deepEqual(parseCredentialPayload(payload), payload);
    assert.deepEqual(parseCredentialPayload({ api_key: SECRET }), { api_key: SECRET });
  });

  it('names the field at fault in one line, never echoing a value', () => {
    const cases: [unknown, string, RegExp][] = [
      [{}, 'api_key', /expected string/],
      [{ api_key: '' }, 'api_key', /must not be empty/],
      [{ api_key: 'x'.repeat(4097) }, 'api_key', /4096/],
      [{ api_key: SECRET, api_secret: SECRET }, '(root)', /unknown field\(s\): api_secret/],
      [{ api_key: `${SECRET}\n` }, 'api_key', /must not contain line breaks or other control characters/],
      [{ api_key: SECRET, organization: 'org-1\r\n' }, 'organization', /must not contain line breaks/],
      [{ api_key: SECRET, organization: 7 }, 'organization', /expected string/],
      [{ api_key: SECRET, base_url: `ftp://${SECRET}.example.com` }, 'base_url', /URL|url/],
      [{ api_key: SECRET, base_url: SECRET }, 'base_url', /URL|url/],
      [{ api_key: SECRET, headers: { 'X Bad': SECRET } }, 'headers.X Bad', /must be a header name/],
      [{ api_key: SECRET, headers: { 'X-Ok': 5 } }, 'headers.X-Ok', /expected string/],
      // A Host header sent the key to another site behind a shared front; the others break the call.
      [{ api_key: SECRET, headers: { Host: `${SECRET}.example.com` } }, 'headers.Host', /transport header/],
      [{ api_key: SECRET, headers: { 'content-length': '0' } }, 'headers.content-length', /transport header/],
      [{ api_key: SECRET, headers: { 'Transfer-Encoding': 'chunked' } }, 'headers.Transfer-Encoding', /transport header/],
      [[SECRET], '(root)', /expected object/],
      [SECRET, '(root)', /expected object/],
      [null, '(root)', /expected object/],
    ];
    for (const [payload, field, detail] of cases) {
      const error = rejected(payload);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.status, 400);
      assert.equal(error.param, field);
      assert.ok(error.message.startsWith(`Invalid credentials payload at ${field}: `), error.message);
      assert.match(error.message, detail);
      assert.match(error.message, /Allowed fields: api_key, organization, base_url, headers\.$/);
      assert.ok(!error.message.includes(SECRET), error.message);
      assert.ok(!error.message.includes('\n'));
    }
  });
});

describe('toCredential and keyHint', () => {
  it('maps payload fields to the provider credential, leaving absent ones out', () => {
    assert.deepEqual(toCredential({ api_key: SECRET }), { apiKey: SECRET });
    assert.deepEqual(toCredential({ api_key: SECRET, organization: 'org-1', base_url: 'https://x.example/v1', headers: { 'X-A': 'b' } }), {
      apiKey: SECRET,
      organization: 'org-1',
      baseUrl: 'https://x.example/v1',
      headers: { 'X-A': 'b' },
    });
  });

  it('shows the last four characters of keys longer than eight, nothing of shorter ones', () => {
    assert.equal(keyHint(SECRET), `…${SECRET.slice(-4)}`);
    assert.equal(keyHint('123456789'), '…6789');
    for (const short of ['12345678', 'abcd', 'a']) assert.equal(keyHint(short), '…');
  });
});
