import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '../../errors.js';
import { parseResponsesInput } from './parse-responses-input.js';
import { MAX_ENVELOPE_CHARS, openReasoning, sealReasoning } from './reasoning-envelope.js';

describe('parseResponsesInput', () => {
  it("accepts every input_image detail the Responses API takes, `original` included; refuses others naming the field", () => {
    for (const detail of ['auto', 'low', 'high', 'original']) {
      assert.deepEqual(parseResponsesInput([{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png', detail }] }], undefined), [
        { role: 'user', content: [{ type: 'image', url: 'https://x/y.png', detail }] },
      ]);
    }
    assert.throws(
      () => parseResponsesInput([{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png', detail: 'ultra' }] }], undefined),
      (error: unknown) => error instanceof SwitchboardError && error.param === 'input[0].content[0].detail' && /'original'/.test(error.message),
    );
  });

  it('puts instructions first and turns a string into one user message', () => {
    assert.deepEqual(parseResponsesInput('hi', 'Be brief.'), [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ]);
  });

  it('merges a turn\'s text, reasoning and consecutive function calls into one assistant message', () => {
    const sealed = sealReasoning({ text: 'hmm', signature: 'sig-1', origin: 'anthropic' });
    const messages = parseResponsesInput(
      [
        { role: 'user', content: [{ type: 'input_text', text: 'two lookups' }, { type: 'input_image', image_url: 'https://x/y.png', detail: 'low' }] },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'hmm' }], encrypted_content: sealed },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Looking.' }] },
        { type: 'function_call', call_id: 'c1', name: 'lookup', arguments: '{"q":1}' },
        { type: 'function_call', call_id: 'c2', name: 'lookup', arguments: '{"q":2}' },
        { type: 'function_call_output', call_id: 'c1', output: 'one' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'two' }] },
      ],
      undefined,
    );
    assert.deepEqual(messages, [
      { role: 'user', content: [{ type: 'text', text: 'two lookups' }, { type: 'image', url: 'https://x/y.png', detail: 'low' }] },
      {
        role: 'assistant',
        content: 'Looking.',
        reasoning: [{ text: 'hmm', signature: 'sig-1', origin: 'anthropic' }],
        toolCalls: [
          { id: 'c1', name: 'lookup', arguments: '{"q":1}' },
          { id: 'c2', name: 'lookup', arguments: '{"q":2}' },
        ],
      },
      { role: 'tool', toolCallId: 'c1', content: 'one' },
      { role: 'tool', toolCallId: 'c2', content: 'two' },
    ]);
  });

  it('keeps every reasoning item of a turn, in order, when reasoning and calls alternate', () => {
    const pairs = 200;
    const input: unknown[] = [{ role: 'user', content: 'go' }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Working.' }] }];
    for (let index = 0; index < pairs; index++) {
      input.push({ type: 'reasoning', summary: [{ type: 'summary_text', text: `r${index}` }] });
      input.push({ type: 'function_call', call_id: `c${index}`, name: 'step', arguments: '{}' });
    }
    const [, turn, ...rest] = parseResponsesInput(input, undefined);
    assert.equal(rest.length, 0);
    assert.ok(turn?.role === 'assistant');
    assert.deepEqual(
      turn.reasoning?.map((block) => block.text),
      Array.from({ length: pairs }, (_, index) => `r${index}`),
    );
    assert.deepEqual(
      turn.toolCalls?.map((call) => call.id),
      Array.from({ length: pairs }, (_, index) => `c${index}`),
    );
  });

  it('a function_call_output holding images keeps them as parts, each naming its own field', () => {
    const messages = parseResponsesInput(
      [
        { type: 'function_call', call_id: 'c1', name: 'screenshot', arguments: '{}' },
        {
          type: 'function_call_output',
          call_id: 'c1',
          output: [
            { type: 'input_text', text: 'the ' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' },
            { type: 'output_text', text: 'page' },
            { type: 'input_image', image_url: 'https://x/y.png' },
          ],
        },
      ],
      undefined,
    );
    assert.deepEqual(messages[1], {
      role: 'tool',
      toolCallId: 'c1',
      content: 'the page',
      parts: [
        { type: 'text', text: 'the ' },
        { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high', param: 'input[1].output[1]' },
        { type: 'text', text: 'page' },
        { type: 'image', url: 'https://x/y.png', param: 'input[1].output[3]' },
      ],
    });
  });

  it('refuses input_file and an uploaded image in a function_call_output, naming the part', () => {
    const cases: [unknown, string, string][] = [
      [{ type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=' }, 'input[0].output[0].type', 'unsupported_feature'],
      [{ type: 'input_image', file_id: 'file-1' }, 'input[0].output[0].file_id', 'unsupported_feature'],
      [{ type: 'input_image', image_url: '' }, 'input[0].output[0].image_url', 'invalid_request'],
      [{ type: 'input_audio' }, 'input[0].output[0].type', 'invalid_request'],
    ];
    for (const [part, param, code] of cases) {
      assert.throws(() => parseResponsesInput([{ type: 'function_call_output', call_id: 'c1', output: [part] }], undefined), (error: unknown) => {
        assert.ok(error instanceof SwitchboardError);
        assert.equal(error.param, param);
        assert.equal(error.code, code);
        return true;
      });
    }
  });

  it('names the bad field', () => {
    const cases: [unknown, string][] = [
      [[], 'input'],
      [[{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }], 'input[0].content[0].type'],
      [[{ type: 'function_call', call_id: 'c', name: 'f' }], 'input[0].arguments'],
      [[{ type: 'web_search_call', id: 'w' }], 'input[0].type'],
      [[{ type: 'reasoning', summary: [{ type: 'summary_text' }] }, { role: 'user', content: 'x' }], 'input[0].summary[0].text'],
    ];
    for (const [input, param] of cases) {
      assert.throws(() => parseResponsesInput(input, undefined), (error: unknown) => {
        assert.ok(error instanceof SwitchboardError);
        assert.equal(error.param, param);
        return true;
      });
    }
  });
});

describe('reasoning envelope', () => {
  it('seals only what must round-trip, and ignores content that is not its own', () => {
    assert.equal(sealReasoning({ text: 'plain' }), undefined);
    const sealed = sealReasoning({ text: 't', redactedData: 'opaque', origin: 'anthropic' }) ?? '';
    assert.deepEqual(openReasoning(sealed), { origin: 'anthropic', redactedData: 'opaque' });
    assert.deepEqual(openReasoning('gAAAAABopenai-encrypted'), {});
    assert.deepEqual(openReasoning('swb1.!!!not-base64-json'), {});
    assert.deepEqual(openReasoning(`swb1.${Buffer.from('{"o":"evil","s":5}').toString('base64url')}`), {});
  });

  it('never parses an envelope shaped unlike its own (nesting, arrays, more members) nor one over the size bound', () => {
    const seal = (json: string): string => `swb1.${Buffer.from(json).toString('base64url')}`;
    // A million levels of nesting: JSON.parse alone blocks the event loop most of a second on it.
    const nested = seal(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    assert.ok(nested.length < MAX_ENVELOPE_CHARS, 'under the size bound: the shape refuses it');
    assert.deepEqual(openReasoning(nested), {});
    assert.deepEqual(openReasoning(seal('{"o":"anthropic","s":"x","r":"y","x":"z"}')), {});
    assert.deepEqual(openReasoning(seal('{"o":"anthropic","s":{"deep":"x"}}')), {});
    assert.deepEqual(openReasoning(`${seal('{"o":"anthropic","s":"')}${'A'.repeat(MAX_ENVELOPE_CHARS)}`), {});
    assert.deepEqual(openReasoning(seal('{"o":"anthropic","s":"sig","r":"data"}')), { origin: 'anthropic', signature: 'sig', redactedData: 'data' });
  });
});
