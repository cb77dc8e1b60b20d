import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { upstreamError } from './provider-error.js';
import { isAccountErrorCode, isRequestOverCredit, vendorText } from './vendor-text.js';

describe('vendorText', () => {
  test('control characters out (a space for each run), the secrets redacted, cut at max code points', () => {
    assert.equal(vendorText(' a\u0000\u001b[2Jb\r\nc\u0085d\u202ee\u200bf\ufeff ', [], 100), 'a [2Jb c d e f');
    assert.equal(vendorText('key tenant-secret-1234 here', ['tenant-secret-1234'], 100), 'key [redacted] here');
    assert.equal(vendorText(`${'é'.repeat(5)}😀😀`, [], 6), 'ééééé😀…');
    assert.equal(vendorText('short', [], 5), 'short');
  });

  test('account codes: strings and integer numbers', () => {
    for (const code of ['insufficient_quota', 'billing_error', 'RESOURCE_EXHAUSTED', 429, '402']) assert.ok(isAccountErrorCode(code), String(code));
    for (const code of ['server_error', 'invalid_request_error', 500, 429.5, null, undefined]) assert.ok(!isAccountErrorCode(code), String(code));
  });
});

// Until 2026-12-08 an error status or an in-stream error (its status inferred) showed the vendor's
// words with their control characters, and a 402 or an account code beside another status whole.
describe('upstreamError and the vendor message', () => {
  test('a 402, or a code or type about the credentials or the account on any status: the message withheld, the code kept', () => {
    const cases = [
      { status: 402, fields: { message: 'Insufficient credits: Acme has $0.12 left', upstreamCode: 'payment_required' }, shown: ' (payment_required)' },
      { status: 400, fields: { message: 'Incorrect API key provided: abcd1234', upstreamCode: 'invalid_api_key' }, shown: ' (invalid_api_key)' },
      { status: 500, fields: { message: 'Quota of org Acme exceeded', upstreamCode: 'quota_x', upstreamType: 'insufficient_quota' }, shown: ' (quota_x)' },
    ];
    for (const { status, fields, shown } of cases) {
      const error = upstreamError('p', status, fields);
      assert.equal(error.message, `Provider 'p' failed: HTTP ${status}: an error about the credentials or the account's limits${shown}, its message withheld`);
      assert.equal(error.upstreamCode, fields.upstreamCode);
    }
  });

  test('any other message: without control characters, at most 500 characters', () => {
    const error = upstreamError('p', 500, { message: `boom\u001b[31m\r\n${'x'.repeat(1000)}` });
    // eslint-disable-next-line no-control-regex -- matching them is the point
    assert.doesNotMatch(error.message, /[\u0000-\u001f\u007f-\u009f]/);
    assert.ok(error.message.startsWith("Provider 'p' failed: HTTP 500: boom [31m xxx"), error.message);
    assert.equal(error.message.length, "Provider 'p' failed: HTTP 500: ".length + 501);
    assert.equal(upstreamError('p', 500, { message: '\u0000\u200b' }).message, "Provider 'p' failed: HTTP 500");
  });
});

describe('isRequestOverCredit', () => {
  test("a 402 for this request's cost while credit is left, not an account with nothing left", () => {
    const openRouter = (afford: number): string =>
      `This request requires more credits, or fewer max_tokens. You requested up to 32000 tokens, but can only afford ${afford}. To increase, visit https://openrouter.ai/settings/credits`;
    assert.equal(isRequestOverCredit(openRouter(27342)), true);
    assert.equal(isRequestOverCredit('Prompt tokens limit exceeded: 230799 > 91442. To increase, visit …'), true);
    assert.equal(isRequestOverCredit(openRouter(0)), false, 'nothing left: the account');
    assert.equal(isRequestOverCredit('Prompt tokens limit exceeded: 230799 > 0'), false);
    assert.equal(isRequestOverCredit('Insufficient credits. Add more using https://openrouter.ai/credits'), false);
    assert.equal(isRequestOverCredit(undefined), false);
    assert.equal(isRequestOverCredit(`${'x'.repeat(2000)} can only afford 5`), false, 'read in the first 1,000 characters only');
  });

  test('upstreamError marks only such a 402, and withholds its figures', () => {
    const message = 'You requested up to 32000 tokens, but can only afford 27342.';
    const error = upstreamError('p', 402, { message, upstreamCode: '402' });
    assert.equal(error.overCredit, true);
    assert.match(error.message, /lower max_tokens/);
    assert.doesNotMatch(error.message, /27342/);
    assert.equal(upstreamError('p', 400, { message }).overCredit, false, 'only a 402');
    assert.equal(upstreamError('p', 402, { message: 'Insufficient credits' }).overCredit, false);
  });
});
