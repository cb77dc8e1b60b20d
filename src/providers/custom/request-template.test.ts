import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CallOptions, ChatRequest } from '../spec/index.js';
import { compileJsonPath, getJsonPath } from './json-path.js';
import { convertTemplateResponse, renderTemplateBody } from './render-request-template.js';
import { compileRequestTemplate, placeholderPattern } from './request-template.js';

const options: CallOptions = { signal: new AbortController().signal, credential: {} };
const request: ChatRequest = {
  model: 'm1',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stop: ['a', 'b'],
  seed: 7,
};

describe('request templates', () => {
  test('exact placeholders keep their type; interpolation stringifies; undefined items and keys are dropped', () => {
    // Parsed from text like a jsonb column, so `__proto__` is an own key, as it would be from the database.
    const body: unknown = JSON.parse(`{
      "fixed": { "deep": [1, "two"] },
      "seed": "{{seed}}",
      "stops": "{{stop}}",
      "line": "seed={{seed}} stop={{stop}} top_p={{top_p}}",
      "list": ["{{last_user_message}}", "{{temperature}}", 3],
      "__proto__": "{{model}}"
    }`);
    const template = compileRequestTemplate('p', { body, response: { text: 'a' } });
    const rendered = renderTemplateBody(template, request, options);
    assert.equal(JSON.stringify(rendered), '{"fixed":{"deep":[1,"two"]},"seed":7,"stops":["a","b"],"line":"seed=7 stop=[\\"a\\",\\"b\\"] top_p=","list":["hi",3],"__proto__":"m1"}');
    assert.equal(Object.getPrototypeOf(rendered), Object.prototype);
  });

  test('placeholders with spaces inside the braces; text of any length compiles in linear time (an unclosed `{{` and spaces)', () => {
    const template = compileRequestTemplate('p', { body: { a: '{{ seed }}', b: 'x {{\tstop }} y' }, response: { text: 'a' } });
    assert.equal(JSON.stringify(renderTemplateBody(template, request, options)), '{"a":7,"b":"x [\\"a\\",\\"b\\"] y"}');
    // Linear by structure, whatever the machine's speed: a single quantifier, over a class without
    // either brace, between literal braces, so each attempt scans at most to the next brace
    // (`\{\{\s*([^{}]*?)\s*\}\}` had three sharing each space).
    const source = placeholderPattern.source;
    const outsideClasses = source.replace(/\\./g, 'e').replace(/\[[^\]]*\]/g, 'C');
    assert.deepEqual(outsideClasses.match(/[*+?]|\{\d/g), ['*'], `one quantifier in ${source}`);
    assert.match(source, /^\\\{\\\{\(\[\^\{\}\]\*\)\\\}\\\}$/, `braces, [^{}]*, braces: ${source}`);
    // The old pattern backtracked cubically here: minutes for this string, at every load.
    const spaces = ' '.repeat(100_000);
    const long = compileRequestTemplate('p', { body: { a: `{{${spaces}`, b: `{{${spaces}{{${spaces}}` }, response: { text: 'a' } });
    assert.equal(long.body.kind, 'literal');
  });

  test('a body that is one undefined placeholder is sent as null', () => {
    const template = compileRequestTemplate('p', { body: '{{system}}', response: { text: 'a' } });
    assert.equal(renderTemplateBody(template, request, options), null);
  });

  test('paths index arrays with numeric segments and read own keys only', () => {
    const value = { choices: [{ text: 'x' }], map: { '0': 'zero' } };
    assert.equal(getJsonPath(value, compileJsonPath('choices.0.text')), 'x');
    assert.equal(getJsonPath(value, compileJsonPath('map.0')), 'zero');
    assert.equal(getJsonPath(value, compileJsonPath('choices.first.text')), undefined);
    assert.equal(getJsonPath(value, compileJsonPath('map.constructor')), undefined);
  });

  test('finish reasons: mapped, passed through when normalized, else stop', () => {
    const template = compileRequestTemplate('p', {
      body: {},
      response: { text: 't', finish_reason: 'r', finish_reason_map: { EOS: 'stop', LIMIT: 'length' } },
    });
    const reason = (value: unknown) =>
      convertTemplateResponse('p', template, { t: '', r: value }, { model: 'm', created: 1, randomId: () => 'x' }).choices[0]?.finishReason;
    assert.equal(reason('LIMIT'), 'length');
    assert.equal(reason('content_filter'), 'content_filter');
    assert.equal(reason('weird'), 'stop');
    assert.equal(reason(undefined), 'stop');
  });
});
