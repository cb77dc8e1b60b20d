import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatRequest } from '../spec/index.js';
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
