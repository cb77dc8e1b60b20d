import assert from 'node:assert/strict';
import { test } from 'node:test';
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
