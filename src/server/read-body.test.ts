import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonSyntaxReason } from './read-body.js';

function reasonFor(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return jsonSyntaxReason(error);
  }
  throw new Error(`'${text}' parsed`);
}

describe('jsonSyntaxReason', () => {
  test('an unexpected token is named without the body text V8 quotes around it', () => {
    for (const text of ['{"api_key": sk-proj-AbCdEfGhIjKlMnOp}', 'sk-abc', '{"messages": [undefined]}', '{"n": NaN}']) {
      const reason = reasonFor(text);
      assert.match(reason, /^unexpected token/, text);
      assert.doesNotMatch(reason, /sk-|secret|api_key|undefined|NaN/, `${text} → ${reason}`);
    }
  });

  test("V8's fixed phrases keep their wording and position", () => {
    assert.equal(reasonFor('{"a":1'), "Expected ',' or '}' after property value in JSON at position 6");
    assert.equal(reasonFor('{"a" 1}'), "Expected ':' after property name in JSON at position 5");
    assert.equal(reasonFor('{"a":1} x'), 'Unexpected non-whitespace character after JSON at position 8');
    assert.equal(reasonFor('{"a":"\u0001"}'), 'Bad control character in string literal in JSON at position 6');
    assert.equal(reasonFor('{"a":"'), 'Unterminated string in JSON at position 6');
    assert.equal(reasonFor(''), 'Unexpected end of JSON input');
    assert.equal(reasonFor("{'api_key': 'sk-secret'}"), "Expected property name or '}' in JSON at position 1");
  });

  test('anything but a SyntaxError gets the generic wording', () => {
    assert.match(jsonSyntaxReason(new Error('sk-secret')), /^unexpected token/);
  });
});
