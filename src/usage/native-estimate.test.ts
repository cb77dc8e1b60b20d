import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { answerTexts, deltaText, KEPT_CHARS, nativeEstimate, nativeInputTokens, NativeOutputSample } from './native-estimate.js';
import { estimateTextTokens } from './estimate-tokens.js';
import { DOCUMENT_INPUT_TOKENS, IMAGE_INPUT_TOKENS } from './media-tokens.js';

const anthropicText = (text: string): string => JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });

describe('native stream estimates', () => {
  test('deltaText reads both APIs and nothing else', () => {
    assert.equal(deltaText(anthropicText('Hi "there"')), 'Hi "there"');
    assert.equal(deltaText('{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"q\\":"}}'), '{"q":');
    assert.equal(deltaText('{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}'), 'hmm');
    assert.equal(deltaText('{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2ln"}}'), '');
    assert.equal(deltaText('{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":" world","logprobs":[]}'), ' world');
    assert.equal(deltaText('not json'), '');
    assert.equal(deltaText('[1,2]'), '');
  });

  test('answerTexts reads the generated text of both APIs\' whole answers and nothing else', async () => {
    const message = {
      id: 'msg_1',
      model: 'claude-test-1',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'c2ln' },
        { type: 'text', text: 'Checking.', citations: null },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'redacted_thinking', data: 'ZW5j' },
        'junk',
      ],
      usage: null,
    };
    assert.deepEqual(answerTexts(message), ['hmm', 'Checking.', '{"city":"Paris"}']);
    const response = {
      id: 'resp_1',
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Thought.' }], encrypted_content: 'ZW5j' },
        { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: 'Sunny.', annotations: [] }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
    };
    assert.deepEqual(answerTexts(response), ['Thought.', 'Sunny.', '{"city":"Paris"}']);
    assert.deepEqual(answerTexts({ content: 'text', output: { text: 'x' } }), []);
    const estimate = await nativeEstimate({}, () => ({ inputTokens: 0, outputTokens: 0, totalTokens: 0 }), message)();
    assert.equal(estimate.output, await estimateTextTokens(['hmm', 'Checking.', '{"city":"Paris"}']));
  });

  test('the output sample keeps at most KEPT_CHARS of data and scales past it', async () => {
    const sample = new NativeOutputSample();
    const event = anthropicText(' token');
    const events = Math.ceil((3 * KEPT_CHARS) / event.length);
    for (let index = 0; index < events; index++) sample.add(event);
    const kept = Math.ceil(KEPT_CHARS / event.length);
    const perEvent = await estimateTextTokens([' token']);
    // Every event is alike, so scaling the kept ones' count by the characters seen is exact (± rounding).
    const tokens = await sample.tokens();
    assert.ok(Math.abs(tokens - events * perEvent) <= Math.ceil(events / kept), `${tokens} vs ${events * perEvent}`);
  });

  test('an empty sample estimates 0 output tokens', async () => {
    assert.equal(await new NativeOutputSample().tokens(), 0);
  });

  test("the input: the vendor's report when it has one, else the body's texts", async () => {
    const body = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'Hello there, how are you today?' }] };
    const fromBody = await nativeInputTokens(body);
    assert.ok(fromBody >= 8 && fromBody <= 40, String(fromBody));
    const none = await nativeEstimate(body, () => ({ inputTokens: 0, outputTokens: 0, totalTokens: 0 }), undefined)();
    assert.deepEqual(none, { input: fromBody, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 });
    const buckets = { input: 3, cachedInput: 4, cacheWrite5m: 5, cacheWrite1h: 6, output: 1, reasoning: 0 };
    const reported = await nativeEstimate(body, () => ({ inputTokens: 18, outputTokens: 1, totalTokens: 19, buckets }), undefined)();
    assert.deepEqual(reported, buckets);
  });

  test('reported output and reasoning stay when the text seen is less', async () => {
    const sample = new NativeOutputSample();
    sample.add(anthropicText('Hi'));
    const buckets = { input: 3, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 40, reasoning: 7 };
    const estimate = await nativeEstimate({}, () => ({ inputTokens: 3, outputTokens: 47, totalTokens: 50, buckets }), sample)();
    assert.deepEqual(estimate, buckets);
  });

  const bigData = 'iVBORw0KGgo'.repeat(20_000);
  const anthropicImage = (data: string): Record<string, unknown> => ({ type: 'image', source: { type: 'base64', media_type: 'image/png', data } });

  test('Anthropic image blocks, in user content and in a tool_result, count IMAGE_INPUT_TOKENS each, not their data', async () => {
    const text = { type: 'text', text: 'What is on these?' };
    const body = {
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: [text, anthropicImage('aGk='), anthropicImage(bigData), { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'screenshot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'taken' }, anthropicImage('aGk='), anthropicImage('aGk=')] }] },
      ],
    };
    const estimated = await nativeInputTokens(body);
    assert.ok(estimated >= 5 * IMAGE_INPUT_TOKENS, String(estimated));
    // Counted, not read: 220 KB of base64 add nothing over a 4-character image.
    const small = { ...body, messages: [{ ...body.messages[0], content: [text, anthropicImage('aGk='), anthropicImage('aGk='), anthropicImage('aGk=')] }, ...body.messages.slice(1)] };
    assert.ok(Math.abs(estimated - (await nativeInputTokens(small))) <= 20, `${estimated} vs ${await nativeInputTokens(small)}`);
    assert.ok(estimated < 5 * IMAGE_INPUT_TOKENS + 200, String(estimated));
  });

  test('Responses input_image parts, in message content and a function_call_output, count IMAGE_INPUT_TOKENS each; documents DOCUMENT_INPUT_TOKENS more', async () => {
    const inputImage = (url: string): Record<string, unknown> => ({ type: 'input_image', image_url: url, detail: 'high' });
    const body = {
      model: 'm',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Compare these.' }, inputImage(`data:image/png;base64,${bigData}`), inputImage('https://example.com/b.png'), { type: 'input_image', file_id: 'file-1' }] },
        { type: 'function_call', call_id: 'c1', name: 'screenshot', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: 'taken' }, inputImage('data:image/png;base64,aGk='), inputImage('https://example.com/c.png')] },
      ],
    };
    const estimated = await nativeInputTokens(body);
    assert.ok(estimated >= 5 * IMAGE_INPUT_TOKENS && estimated < 5 * IMAGE_INPUT_TOKENS + 200, String(estimated));
    const withFile = { ...body, input: [...body.input, { role: 'user', content: [{ type: 'input_file', file_id: 'file-2' }] }] };
    assert.ok((await nativeInputTokens(withFile)) >= estimated + DOCUMENT_INPUT_TOKENS);
  });

  test('an image-shaped object outside the content (a tool schema) is only text', async () => {
    const schema = { type: 'object', properties: { shot: { type: 'image', description: 'x'.repeat(40) } } };
    const body = { model: 'm', input: 'hi', tools: [{ type: 'function', name: 'f', parameters: schema }] };
    assert.ok((await nativeInputTokens(body)) < IMAGE_INPUT_TOKENS);
  });
});
