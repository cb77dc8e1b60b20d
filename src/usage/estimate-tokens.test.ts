import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateChatCall } from '../governance/estimate-call.js';
import type { ChatMessage, ContentPart, ResponseFormat, ToolDefinition } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { chatMessageText, estimateChatInputTokens, promptExtraTexts } from './estimate-tokens.js';
import { IMAGE_INPUT_TOKENS } from './media-tokens.js';
import { estimateChat } from './observe-stream.js';
import { o200kCounter } from './tokenizer/count-tokens.js';

const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });
const messages = [user('What is the weather in Paris?')];
const parameters = { type: 'object', properties: { city: { type: 'string', description: 'The city, in English' } }, required: ['city'] };
const tools: ToolDefinition[] = [{ name: 'get_weather', description: 'The current weather of a city: the sky, and the temperature in Celsius.', parameters }];
const schema = { type: 'object', properties: { sky: { type: 'string' }, celsius: { type: 'number' } }, required: ['sky', 'celsius'] };
const responseFormat: ResponseFormat = { type: 'json_schema', name: 'weather', schema };

test('promptExtraTexts: each tool name, description and parameters, and a json_schema format; none for a plain call', () => {
  assert.deepEqual(promptExtraTexts({ messages }), []);
  assert.deepEqual(promptExtraTexts({ messages, tools: [], responseFormat: { type: 'json_object' } }), []);
  assert.deepEqual(promptExtraTexts({ messages, tools: [{ name: 'ping' }], responseFormat }), ['ping', '', '', JSON.stringify(schema)]);
  assert.deepEqual(promptExtraTexts({ messages, tools }), ['get_weather', tools[0]?.description, JSON.stringify(parameters)]);
});

test("estimateChat (a failed or cut call's estimate) counts the tool definitions and the JSON schema as input", async () => {
  const count = await o200kCounter();
  const texts = messages.map(chatMessageText);
  const bare = await estimateChat({ messages }, []);
  assert.equal(bare.input, 3 + 3 + count(texts));
  const full = await estimateChat({ messages, tools, responseFormat }, ['{"sky":"clear","celsius":21}']);
  const extras = ['get_weather', tools[0]?.description ?? '', JSON.stringify(parameters), JSON.stringify(schema)];
  assert.equal(full.input, 3 + 3 + count([...texts, ...extras]));
  assert.ok(full.input >= bare.input + count(extras) - 2, `with tools ${full.input}, without ${bare.input}`);
  assert.equal(full.output, count(['{"sky":"clear","celsius":21}']));
});

test("the estimate counts what governance's reservation counts: past the byte bound, both are the tokenizer's count", async () => {
  // 1,250 bytes of messages: over BYTE_BOUND_MAX_TOKENS, under the reservation's EXACT_CHARS with the tools.
  const request = { messages: [user('word '.repeat(250))], tools, responseFormat };
  const reserved = await estimateChatCall(request, { maxTokens: 100 } as ModelEntry);
  assert.equal((await estimateChat(request, [])).input, reserved.inputTokens);
});

test('a cut call with N images (user turns and tool results) is estimated at least N × IMAGE_INPUT_TOKENS', async () => {
  const image = (index: number): ContentPart => ({ type: 'image', url: `data:image/png;base64,iVBORw0KGgo${index}` });
  const withImages: ChatMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'Describe these.' }, image(1), image(2), image(3)] },
    { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'screenshot', arguments: '{}' }] },
    { role: 'tool', toolCallId: 'c1', content: 'the screen', parts: [{ type: 'text', text: 'the screen' }, image(4), image(5)] },
  ];
  const estimate = await estimateChat({ messages: withImages }, ['ok']);
  assert.ok(estimate.input >= 5 * IMAGE_INPUT_TOKENS, String(estimate.input));
  const textOnly = await estimateChatInputTokens(withImages);
  assert.equal(estimate.input, textOnly + 5 * IMAGE_INPUT_TOKENS);
  // The tool result's images count too (not only the user turn's).
  assert.equal((await estimateChat({ messages: withImages.slice(1) }, [])).input, (await estimateChatInputTokens(withImages.slice(1))) + 2 * IMAGE_INPUT_TOKENS);
});
