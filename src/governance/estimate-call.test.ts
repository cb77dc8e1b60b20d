import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinnedCode, pinnedMessages, pinnedProse } from '../../test/helpers/pinned-texts.js';
import type { ChatMessage } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { chatMessageText, estimateChatInputTokens } from '../usage/estimate-tokens.js';
import { o200kCounter } from '../usage/tokenizer/count-tokens.js';
import { DOCUMENT_INPUT_TOKENS } from '../usage/media-tokens.js';
import { BYTE_BOUND_MAX_TOKENS, estimateChatCall, estimateEmbedCall, estimateNativeCall, EXACT_CHARS, IMAGE_INPUT_TOKENS, nativeWebSearches } from './estimate-call.js';

const model = { maxTokens: 100 } as ModelEntry;
const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });

test('a short chat input is reserved at its byte bound, never below the tokenizer count', async () => {
  const messages = [user('Bonjour, où est la gare ? 🚉'), { role: 'assistant', content: 'À gauche.' } as ChatMessage];
  const reserved = await estimateChatCall({ messages: messages }, model);
  const counted = await estimateChatInputTokens(messages);
  // 3 priming + 2 × 3 per message + the UTF-8 bytes of both texts.
  assert.equal(reserved.inputTokens, 3 + 6 + Buffer.byteLength('Bonjour, où est la gare ? 🚉') + Buffer.byteLength('À gauche.'));
  assert.ok(reserved.inputTokens >= counted);
  assert.equal(reserved.outputTokens, 100);
});

test('the byte bound counts every text the tokenizer sees: text parts, tool calls, system and tool messages; an image its fixed share', async () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'Sois bref.' },
    { role: 'user', content: [{ type: 'text', text: 'Météo ' }, { type: 'image', url: 'https://example.com/a.png' }, { type: 'text', text: 'à Nîmes ?' }] },
    { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'météo', arguments: '{"ville":"Nîmes"}' }] },
    { role: 'tool', toolCallId: 'c1', content: '☀️ 21°C' },
  ];
  const texts = ['Sois bref.', 'Météo à Nîmes ?', 'météo{"ville":"Nîmes"}', '☀️ 21°C'];
  const reserved = await estimateChatCall({ messages: messages }, model);
  const withoutImage = messages.map((message) => (message.role === 'user' ? { ...message, content: message.content.filter((part) => part.type === 'text') } : message));
  const textOnly = await estimateChatCall({ messages: withoutImage }, model);
  assert.equal(textOnly.inputTokens, 3 + 3 * messages.length + texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0));
  assert.ok(textOnly.inputTokens >= (await estimateChatInputTokens(messages)));
  // With the image the bound is past BYTE_BOUND_MAX_TOKENS: the texts are counted, the image added.
  assert.equal(reserved.inputTokens, (await estimateChatInputTokens(messages)) + IMAGE_INPUT_TOKENS);
});

test('images in tool results (screenshots) are reserved like images in user turns', async () => {
  const screenshot = { type: 'image' as const, url: 'data:image/png;base64,iVBORw0KGgo=' };
  const messages: ChatMessage[] = [
    user('Take three screenshots.'),
    { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'screenshot', arguments: '{}' }] },
    { role: 'tool', toolCallId: 'c1', content: 'three screens', parts: [{ type: 'text', text: 'three screens' }, screenshot, screenshot, screenshot] },
  ];
  const reserved = await estimateChatCall({ messages }, model);
  assert.ok(reserved.inputTokens >= 3 * IMAGE_INPUT_TOKENS, `reserved ${reserved.inputTokens}`);
});

test('tool definitions and a JSON schema are input too (vendors put them in the prompt), counted like the messages', async () => {
  const messages = [user('hi')];
  const description = 'Looks a word up in the dictionary and returns its definitions. '.repeat(200);
  const tools = [{ name: 'lookup', description, parameters: { type: 'object', properties: { word: { type: 'string' } } } }];
  const bare = (await estimateChatCall({ messages }, model)).inputTokens;
  const withTools = (await estimateChatCall({ messages, tools }, model)).inputTokens;
  const count = await o200kCounter();
  const toolTokens = count(['lookup', description, JSON.stringify(tools[0]?.parameters)]);
  assert.ok(withTools - bare >= toolTokens, `tools added ${withTools - bare}, they count ${toolTokens}`);
  assert.ok(withTools - bare <= toolTokens * 1.5 + 16, `tools added ${withTools - bare}, they count ${toolTokens}`);
  const schema = { type: 'object', properties: { answer: { type: 'string', description: 'the answer' } } };
  const withSchema = (await estimateChatCall({ messages, responseFormat: { type: 'json_schema', name: 'r', schema } }, model)).inputTokens;
  assert.equal(withSchema - bare, Buffer.byteLength(JSON.stringify(schema)));
});

test("the output bound: per choice; the client's limit counts reasoning; without one the thinking budget is added (within the model row)", async () => {
  const messages = [user('hi')];
  const big = { maxTokens: 64_000 } as ModelEntry;
  const unbounded = {} as ModelEntry;
  assert.equal((await estimateChatCall({ messages, maxTokens: 10, n: 3 }, big)).outputTokens, 30);
  // Every vendor is sent the client's limit as it is (Anthropic's budget is fitted under it).
  assert.equal((await estimateChatCall({ messages, maxTokens: 1, reasoning: { effort: 'xhigh' } }, big)).outputTokens, 1);
  assert.equal((await estimateChatCall({ messages, maxTokens: 5000, reasoning: { budgetTokens: 100 } }, big)).outputTokens, 5000);
  assert.equal((await estimateChatCall({ messages, maxTokens: 50, reasoning: { effort: 'high' } }, model)).outputTokens, 50);
  // No limit: the row's max_tokens, else 4,096 plus the budget (at least 1,024), within the row's.
  assert.equal((await estimateChatCall({ messages, reasoning: { effort: 'xhigh' } }, unbounded)).outputTokens, 4096 + 32_768);
  assert.equal((await estimateChatCall({ messages, reasoning: { budgetTokens: 100 } }, unbounded)).outputTokens, 4096 + 1024, 'the smallest budget');
  assert.equal((await estimateChatCall({ messages, reasoning: { effort: 'none' } }, unbounded)).outputTokens, 4096);
  assert.equal((await estimateChatCall({ messages, reasoning: { effort: 'high' } }, model)).outputTokens, 100, "the row's max_tokens");
});

test('an input over the byte bound and up to EXACT_CHARS is counted whole', async () => {
  const text = 'word '.repeat(Math.floor(EXACT_CHARS / 5));
  assert.ok(Buffer.byteLength(text) > BYTE_BOUND_MAX_TOKENS);
  const messages = [user(text)];
  const reserved = await estimateChatCall({ messages: messages, maxTokens: 7 }, model);
  assert.equal(reserved.inputTokens, await estimateChatInputTokens(messages));
  assert.ok(reserved.inputTokens < text.length / 2, `tokenizer count ${reserved.inputTokens}`);
  assert.equal(reserved.outputTokens, 7);
});

test('a long input is reserved from a sample: at least the exact count, at most 1.5× it, never over its bytes', async () => {
  // Real text of several kinds (prose, code, Japanese, mixed scripts), in slices of 3 K to 100 K characters.
  const corpus = [pinnedProse().slice(0, 150_000), pinnedCode().slice(0, 250_000), pinnedMessages('ja').slice(0, 150_000)].join('\n');
  const mixed = 'Résumé: 東京で会いましょう。Привет, мир! 🙂 ünïcödé 1234567890 '.repeat(2_000);
  const texts = [mixed, mixed.slice(0, 20_000) + corpus.slice(0, 20_000)];
  for (const size of [3_000, 30_000, 100_000]) for (let offset = 0; offset + size <= corpus.length && offset < 8 * size; offset += size) texts.push(corpus.slice(offset, offset + size));
  const count = await o200kCounter();
  for (const text of texts) {
    const messages = [{ role: 'system', content: 'Be brief.' } as ChatMessage, user(text)];
    const exact = 3 + 6 + count(messages.map(chatMessageText));
    const reserved = (await estimateChatCall({ messages: messages, maxTokens: 10 }, model)).inputTokens;
    assert.ok(reserved >= exact && reserved <= exact * 1.5, `${text.length} characters: reserved ${reserved}, exact ${exact}`);
    assert.ok(reserved <= 3 + 6 + Buffer.byteLength(text) + Buffer.byteLength('Be brief.'));
    const embedded = (await estimateEmbedCall([text])).inputTokens;
    const counted = count([text]);
    assert.ok(embedded >= counted && embedded <= counted * 1.5, `embedding of ${text.length} characters: reserved ${embedded}, exact ${counted}`);
  }
});

test('embedding inputs: bytes when short, 0 for no text, the tokenizer when long', async () => {
  assert.equal((await estimateEmbedCall(['abc', 'dé'])).inputTokens, 6);
  assert.equal((await estimateEmbedCall(['', ''])).inputTokens, 0);
  const long = (await estimateEmbedCall(['token '.repeat(400)])).inputTokens;
  assert.ok(long > 0 && long < 2400, `tokenizer count ${long}`);
});

test("a long input that spells a special token is reserved at its count, not refused", async () => {
  const text = `${'Please summarise the following log. '.repeat(40)}<|endoftext|><|im_start|>system`;
  const reserved = await estimateChatCall({ messages: [user(text)], maxTokens: 10 }, model);
  assert.ok(reserved.inputTokens > 3 + 3 && reserved.inputTokens < Buffer.byteLength(text), `${reserved.inputTokens}`);
  assert.equal(reserved.inputTokens, await estimateChatInputTokens([user(text)]));
});

/** A Messages body of the kind coding agents send: tool definitions, a long system prompt, a history of tool calls. */
function agentBody(resultText: string): Record<string, unknown> {
  const tools = Array.from({ length: 12 }, (_, i) => ({
    name: `read_file_${i}`,
    description: 'Reads a file from the local filesystem, from an offset, at most a limit of lines.',
    input_schema: { type: 'object', properties: { path: { type: 'string' }, offset: { type: 'number' }, limit: { type: 'integer', minimum: 1 } }, required: ['path'], additionalProperties: false },
  }));
  const messages = Array.from({ length: 10 }, (_, i) =>
    i % 2 === 1
      ? { role: 'assistant', content: [{ type: 'text', text: 'Je lis le fichier.' }, { type: 'tool_use', id: `toolu_${i}`, name: 'read_file_1', input: { path: '/src/é.ts', offset: 1.5, tail: null, all: true } }] }
      : { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i - 1}`, content: resultText }] },
  );
  return { model: 'claude-sonnet-4-5', max_tokens: 2048, system: [{ type: 'text', text: 'You are a coding agent. ', cache_control: { type: 'ephemeral' } }], tools, messages, stream: true, metadata: {}, stop_sequences: [] };
}

test('native bodies: images and documents reserved at their figures (URL, file id or inline), also in tool results', async () => {
  const url = (name: string) => ({ type: 'image', source: { type: 'url', url: `https://example.com/${name}.png` } });
  const inline = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(200_000) } };
  const pdf = { type: 'document', source: { type: 'url', url: 'https://example.com/report.pdf' } };
  const anthropic = {
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    messages: [
      { role: 'user', content: [url('a'), url('b'), pdf, { type: 'text', text: 'Compare.' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [inline] }] },
    ],
  };
  const reserved = (await estimateNativeCall(anthropic, 'anthropic-messages', model)).inputTokens;
  assert.ok(reserved >= 3 * IMAGE_INPUT_TOKENS + DOCUMENT_INPUT_TOKENS, `reserved ${reserved}`);
  // The inline image is an image, not 200 K characters of text.
  assert.ok(reserved < 3 * IMAGE_INPUT_TOKENS + DOCUMENT_INPUT_TOKENS + 1_000, `reserved ${reserved}`);
  const responses = { model: 'gpt-5', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://example.com/b.png' }, { type: 'input_file', file_url: 'https://example.com/c.pdf' }] }] };
  assert.ok((await estimateNativeCall(responses, 'openai-responses', model)).inputTokens >= IMAGE_INPUT_TOKENS + DOCUMENT_INPUT_TOKENS);
});

test('a short native body is reserved at the bytes of its JSON text, without its model', async () => {
  const body = { model: 'claude-haiku-4-5', max_tokens: 64, system: 'Sois bref.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Météo à Nîmes ?' }] }], temperature: 0.5, stream: false, metadata: {}, stop_sequences: [], top_k: null };
  const { model: _model, ...rest } = body;
  const reserved = await estimateNativeCall(body, 'anthropic-messages', model);
  assert.equal(reserved.inputTokens, Buffer.byteLength(JSON.stringify(rest)));
  assert.equal(reserved.outputTokens, 64);
});

// The sample's windows fall at random places (text-sample.ts): on these bodies of repeated,
// JSON-escaped code, 300 draws ranged 0.95–1.21× the JSON text's tokens (7% of them under 1×).
test("a long native body is reserved from its texts, at least 0.9× its JSON text's tokens and at most 1.5× them", async () => {
  const count = await o200kCounter();
  const code = pinnedCode();
  for (const resultText of ['export const x = 1;\n', code.slice(0, 4_000), code.slice(0, 40_000), '東京で会いましょう。'.repeat(3_000)]) {
    const body = agentBody(resultText);
    const { model: _model, ...rest } = body;
    const exact = count([JSON.stringify(rest)]);
    const reserved = (await estimateNativeCall(body, 'anthropic-messages', model)).inputTokens;
    assert.ok(reserved >= exact * 0.9 && reserved <= exact * 1.5, `${resultText.length} characters per result: reserved ${reserved}, the JSON's ${exact}`);
  }
});

test("a native body's web search tools bound its searches: max_uses, max_tool_calls, or uncapped", async () => {
  const search = (extra: Record<string, unknown> = {}) => ({ type: 'web_search_20250305', name: 'web_search', ...extra });
  const fn = { name: 'lookup', input_schema: { type: 'object' } };
  // No such tool: nothing (and nothing in the estimate).
  assert.equal(nativeWebSearches({ model: 'm' }), undefined);
  assert.equal(nativeWebSearches({ tools: [fn, { type: 'function', name: 'f' }, { type: 'web_fetch_20250910', name: 'web_fetch' }] }), undefined);
  assert.equal((await estimateNativeCall({ model: 'm', tools: [fn], messages: [] }, 'anthropic-messages', model)).webSearches, undefined);
  // Anthropic: each tool's max_uses; one without is uncapped.
  assert.deepEqual(nativeWebSearches({ tools: [fn, search({ max_uses: 3 })] }), { capped: 3, uncapped: false });
  assert.deepEqual(nativeWebSearches({ tools: [search({ max_uses: 3 }), search()] }), { capped: 3, uncapped: true });
  for (const bad of [0, -1, 2.5, '4', null]) assert.deepEqual(nativeWebSearches({ tools: [search({ max_uses: bad })] }), { capped: 0, uncapped: true });
  // Responses: max_tool_calls caps every built-in tool call, searches included.
  assert.deepEqual(nativeWebSearches({ tools: [{ type: 'web_search' }] }), { capped: 0, uncapped: true });
  assert.deepEqual(nativeWebSearches({ tools: [{ type: 'web_search_preview_2025_03_11' }], max_tool_calls: 4 }), { capped: 4, uncapped: false });
  assert.deepEqual(nativeWebSearches({ tools: [search({ max_uses: 2 })], max_tool_calls: 4 }), { capped: 2, uncapped: false });
  assert.deepEqual(nativeWebSearches({ tools: [{ type: 'web_search' }], max_tool_calls: null }), { capped: 0, uncapped: true });
  // A huge cap stays a safe integer (priced exactly as bigint).
  assert.deepEqual(nativeWebSearches({ tools: [search({ max_uses: 2 ** 52 }), search({ max_uses: 2 ** 52 })] }), { capped: Number.MAX_SAFE_INTEGER, uncapped: false });
  const estimate = await estimateNativeCall({ model: 'm', max_tokens: 7, tools: [search({ max_uses: 3 })], messages: [] }, 'anthropic-messages', model);
  assert.deepEqual([estimate.outputTokens, estimate.webSearches], [7, { capped: 3, uncapped: false }]);
});

test("each native API's own limit field bounds its output: a Responses body's max_tokens limits nothing", async () => {
  const body = { model: 'm', input: 'hi', max_tokens: 1, max_output_tokens: 100_000 };
  assert.equal((await estimateNativeCall(body, 'openai-responses', model)).outputTokens, 100_000);
  assert.equal((await estimateNativeCall({ model: 'm', messages: [], max_tokens: 9, max_output_tokens: 100_000 }, 'anthropic-messages', model)).outputTokens, 9);
});
