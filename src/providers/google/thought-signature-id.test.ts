import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geminiIdFromId, idWithGeminiId, idWithoutSignature, idWithSignature, signatureFromId } from './thought-signature-id.js';

test('a base64 signature rides in the id within [A-Za-z0-9_-] and comes back exactly', () => {
  for (const signature of ['c2lnbmF0dXJlLTE=', 'ab+/cd==', 'AAAA', Buffer.from([250, 251, 252, 253, 254]).toString('base64')]) {
    const id = idWithSignature('call_0123abcd', signature);
    assert.match(id, /^call_0123abcd__sbsig__[A-Za-z0-9_-]+$/);
    assert.equal(signatureFromId(id), signature);
  }
});

test('ids without a carried signature, and signatures that are not base64, carry nothing', () => {
  assert.equal(signatureFromId('call_0123abcd'), undefined);
  assert.equal(signatureFromId('toolu_01-ts-abc'), undefined);
  assert.equal(signatureFromId('call_1__sbsig__'), undefined);
  assert.equal(signatureFromId('call_1__sbsig__a.b'), undefined);
  assert.equal(idWithSignature('call_1', 'not base64!'), 'call_1');
});

test("Gemini's call id rides before the signature, comes back alone, and is stripped with it for other vendors", () => {
  const id = idWithSignature(idWithGeminiId('call_0123abcd', 'tqx-az9_b'), 'c2ln');
  assert.equal(id, 'call_0123abcd__sbgid__tqx-az9_b__sbsig__c2ln');
  assert.equal(geminiIdFromId(id), 'tqx-az9_b');
  assert.equal(signatureFromId(id), 'c2ln');
  assert.equal(idWithoutSignature(id), 'call_0123abcd');
  assert.equal(geminiIdFromId(idWithGeminiId('call_1', 'x')), 'x');
  assert.equal(geminiIdFromId('call_1__sbsig__c2ln'), undefined);
  // An id that would blur the marks, or is long or odd, does not ride.
  for (const odd of ['a__b', 'a.b', 'x'.repeat(65), '']) assert.equal(idWithGeminiId('call_1', odd), 'call_1');
});
