import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SwitchboardError } from '../../errors.js';
import type { ChatRequest, ContentPart } from '../spec/index.js';
import { convertToGoogleRequest } from './convert-to-google-request.js';
import { googleModelPath, requiresThoughtSignature } from './google-model-path.js';

const call = { id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' };

describe('convertToGoogleRequest', () => {
  test('empty texts and empty turns are left out (Gemini rejects empty text parts)', () => {
    const body = convertToGoogleRequest(
      {
        model: 'gemini-2.5-flash',
        messages: [
          { role: 'system', content: '' },
          { role: 'user', content: [{ type: 'text', text: '' }] },
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          { role: 'assistant', content: '' },
          { role: 'assistant', content: 'hello' },
        ],
      },
      { stream: false },
    );
    assert.deepEqual(body, {
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'model', parts: [{ text: 'hello' }] },
      ],
    });
  });

  test('tool results: JSON objects pass through, arrays and text are wrapped', () => {
    const request: ChatRequest = {
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: null, toolCalls: [call, { ...call, id: 'call_2' }, { ...call, id: 'call_3' }] },
        { role: 'tool', toolCallId: 'call_1', content: ' {"a":1}' },
        { role: 'tool', toolCallId: 'call_2', content: '[1,2]' },
        { role: 'tool', toolCallId: 'call_3', content: '{not json' },
      ],
    };
    const parts = convertToGoogleRequest(request, { stream: false }).contents[2]?.parts;
    assert.deepEqual(parts, [
      { functionResponse: { name: 'lookup', response: { a: 1 } } },
      { functionResponse: { name: 'lookup', response: { content: '[1,2]' } } },
      { functionResponse: { name: 'lookup', response: { content: '{not json' } } },
    ]);
  });

  test('tool results go in the order of their calls, whatever order they arrive in; later text stays after them', () => {
    const request: ChatRequest = {
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: null, toolCalls: [call, { ...call, id: 'call_2' }, { ...call, id: 'call_3' }] },
        { role: 'tool', toolCallId: 'call_3', content: 'c' },
        { role: 'tool', toolCallId: 'call_1', content: 'a' },
        { role: 'tool', toolCallId: 'call_2', content: 'b' },
        { role: 'user', content: [{ type: 'text', text: 'and then?' }] },
      ],
    };
    const parts = convertToGoogleRequest(request, { stream: false }).contents[2]?.parts;
    assert.deepEqual(parts, [
      { functionResponse: { name: 'lookup', response: { content: 'a' } } },
      { functionResponse: { name: 'lookup', response: { content: 'b' } } },
      { functionResponse: { name: 'lookup', response: { content: 'c' } } },
      { text: 'and then?' },
    ]);
  });

  test('tool results in reverse order are put in call order in linear work (a hostile body of 40,000 results)', () => {
    // Each result was inserted at its place: for results in reverse call order, every insertion
    // shifted all the results before it (40,000 results moved 800 M elements: a second of blocked
    // event loop, from one 2 MB /v1/messages body). Counting the elements splice shifts measures
    // the work without depending on the machine's speed.
    const calls = 1_000;
    const rounds = 40;
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: null, toolCalls: Array.from({ length: calls }, (_, index) => ({ ...call, id: `call_${index}` })) },
    ];
    for (let round = 0; round < rounds; round++) {
      for (let index = calls - 1; index >= 0; index--) messages.push({ role: 'tool', toolCallId: `call_${index}`, content: `${index}.${round}` });
    }
    messages.push({ role: 'user', content: [{ type: 'text', text: 'and then?' }] });
    const splice = Array.prototype.splice;
    let shifted = 0;
    Array.prototype.splice = function counted(this: unknown[], start: number, ...rest: unknown[]) {
      shifted += Math.max(0, this.length - start);
      return splice.call(this, start, ...(rest as [number, ...unknown[]]));
    } as typeof splice;
    let parts;
    try {
      parts = convertToGoogleRequest({ model: 'gemini-2.5-flash', messages }, { stream: false }).contents[2]?.parts;
    } finally {
      Array.prototype.splice = splice;
    }
    assert.ok(shifted <= calls * rounds, `splice shifted ${shifted} elements for ${calls * rounds} results`);
    const contents = (parts ?? []).map((part) => ('functionResponse' in part ? part.functionResponse.response['content'] : 'text' in part ? part.text : '?'));
    assert.equal(contents.length, calls * rounds + 1);
    // Call order; the answers of one call in the order they came (round 0 first).
    assert.deepEqual(contents.slice(0, 3), ['0.0', '0.1', '0.2']);
    assert.deepEqual(contents.slice(rounds - 1, rounds + 1), [`0.${rounds - 1}`, '1.0']);
    assert.deepEqual(contents.slice(-2), [`${calls - 1}.${rounds - 1}`, 'and then?']);
  });

  test('only Gemini 3 models get the stand-in signature, and only on the first call of a turn', () => {
    const request = (model: string): ChatRequest => ({
      model,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: null, toolCalls: [call, { ...call, id: 'call_2' }] },
        { role: 'tool', toolCallId: 'call_1', content: 'a' },
        { role: 'tool', toolCallId: 'call_2', content: 'b' },
      ],
    });
    assert.deepEqual(convertToGoogleRequest(request('gemini-3-pro-preview'), { stream: true }).contents[1]?.parts, [
      { functionCall: { name: 'lookup', args: { q: 'x' } }, thoughtSignature: 'skip_thought_signature_validator' },
      { functionCall: { name: 'lookup', args: { q: 'x' } } },
    ]);
    assert.deepEqual(convertToGoogleRequest(request('gemini-2.5-pro'), { stream: true }).contents[1]?.parts, [
      { functionCall: { name: 'lookup', args: { q: 'x' } } },
      { functionCall: { name: 'lookup', args: { q: 'x' } } },
    ]);
  });

  test('tools without parameters, and no generationConfig when nothing is set', () => {
    const body = convertToGoogleRequest(
      { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }], tools: [{ name: 'now', strict: true }], responseFormat: { type: 'text' } },
      { stream: false },
    );
    assert.deepEqual(body.tools, [{ functionDeclarations: [{ name: 'now' }] }]);
    assert.equal(body.generationConfig, undefined);
  });
});

describe('convertToGoogleRequest: images in tool results', () => {
  const screenshot = (parts: ContentPart[]) => (model: string): ChatRequest => ({
    model,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'shoot' }] },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'screenshot', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_1', content: 'the page', parts },
    ],
  });
  const refusedAt = (param: string, message: RegExp) => (error: unknown): boolean =>
    error instanceof SwitchboardError && error.code === 'unsupported_feature' && error.param === param && message.test(error.message);

  test('Gemini 3: the images go inline in functionResponse.parts, the text in response', () => {
    const request = screenshot([
      { type: 'text', text: 'the page' },
      { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', param: 'input[2].output[1]' },
      { type: 'image', url: 'data:image/webp;base64,UklGRg==', param: 'input[2].output[2]' },
    ]);
    const body = convertToGoogleRequest(request('gemini-3-flash-preview'), { stream: false });
    assert.deepEqual(body.contents[2], {
      role: 'user',
      parts: [
        {
          functionResponse: {
            name: 'screenshot',
            response: { content: 'the page' },
            parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }, { inlineData: { mimeType: 'image/webp', data: 'UklGRg==' } }],
          },
        },
      ],
    });
  });

  test('refused before any call, naming the image: an earlier model, a URL, another image type', () => {
    const png = { type: 'image' as const, url: 'data:image/png;base64,iVBORw0KGgo=', param: 'messages.2.content.0.content.1' };
    assert.throws(() => convertToGoogleRequest(screenshot([png])('gemini-2.5-flash'), { stream: false }), refusedAt(png.param, /before Gemini 3/));
    const url = { type: 'image' as const, url: 'https://example.com/a.png', param: 'input[2].output[0]' };
    assert.throws(() => convertToGoogleRequest(screenshot([url])('gemini-3-pro-preview'), { stream: false }), refusedAt(url.param, /inline data only/));
    const gif = { type: 'image' as const, url: 'data:image/gif;base64,R0lGOD', param: 'input[2].output[0]' };
    assert.throws(() => convertToGoogleRequest(screenshot([gif])('gemini-3-pro-preview'), { stream: false }), refusedAt(gif.param, /not image\/gif/));
  });
});

describe('googleModelPath / requiresThoughtSignature', () => {
  test('model ids become URL paths; Gemini 3+ is recognised', () => {
    assert.equal(googleModelPath('gemini-2.5-flash'), 'models/gemini-2.5-flash');
    assert.equal(googleModelPath('tunedModels/my-model'), 'tunedModels/my-model');
    assert.equal(googleModelPath('a?b#c'), 'models/a%3Fb%23c');
    assert.deepEqual(
      ['gemini-3-pro-preview', 'models/gemini-3.5-flash', 'gemini-2.5-pro', 'gemma-3-27b-it'].map(requiresThoughtSignature),
      [true, true, false, false],
    );
  });
});

describe('convertToGoogleRequest: empty messages', () => {
  test('nothing left once empty messages are left out, or an empty last user message, is a 400 naming messages', () => {
    const text = (value: string): ChatRequest['messages'][number] => ({ role: 'user', content: [{ type: 'text', text: value }] });
    const requests: ChatRequest['messages'][] = [
      [{ role: 'system', content: 'be brief' }, text('')],
      [text('hi'), { role: 'assistant', content: 'a' }, text('')],
    ];
    for (const messages of requests) {
      assert.throws(
        () => convertToGoogleRequest({ model: 'gemini-2.5-flash', messages }, { stream: false }),
        (error: unknown) => error instanceof SwitchboardError && error.code === 'invalid_request' && error.param === 'messages',
      );
    }
    assert.equal(convertToGoogleRequest({ model: 'gemini-2.5-flash', messages: [text('hi'), text('')] }, { stream: false }).contents.length, 1);
  });
});
