import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessagesContent, type Deferred } from './parse-messages-content.js';

const PNG = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' };

/** A tool loop whose last user turn holds `blocks`. */
function parse(blocks: unknown[]): { messages: ReturnType<typeof parseMessagesContent>; deferred: Deferred } {
  const deferred: Deferred = { error: undefined };
  const messages = parseMessagesContent(
    [
      { role: 'user', content: 'shoot' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'screenshot', input: {} }] },
      { role: 'user', content: blocks },
    ],
    deferred,
    100,
  );
  return { messages, deferred };
}

describe('parseMessagesContent: tool_result blocks', () => {
  it('image blocks stay in the tool message as parts, each naming its block; nothing is deferred', () => {
    const { messages, deferred } = parse([
      {
        type: 'tool_result',
        tool_use_id: 'toolu_1',
        content: [
          { type: 'text', text: 'the page' },
          { type: 'image', source: PNG },
          { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
        ],
      },
      { type: 'text', text: 'what now?' },
    ]);
    assert.equal(deferred.error, undefined);
    assert.deepEqual(messages.slice(2), [
      {
        role: 'tool',
        toolCallId: 'toolu_1',
        content: 'the page',
        parts: [
          { type: 'text', text: 'the page' },
          { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', param: 'messages.2.content.0.content.1' },
          { type: 'image', url: 'https://x/y.png', param: 'messages.2.content.0.content.2' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'what now?' }] },
    ]);
  });

  it('is_error marks the text, with or without a text block first', () => {
    const withText = parse([{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true, content: [{ type: 'text', text: 'boom' }, { type: 'image', source: PNG }] }]);
    assert.deepEqual(withText.messages[2], {
      role: 'tool',
      toolCallId: 'toolu_1',
      content: 'Error: boom',
      parts: [
        { type: 'text', text: 'Error: boom' },
        { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', param: 'messages.2.content.0.content.1' },
      ],
    });
    const imageOnly = parse([{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true, content: [{ type: 'image', source: PNG }] }]);
    assert.deepEqual(imageOnly.messages[2], {
      role: 'tool',
      toolCallId: 'toolu_1',
      content: 'Error: ',
      parts: [
        { type: 'text', text: 'Error: ' },
        { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', param: 'messages.2.content.0.content.0' },
      ],
    });
  });

  it('text-only results stay plain text, joined with newlines, as before', () => {
    const { messages } = parse([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }]);
    assert.deepEqual(messages[2], { role: 'tool', toolCallId: 'toolu_1', content: 'a\nb' });
  });

  it('a file image source or another block type inside a tool_result is deferred (Anthropic only), naming it', () => {
    const file = parse([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }]);
    assert.equal(file.deferred.error?.param, 'messages.2.content.0.content.0.source.type');
    assert.deepEqual(file.messages[2], { role: 'tool', toolCallId: 'toolu_1', content: '' });
    const document = parse([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'document', source: { type: 'text', data: 'x' } }] }]);
    assert.equal(document.deferred.error?.param, 'messages.2.content.0.content.0.type');
  });

  it('a malformed image block inside a tool_result is a 400 for every model', () => {
    assert.throws(
      () => parse([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: '' } }] }]),
      /messages\.2\.content\.0\.content\.0\.source\.data must be a non-empty base64 string/,
    );
  });
});
