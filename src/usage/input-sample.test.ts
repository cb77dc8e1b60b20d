import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinnedProse } from '../../test/helpers/pinned-texts.js';
import type { ChatMessage, ContentPart, ToolDefinition } from '../providers/spec/index.js';
import { chatMessageText, estimateChatInputTokens, promptExtraTexts } from './estimate-tokens.js';
import { chatInputEstimate } from './input-sample.js';
import { IMAGE_INPUT_TOKENS } from './media-tokens.js';
import { EXACT_CHARS } from './text-sample.js';
import { o200kCounter } from './tokenizer/count-tokens.js';

const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });

test('short messages are counted exactly', async () => {
  const count = await o200kCounter();
  const messages: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }, user('What does an LLM gateway do?')];
  assert.equal(await chatInputEstimate({ messages })(), 3 + 3 * 2 + count(messages.map(chatMessageText)));
  const text = 'a b '.repeat(EXACT_CHARS / 4);
  assert.equal(await chatInputEstimate({ messages: [user(text)] })(), 3 + 3 + count([text]));
});

test('a long prompt kept as a sample gives the estimate of the whole messages, within 5% of the exact count', async () => {
  const count = await o200kCounter();
  const prose = pinnedProse().slice(0, 130_000);
  const mixed = 'Résumé: 東京で会いましょう。Привет, мир! 🙂 ünïcödé 1234567890 '.repeat(1_500);
  const cases: Array<[string, ChatMessage[]]> = [
    ['prose', [{ role: 'system', content: 'You answer questions about this document.' }, user(prose), user('Summarize it.')]],
    ['mixed scripts over several messages', [user(mixed), { role: 'assistant', content: 'Understood.' }, user(prose.slice(0, 40_000) + mixed.slice(0, 30_000))]],
    ['just over the exact size', [user(prose.slice(0, EXACT_CHARS + 1))]],
  ];
  for (const [name, messages] of cases) {
    const kept = chatInputEstimate({ messages });
    const estimated = await kept();
    const exact = 3 + 3 * messages.length + count(messages.map(chatMessageText));
    assert.ok(Math.abs(estimated - exact) / exact < 0.05, `${name}: estimated ${estimated}, exact ${exact}`);
    // The whole messages are sampled the same way (each sample at its own random places).
    const whole = await estimateChatInputTokens(messages);
    assert.ok(Math.abs(whole - exact) / exact < 0.05, `${name}: the whole messages estimated ${whole}, exact ${exact}`);
  }
});

test('a long prompt of one repeated letter is still estimated sensibly', async () => {
  const count = await o200kCounter();
  const text = 'x'.repeat(200_000);
  const estimated = await chatInputEstimate({ messages: [user(text)] })();
  const exact = 6 + count([text]);
  assert.ok(estimated > 0 && Math.abs(estimated - exact) / exact < 0.1, `estimated ${estimated}, exact ${exact}`);
});

test('tool definitions and a JSON schema are kept for the estimate: whole when short, in the sample when long', async () => {
  const count = await o200kCounter();
  const parameters = { type: 'object', properties: { city: { type: 'string' } } };
  const schema = { type: 'object', properties: { answer: { type: 'string' } } };
  const short = { messages: [user('Weather in Paris?')], tools: [{ name: 'weather', description: 'Weather of a city.', parameters }], responseFormat: { type: 'json_schema' as const, name: 'a', schema } };
  const extras = ['weather', 'Weather of a city.', JSON.stringify(parameters), JSON.stringify(schema)];
  assert.equal(await chatInputEstimate(short)(), 3 + 3 + count(['Weather in Paris?', ...extras]));
  // An agent's many tools: past the exact size with a short prompt, so the tools are sampled too.
  const prose = pinnedProse();
  const tools: ToolDefinition[] = Array.from({ length: 60 }, (_, index) => ({
    name: `tool_${index}`,
    description: prose.slice(index * 500, index * 500 + 500),
    parameters: { type: 'object', properties: { [`field_${index}`]: { type: 'string', description: prose.slice(index * 300, index * 300 + 120) } } },
  }));
  const long = { messages: [user('Weather in Paris?')], tools };
  const estimated = await chatInputEstimate(long)();
  const exact = 3 + 3 + count(['Weather in Paris?', ...promptExtraTexts(long)]);
  assert.ok(Math.abs(estimated - exact) / exact < 0.05, `estimated ${estimated}, exact ${exact}`);
  const whole = await estimateChatInputTokens(long.messages, promptExtraTexts(long));
  assert.ok(Math.abs(whole - exact) / exact < 0.05, `the whole input estimated ${whole}, exact ${exact}`);
  assert.ok(estimated > 60 * 100, `${estimated} tokens: the tools are counted`);
});

test('images count IMAGE_INPUT_TOKENS each, in user turns and tool results, whole or sampled', async () => {
  const image: ContentPart = { type: 'image', url: 'https://example.com/screen.png' };
  const images = (text: string): ChatMessage[] => [
    { role: 'user', content: [{ type: 'text', text }, image, image, image] },
    { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'screenshot', arguments: '{}' }] },
    { role: 'tool', toolCallId: 'c1', content: 'taken', parts: [{ type: 'text', text: 'taken' }, image, image] },
  ];
  const short = images('What changed?');
  assert.equal(await chatInputEstimate({ messages: short })(), (await estimateChatInputTokens(short)) + 5 * IMAGE_INPUT_TOKENS);
  const long = images(pinnedProse().slice(0, EXACT_CHARS + 1));
  const count = await o200kCounter();
  const text = 3 + 3 * long.length + count(long.map(chatMessageText));
  const estimated = await chatInputEstimate({ messages: long })();
  assert.ok(estimated >= 5 * IMAGE_INPUT_TOKENS + text * 0.95, `sampled: ${estimated}, text ${text}`);
});
