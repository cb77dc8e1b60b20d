import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SwitchboardError } from '../errors.js';
import { refuseStoredFiles, storedFileReference } from './shared-account-files.js';

describe('stored-file references in native bodies', () => {
  test('OpenAI Responses: input_file and input_image by file_id, in messages and in tool output', () => {
    const text = { role: 'user', content: [{ type: 'input_text', text: 'hi' }] };
    assert.equal(storedFileReference('openai-responses', { input: [text, { role: 'user', content: [{ type: 'input_file', file_id: 'file-abc' }] }] }), 'input[1].content[0].file_id');
    assert.equal(storedFileReference('openai-responses', { input: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }, { type: 'input_image', file_id: 'file-img' }] }] }), 'input[0].content[1].file_id');
    assert.equal(
      storedFileReference('openai-responses', { input: [{ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_file', file_id: 'file-out' }] }] }),
      'input[0].output[0].file_id',
    );
  });

  test('Anthropic Messages: a file source in a block and inside a tool_result', () => {
    const image = { type: 'image', source: { type: 'file', file_id: 'file_011' } };
    assert.equal(storedFileReference('anthropic-messages', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, image] }] }), 'messages[0].content[1].source.file_id');
    const result = { type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'ok' }, { type: 'document', source: { type: 'file', file_id: 'file_012' } }] };
    assert.equal(storedFileReference('anthropic-messages', { messages: [{ role: 'user', content: [result] }] }), 'messages[0].content[0].content[1].source.file_id');
  });

  test('any deeper spelling: a screenshot object, a document whose source is content blocks', () => {
    const screenshot = { type: 'computer_call_output', call_id: 'c', output: { type: 'computer_screenshot', file_id: 'file-shot' } };
    assert.equal(storedFileReference('openai-responses', { input: [{ role: 'user', content: 'look' }, screenshot] }), 'input[1].output.file_id');
    const document = { type: 'document', source: { type: 'content', content: [{ type: 'image', source: { type: 'file', file_id: 'file_013' } }] } };
    assert.equal(storedFileReference('anthropic-messages', { messages: [{ role: 'user', content: [document] }] }), 'messages[0].content[0].source.content[0].source.file_id');
  });

  test('content sent in the body is no reference', () => {
    const openai = {
      input: [
        'plain text is skipped',
        { role: 'user', content: 'a string' },
        { role: 'user', content: [{ type: 'input_file', file_data: 'data:application/pdf;base64,AAAA', filename: 'a.pdf' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA' }, { type: 'input_file', file_id: '' }] },
      ],
    };
    assert.equal(storedFileReference('openai-responses', openai), undefined);
    const anthropic = { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }, { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }] }] };
    assert.equal(storedFileReference('anthropic-messages', anthropic), undefined);
    assert.equal(storedFileReference('anthropic-messages', { messages: 'not a list' }), undefined);
  });

  test('refused with 400 unsupported_feature naming the field', () => {
    assert.throws(
      () => refuseStoredFiles('openai-responses', { input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-abc' }] }] }),
      (error: unknown) => error instanceof SwitchboardError && error.code === 'unsupported_feature' && error.status === 400 && error.param === 'input[0].content[0].file_id' && !error.message.includes('file-abc'),
    );
    assert.doesNotThrow(() => refuseStoredFiles('openai-responses', { input: 'hi' }));
  });
});
