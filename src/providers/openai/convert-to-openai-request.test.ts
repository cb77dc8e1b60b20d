import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SwitchboardError } from '../../errors.js';
import type { ChatRequest } from '../spec/index.js';
import { convertToOpenAIRequest } from './convert-to-openai-request.js';

/** What actually goes on the wire (undefined fields vanish in JSON). */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('convertToOpenAIRequest', () => {
  const request: ChatRequest = {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }], name: 'ann' },
      { role: 'assistant', content: null },
      { role: 'user', content: [{ type: 'image', url: 'https://example.com/a.png' }] },
    ],
    toolChoice: 'required',
    tools: [{ name: 'f', strict: true }],
    responseFormat: { type: 'json_object' },
    maxTokens: 10,
    n: 2,
  };

  test('maps messages, tools and limits; an empty assistant turn gets empty content', () => {
    assert.deepEqual(wire(convertToOpenAIRequest(request, { stream: false, maxTokensField: 'max_completion_tokens' })), {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'hi', name: 'ann' },
        { role: 'assistant', content: '' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'f', strict: true } }],
      tool_choice: 'required',
      response_format: { type: 'json_object' },
      max_completion_tokens: 10,
      n: 2,
    });
  });

  test("image detail: `original` (a Responses API value) becomes chat's highest, `high`; the others pass as they are", () => {
    const details = ['original', 'high', 'low', 'auto', undefined] as const;
    const body = convertToOpenAIRequest(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: details.map((detail) => ({ type: 'image' as const, url: 'https://x/y.png', ...(detail ? { detail } : {}) })) }] },
      { stream: false, maxTokensField: 'max_completion_tokens' },
    );
    const sent = (body.messages[0]?.content as { image_url: { detail?: string } }[]).map((part) => part.image_url.detail);
    assert.deepEqual(sent, ['high', 'high', 'low', 'auto', undefined]);
  });

  test('streams ask for usage, drop n, and honour max_tokens_field', () => {
    const body = wire(convertToOpenAIRequest(request, { stream: true, maxTokensField: 'max_tokens' })) as Record<string, unknown>;
    assert.equal(body['stream'], true);
    assert.deepEqual(body['stream_options'], { include_usage: true });
    assert.equal(body['n'], undefined);
    assert.equal(body['max_tokens'], 10);
    assert.equal(body['max_completion_tokens'], undefined);
  });

  test('a tool result holding an image is refused before any call, naming the image (tool messages are text only)', () => {
    const screenshot: ChatRequest = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'shoot' }] },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'screenshot', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'call_1', content: 'the page', parts: [{ type: 'text', text: 'the page' }, { type: 'image', url: 'https://x/y.png', param: 'input[2].output[1]' }] },
      ],
    };
    assert.throws(
      () => convertToOpenAIRequest(screenshot, { stream: false, maxTokensField: 'max_completion_tokens' }),
      (error: unknown) =>
        error instanceof SwitchboardError &&
        error.code === 'unsupported_feature' &&
        error.param === 'input[2].output[1]' &&
        /^input\[2\]\.output\[1\]: The OpenAI chat-completions API takes no image in a tool result/.test(error.message),
    );
  });
});
