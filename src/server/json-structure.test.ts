import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '../errors.js';
import { checkJsonStructure, findStructureExcess, jsonPathAt } from './json-structure.js';

const limits = { maxJsonDepth: 4, maxJsonElements: 20 };
const bytes = (text: string): Buffer => Buffer.from(text);

function refusal(text: string): SwitchboardError {
  try {
    checkJsonStructure(bytes(text), limits);
  } catch (error) {
    assert.ok(error instanceof SwitchboardError);
    return error;
  }
  assert.fail(`expected ${text} to be refused`);
}

describe('findStructureExcess', () => {
  it('accepts bodies within both limits', () => {
    assert.equal(findStructureExcess(bytes('{"a":[{"b":[1,2]}]}'), limits), undefined);
    assert.equal(findStructureExcess(bytes('{}'), limits), undefined);
  });

  it('finds the first container over the depth limit', () => {
    assert.deepEqual(findStructureExcess(bytes('{"a":[{"b":[[1]]}]}'), limits), { offset: 12, kind: 'depth' });
  });

  it('ignores brackets, commas and escaped quotes inside strings', () => {
    const text = JSON.stringify({ a: '[[[[[[,,,,,,,,,,,,,,,,,,,,,,,,{{{{{{', b: 'say \\"[[[[[\\" \\\\', c: ['x"[[[[[['] });
    assert.equal(findStructureExcess(bytes(text), limits), undefined);
  });

  it('counts objects, arrays and list items against the element limit', () => {
    const wide = `{"x":[${'1,'.repeat(30)}1]}`;
    assert.equal(findStructureExcess(bytes(wide), limits)?.kind, 'elements');
    assert.equal(findStructureExcess(bytes(`{"x":[${'[],'.repeat(6)}1]}`), limits), undefined);
  });

  it('counts keys once per shape of the objects holding them (what JSON.parse builds hidden classes for)', () => {
    const keyLimits = { maxJsonDepth: 8, maxJsonElements: 100_000, maxJsonKeys: 10 };
    // Many objects written alike: 2 distinct keys, however many in all.
    const alike = JSON.stringify({ messages: Array.from({ length: 500 }, () => ({ role: 'user', content: 'x' })) });
    assert.equal(findStructureExcess(bytes(alike), keyLimits), undefined);
    // Eleven distinct keys in one object: the eleventh is over.
    const distinct = JSON.stringify(Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`k${index}`, 1])));
    assert.equal(findStructureExcess(bytes(distinct), keyLimits)?.kind, 'keys');
    // The same three keys in other orders are other shapes.
    const orders = `[${['abc', 'acb', 'bac', 'bca', 'cab'].map((order) => `{${[...order].map((key) => `"${key}":1`).join(',')}}`).join(',')}]`;
    assert.equal(findStructureExcess(bytes(orders), keyLimits)?.kind, 'keys');
    // Colons inside strings are no keys.
    assert.equal(findStructureExcess(bytes(JSON.stringify({ a: ':'.repeat(100), b: [{ c: 'd:e' }] })), keyLimits), undefined);
  });

  it('does not throw on malformed JSON (JSON.parse reports it after)', () => {
    assert.equal(findStructureExcess(bytes('{"a": "never closed'), limits), undefined);
    assert.equal(findStructureExcess(bytes(']]]]}}}'), limits), undefined);
  });
});

describe('checkJsonStructure', () => {
  it('names the field and the limit for a body nested too deep', () => {
    const error = refusal('{"tools":[{"function":{"parameters":{"properties":{"a":{}}}}}]}');
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.param, 'tools[0].function.parameters');
    assert.match(error.message, /^tools\[0\]\.function\.parameters nests deeper than the limit of 4 levels .*SWITCHBOARD_MAX_JSON_DEPTH/);
  });

  it('names the limit and the top-level field for too many elements', () => {
    const error = refusal(`{"model":"m","ignored":[${'0,'.repeat(40)}0]}`);
    assert.equal(error.param, 'ignored');
    assert.match(error.message, /more than the limit of 20 JSON elements.*SWITCHBOARD_MAX_JSON_ELEMENTS.*in ignored/);
  });
});

describe('jsonPathAt', () => {
  it('walks keys and indexes, decoding escaped keys and cutting long ones', () => {
    const text = '{"a":1,"b\\"x":[0,{"c":[5,6,{"z":1}]}]}';
    assert.equal(jsonPathAt(bytes(text), text.indexOf('{"z"'), 10), 'b"x[1].c[2]');
    const long = `{"${'k'.repeat(5000)}":[[[1]]]}`;
    const path = jsonPathAt(bytes(long), long.indexOf('[[['), 2);
    assert.ok(path.length < 50, path);
  });
});
