import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SwitchboardError } from '../../errors.js';
import type { ChatMessage } from '../spec/index.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

test('tool results lead their user message, in order, however they interleave with user text', () => {
  const calls = 50;
  const messages: ChatMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'start' }] },
    { role: 'assistant', content: null, toolCalls: Array.from({ length: calls }, (_, index) => ({ id: `t${index}`, name: 'step', arguments: '{}' })) },
  ];
  for (let index = 0; index < calls; index++) {
    messages.push({ role: 'tool', toolCallId: `t${index}`, content: `result ${index}` });
    messages.push({ role: 'user', content: [{ type: 'text', text: `note ${index}` }] });
  }
  const body = convertToAnthropicRequest({ model: 'claude', messages }, { version: '2023-06-01', modelMaxTokens: 64 });
  assert.equal(body.messages.length, 3);
  const last = body.messages[2];
  assert.equal(last?.role, 'user');
  const blocks = last?.content as { type: string; tool_use_id?: string; text?: string }[];
  assert.deepEqual(
    blocks.map((block) => (block.type === 'tool_result' ? block.tool_use_id : block.text)),
    [...Array.from({ length: calls }, (_, index) => `t${index}`), ...Array.from({ length: calls }, (_, index) => `note ${index}`)],
  );
});

test('a tool result holding images becomes text and image blocks of its tool_result (base64 and url sources)', () => {
  const messages: ChatMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'shoot' }] },
    { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'screenshot', arguments: '{}' }] },
    {
      role: 'tool',
      toolCallId: 'call_1',
      content: 'the page',
      parts: [
        { type: 'text', text: 'the page' },
        { type: 'text', text: '' },
        { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high', param: 'input[2].output[1]' },
        { type: 'image', url: 'https://example.com/shot.jpg', param: 'input[2].output[2]' },
      ],
    },
  ];
  const body = convertToAnthropicRequest({ model: 'claude', messages }, { version: '2023-06-01', modelMaxTokens: 64 });
  assert.deepEqual(body.messages[2], {
    role: 'user',
    content: [
      {
        type: 'tool_result',
        tool_use_id: 'call_1',
        content: [
          { type: 'text', text: 'the page' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/shot.jpg' } },
        ],
      },
    ],
  });
  // A text-only result stays a string.
  const plain = convertToAnthropicRequest(
    { model: 'claude', messages: [...messages.slice(0, 2), { role: 'tool', toolCallId: 'call_1', content: 'text' }] },
    { version: '2023-06-01', modelMaxTokens: 64 },
  );
  assert.deepEqual(plain.messages[2]?.content, [{ type: 'tool_result', tool_use_id: 'call_1', content: 'text' }]);
});

test('an image of a tool result that is neither a data: nor an http(s) URL is a 400 naming its field', () => {
  const messages: ChatMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'shoot' }] },
    { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'screenshot', arguments: '{}' }] },
    { role: 'tool', toolCallId: 'call_1', content: '', parts: [{ type: 'image', url: 'ftp://x/y.png', param: 'input[2].output[0]' }] },
  ];
  assert.throws(
    () => convertToAnthropicRequest({ model: 'claude', messages }, { version: '2023-06-01', modelMaxTokens: 64 }),
    (error: unknown) => error instanceof SwitchboardError && error.code === 'invalid_request' && error.param === 'input[2].output[0]',
  );
});

test('an empty user message is left out; nothing left, or an empty last user message, is a 400 naming messages', () => {
  const text = (value: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text: value }] });
  const convert = (messages: ChatMessage[]) => convertToAnthropicRequest({ model: 'claude', messages }, { version: '2023-06-01', modelMaxTokens: 64 });
  const answer: ChatMessage = { role: 'assistant', content: 'a' };
  assert.deepEqual(convert([text('hi'), answer, text(''), { role: 'assistant', content: 'b' }, text('c')]).messages, [
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
    { role: 'user', content: [{ type: 'text', text: 'c' }] },
  ]);
  // An empty last user message after a non-empty one of the same turn changes nothing.
  assert.equal(convert([text('hi'), text('')]).messages.length, 1);
  for (const messages of [[{ role: 'system', content: 'be brief' }, text('')], [text('hi'), answer, text('')]] as ChatMessage[][]) {
    assert.throws(() => convert(messages), (error: unknown) => error instanceof SwitchboardError && error.code === 'invalid_request' && error.param === 'messages');
  }
});
