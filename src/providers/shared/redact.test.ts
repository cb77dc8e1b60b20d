import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redact, safeParam, safeUpstreamCode } from './redact.js';
import { upstreamError } from './provider-error.js';

const key = 'tenantkey-7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e';
const base64 = Buffer.from(key).toString('base64');
const base64url = Buffer.from(key).toString('base64url');

describe('redact', () => {
  test('the whole key, any 8+ character prefix, suffix or middle part, and its base64 forms', () => {
    const spellings = [key, key.slice(0, 8), key.slice(0, 20), key.slice(-8), key.slice(-15), key.slice(10, 30), base64, base64.slice(0, 12), base64url.slice(-10)];
    for (const spelling of spellings) {
      const text = `bad key (${spelling}) given`;
      assert.equal(redact(text, [key]), 'bad key ([redacted]) given', spelling);
    }
    // Seven characters are not enough to name the key: left as they are.
    assert.equal(redact(`x ${key.slice(0, 7)} y`, [key]), `x ${key.slice(0, 7)} y`);
  });

  test("the vendor account's ids: organization, project, UUIDs, Google project numbers", () => {
    const openai = 'Rate limit reached for gpt-4o in organization org-AbCdEf0123456789 on tokens per min (TPM): Limit 30000. Project proj_Zyx987654321abc.';
    assert.equal(redact(openai, []), 'Rate limit reached for gpt-4o in organization [account] on tokens per min (TPM): Limit 30000. Project [account].');
    const anthropic = 'This request would exceed the rate limit for your organization (6a3d2b7e-1c4f-4e8a-9b2d-0f1e2d3c4b5a) of 50,000 input tokens per minute.';
    assert.equal(redact(anthropic, []), 'This request would exceed the rate limit for your organization ([account]) of 50,000 input tokens per minute.');
    const google = "Quota exceeded for consumer 'project_number:123456789012' (projects/123456789012).";
    assert.equal(redact(google, []), "Quota exceeded for consumer '[account]' ([account]).");
    // Field names and ordinary words that merely start alike stay.
    const prose = "Invalid 'organization' field; org-chart and proj_x are fine.";
    assert.equal(redact(prose, []), prose);
  });

  test('vendor key shapes and masked echoes, even when not the call’s own key', () => {
    const shapes = [
      'sk-proj-abcdefghijklmnop1234',
      'sk-ab***yz',
      'sk-abc...***...wxyz',
      'gsk_0123456789abcdefghij',
      'fw_3ZabcdefGHIJ12345678',
      'AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q',
      'xai-0123456789abcdef',
      'hf_abcdefghijklmnopqrstu',
      'nvapi-abcdefghijklmnop',
      'pplx-0123456789abcdef',
      'r8_abcdefghijklmnop',
      'ya29.a0AfH6SMBabcdefgh',
      `AKIA${'Z'.repeat(16)}`, // the AWS access key id shape, built here (no key-like literal in the source)
      'Bearer abcdefghijklmnop',
    ];
    for (const shape of shapes) assert.equal(redact(`key ${shape} is invalid`, []), 'key [redacted] is invalid', shape);
    // Ordinary prose and vendor codes stay.
    const prose = "Invalid value for 'max_tokens': key-value pairs must be sk- prefixed; see invalid_api_key.";
    assert.equal(redact(prose, []), prose);
  });

  test('only the first 4,000 characters are scrubbed and kept', () => {
    assert.equal(redact('a'.repeat(10_000), [key]).length, 4000);
  });
});

describe('param and vendor code', () => {
  test('a field path is kept; anything else, or a path holding the key, is dropped', () => {
    for (const path of ['max_tokens', 'messages[0].content', 'messages.[2].role', 'tools[0].function.parameters', 'contents[0].parts[0].text']) {
      assert.equal(safeParam(path, [key]), path);
    }
    const identifierKey = 'abcdefghij0123456789XYZ';
    for (const bad of [key, `messages[0].${identifierKey}`, 'gsk_0123456789abcdefghij', 'has space', 'x'.repeat(200), `${key.slice(0, 12)}`]) {
      assert.equal(safeParam(bad, [key, identifierKey]), undefined, bad);
    }
    assert.equal(safeUpstreamCode('rate_limit_error', [key]), 'rate_limit_error');
    assert.equal(safeUpstreamCode(key.slice(0, 16), [key]), undefined);
    assert.equal(safeUpstreamCode('two words', [key]), undefined);
  });

  test('upstreamError never carries the key in param, code or message', () => {
    const error = upstreamError(
      'hostile',
      400,
      { message: `bad ${key.slice(0, 12)} and ${base64}`, param: key, upstreamCode: key.slice(-20) },
      [key],
    );
    assert.equal(error.param, null);
    assert.equal(error.upstreamCode, undefined);
    assert.equal(error.message, "Provider 'hostile' failed: HTTP 400: bad [redacted] and [redacted]");
    const kept = upstreamError('ok', 400, { message: 'too long', param: 'messages[0].content', upstreamCode: 'invalid_request_error' }, [key]);
    assert.equal(kept.param, 'messages[0].content');
    assert.equal(kept.upstreamCode, 'invalid_request_error');
  });

  test('an upstream redirect or other non-error status is a 502 provider_error, status and code agreeing', () => {
    for (const status of [301, 302, 304, 307]) {
      const error = upstreamError('moved', status, {});
      assert.equal(error.status, 502, String(status));
      assert.equal(error.code, 'provider_error', String(status));
      assert.equal(error.upstreamStatus, status);
    }
    assert.equal(upstreamError('client', 422, {}).code, 'invalid_request');
  });
});
