import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { estimateChatInputTokens } from '../usage/estimate-tokens.js';
import { BYTE_BOUND_MAX_TOKENS, estimateChatCall, estimateEmbedCall } from './estimate-call.js';

const model = { maxTokens: 100 } as ModelEntry;
const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });

test('a short chat input is reserved at its byte bound, never below the tokenizer count', async () => {
  const messages = [user('Bonjour, où est la gare ? 🚉'), { role: 'assistant', content: 'À gauche.' } as ChatMessage];
  const reserved = await estimateChatCall(messages, undefined, model);
  const counted = await estimateChatInputTokens(messages);
  // 3 priming + 2 × 3 per message + the UTF-8 bytes of both texts.
  assert.equal(reserved.inputTokens, 3 + 6 + Buffer.byteLength('Bonjour, où est la gare ? 🚉') + Buffer.byteLength('À gauche.'));
  assert.ok(reserved.inputTokens >= counted);
  assert.equal(reserved.outputTokens, 100);
});

test('a long chat input goes through the tokenizer', async () => {
  const text = 'word '.repeat(BYTE_BOUND_MAX_TOKENS);
  const messages = [user(text)];
  const reserved = await estimateChatCall(messages, 7, model);
  assert.equal(reserved.inputTokens, await estimateChatInputTokens(messages));
  assert.ok(reserved.inputTokens < text.length / 2, `tokenizer count ${reserved.inputTokens}`);
  assert.equal(reserved.outputTokens, 7);
});

test('embedding inputs: bytes when short, 0 for no text, the tokenizer when long', async () => {
  assert.equal((await estimateEmbedCall(['abc', 'dé'])).inputTokens, 6);
  assert.equal((await estimateEmbedCall(['', ''])).inputTokens, 0);
  const long = (await estimateEmbedCall(['token '.repeat(400)])).inputTokens;
  assert.ok(long > 0 && long < 2400, `tokenizer count ${long}`);
});
