import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ArgumentsScan, isOneJsonObject } from './arguments-scan.js';

function complete(...pieces: string[]): boolean {
  const scan = new ArgumentsScan();
  for (const piece of pieces) scan.push(piece);
  return scan.complete;
}

describe('ArgumentsScan', () => {
  test('a JSON object, whole or in pieces, is complete; no arguments at all count as {}', () => {
    assert.equal(complete('{"paths":["/tmp/build","/tmp/cache"]}'), true);
    assert.equal(complete(' {"a":', '{"b":[1,', '2]}', '} \n'), true);
    assert.equal(complete('{"text":"a } ] \\" { ["}'), true, 'brackets and escaped quotes inside strings do not count');
    assert.equal(complete('{"a":"\\\\"}'), true, 'an escaped backslash ends before the closing quote');
    assert.equal(complete(), true);
    assert.equal(complete('', '  '), true);
  });

  test('cut off, not an object, or more after the object: not complete', () => {
    assert.equal(complete('{"paths":["/tmp/build","/"'), false);
    assert.equal(complete('{"a":"}'), false, 'the brace is inside an open string');
    assert.equal(complete('{"a":{}'), false);
    assert.equal(complete('[1,2]'), false);
    assert.equal(complete('"x"'), false);
    assert.equal(complete('{}', '{}'), false, 'two objects run together');
    assert.equal(complete('{} x'), false);
  });
});

describe('isOneJsonObject', () => {
  test('judges a whole text as ArgumentsScan does', () => {
    assert.equal(isOneJsonObject('{"a":[1,{"b":"}"}]}'), true);
    assert.equal(isOneJsonObject(''), true);
    assert.equal(isOneJsonObject('{"paths":["/tmp/build","/"'), false);
    assert.equal(isOneJsonObject('{}{}'), false);
  });
});
