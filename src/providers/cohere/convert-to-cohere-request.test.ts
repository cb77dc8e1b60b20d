import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SwitchboardError } from '../../errors.js';
import { convertToCohereRequest } from './convert-to-cohere-request.js';

describe('convertToCohereRequest', () => {
  test('several text parts stay parts; an empty assistant turn is left out; mixed strictness is dropped', () => {
    const body = convertToCohereRequest(
      {
        model: 'command-r7b-12-2024',
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], name: 'alice' },
          { role: 'assistant', content: null },
          { role: 'user', content: [{ type: 'text', text: 'c' }] },
        ],
        tools: [{ name: 'one', strict: true }, { name: 'two' }],
        toolChoice: 'auto',
        responseFormat: { type: 'text' },
        stop: [],
      },
      { stream: false },
    );
    assert.deepEqual(body, {
      model: 'command-r7b-12-2024',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
        { role: 'user', content: 'c' },
      ],
      tools: [
        { type: 'function', function: { name: 'one', parameters: { type: 'object', properties: {} } } },
        { type: 'function', function: { name: 'two', parameters: { type: 'object', properties: {} } } },
      ],
    });
  });

  test('json_object format, empty tool-call arguments, top_p 1 clamped to 0.99', () => {
    const body = convertToCohereRequest(
      {
        model: 'm',
        messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'f_1', name: 'f', arguments: '' }] }],
        responseFormat: { type: 'json_object' },
        topP: 1,
      },
      { stream: true },
    );
    assert.equal(body.stream, true);
    assert.equal(body.p, 0.99);
    assert.deepEqual(body.response_format, { type: 'json_object' });
    assert.deepEqual(body.messages, [{ role: 'assistant', tool_calls: [{ id: 'f_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }]);
  });

  test("image detail: `original` (a Responses API value) becomes Cohere's highest, `high`", () => {
    const body = convertToCohereRequest(
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image', url: 'https://x/y.png', detail: 'original' }, { type: 'image', url: 'https://x/z.png', detail: 'low' }] }] },
      { stream: false },
    );
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'https://x/z.png', detail: 'low' } },
        ],
      },
    ]);
  });

  test('a tool result holding an image is refused before any call, naming the image (v2 tool content is text and documents)', () => {
    assert.throws(
      () =>
        convertToCohereRequest(
          {
            model: 'command-a-03-2025',
            messages: [
              { role: 'user', content: [{ type: 'text', text: 'shoot' }] },
              { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'screenshot', arguments: '{}' }] },
              { role: 'tool', toolCallId: 'call_1', content: '', parts: [{ type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', param: 'messages.2.content.0.content.0' }] },
            ],
          },
          { stream: false },
        ),
      (error: unknown) =>
        error instanceof SwitchboardError && error.code === 'unsupported_feature' && error.param === 'messages.2.content.0.content.0' && /Cohere takes no image/.test(error.message),
    );
  });
});
