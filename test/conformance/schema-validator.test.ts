// The conformance check itself: the vendored file is pinned and complete, and the validator
// rejects the drifts the gateway tests rely on it to catch (a null where the schema says string,
// a missing required field, an unknown field, a value outside an enum).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { loadSchemaValidator, type SchemaValidator, type VendoredComponents } from '../helpers/schema-validator.js';
import { loadOpenAIValidator, OPENAI_COMPONENTS } from './openai-schema.js';

const chunk = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'm',
  choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
  usage: null,
};

let closed: SchemaValidator;
let open: SchemaValidator;

before(async () => {
  [closed, open] = await Promise.all([loadOpenAIValidator(), loadOpenAIValidator({ closed: false })]);
});

describe('the vendored OpenAI components', () => {
  it('record the pinned source and hold every root', async () => {
    const vendored = JSON.parse(await readFile(OPENAI_COMPONENTS, 'utf8')) as VendoredComponents;
    assert.equal(vendored.source.repository, 'https://github.com/openai/openai-openapi');
    assert.match(vendored.source.commit, /^[0-9a-f]{40}$/);
    assert.equal(vendored.source.path, 'openapi.json');
    for (const root of vendored.roots) assert.ok(root in vendored.schema.$defs, root);
    // As keywords (followed by ':'): 'discriminator' is also one of MessageRole's enum values.
    assert.doesNotMatch(JSON.stringify(vendored.schema), /"nullable":|"discriminator":|"x-[^"]*":|"\$recursive|#\/components\//, 'converted to plain JSON Schema');
  });
});

describe('the validator catches drift', () => {
  it('accepts a conforming chunk, and null where the published schema said nullable', () => {
    assert.deepEqual(closed.violations('CreateChatCompletionStreamResponse', chunk), []);
  });

  it('rejects system_fingerprint: null (the schema says string)', () => {
    const found = closed.violations('CreateChatCompletionStreamResponse', { ...chunk, system_fingerprint: null });
    assert.ok(found.some((line) => line.startsWith('/system_fingerprint must be string')), found.join('\n'));
    assert.deepEqual(closed.violations('CreateChatCompletionStreamResponse', { ...chunk, system_fingerprint: 'fp_1' }), []);
  });

  it('rejects a missing required field and a value outside an enum', () => {
    const { created: _created, ...withoutCreated } = chunk;
    assert.ok(closed.violations('CreateChatCompletionStreamResponse', withoutCreated).some((line) => line.includes("must have required property 'created'")));
    const badFinish = { ...chunk, choices: [{ ...chunk.choices[0], finish_reason: 'end_turn' }] };
    assert.notDeepEqual(closed.violations('CreateChatCompletionStreamResponse', badFinish), []);
  });

  it('closed objects reject a field the schema does not name; the published (open) schema allows it', () => {
    const extra = { ...chunk, provider: 'anthropic' };
    assert.ok(closed.violations('CreateChatCompletionStreamResponse', extra).some((line) => line.includes('"additionalProperty":"provider"')));
    assert.deepEqual(open.violations('CreateChatCompletionStreamResponse', extra), []);
  });

  it('validateAgainst throws an assertion naming the pinned commit', () => {
    assert.throws(() => closed.validateAgainst('ErrorResponse', { error: { message: 'x' } }), /ErrorResponse does not conform to https:\/\/github\.com\/openai\/openai-openapi@[0-9a-f]{12}/);
    assert.throws(() => closed.validateAgainst('NoSuchComponent', {}), /no component NoSuchComponent/);
  });

  it('an exception must point at something that exists and may not shadow a vendored component', async () => {
    await assert.rejects(
      loadSchemaValidator(OPENAI_COMPONENTS, { exceptions: [{ name: 'X', from: 'Embedding', replace: { '/properties/nope/deeper': {} }, reason: 'test' }] }),
      /exception pointer \/properties\/nope\/deeper is not in the schema/,
    );
    await assert.rejects(
      loadSchemaValidator(OPENAI_COMPONENTS, { exceptions: [{ name: 'Model', from: 'Embedding', replace: {}, reason: 'test' }] }),
      /would shadow a vendored component/,
    );
  });
});
