import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { ChatMessage } from '../providers/spec/index.js';
import { chatMessageText, estimateChatInputTokens } from './estimate-tokens.js';
import { chatInputEstimate, KEEP_CHARS } from './input-sample.js';

const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });

test('short messages are counted exactly', async () => {
  const messages: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }, user('What does an LLM gateway do?')];
  assert.equal(await chatInputEstimate(messages)(), await estimateChatInputTokens(messages));
  const edge = [user('a'.repeat(KEEP_CHARS))];
  assert.equal(await chatInputEstimate(edge)(), await estimateChatInputTokens(edge));
});

test('a long prompt is estimated from a sample within 5% of the exact count', async () => {
  // Real text of several kinds: docs/benchmark.md (prose, tables, figures), two folders' sources (code), and a
  // conversation mixing scripts, each far over the size kept whole.
  const prose = readFileSync('docs/benchmark.md', 'utf8');
  const code = ['src/usage', 'src/server']
    .flatMap((dir) => readdirSync(dir).filter((name) => name.endsWith('.ts')).map((name) => readFileSync(`${dir}/${name}`, 'utf8')))
    .join('\n');
  const mixed = 'Résumé: 東京で会いましょう。Привет, мир! 🙂 ünïcödé 1234567890 '.repeat(1_500);
  const cases: Array<[string, ChatMessage[]]> = [
    ['prose', [{ role: 'system', content: 'You answer questions about this document.' }, user(prose), user('Summarize it.')]],
    ['code', [user(code)]],
    ['mixed scripts over several messages', [user(mixed), { role: 'assistant', content: 'Understood.' }, user(prose.slice(0, 40_000) + mixed.slice(0, 30_000))]],
  ];
  for (const [name, messages] of cases) {
    const exact = await estimateChatInputTokens(messages);
    const estimated = await chatInputEstimate(messages)();
    const chars = messages.reduce((sum, message) => sum + chatMessageText(message).length, 0);
    assert.ok(chars > KEEP_CHARS, `${name}: a prompt over the size kept whole (${chars} characters)`);
    assert.ok(Math.abs(estimated - exact) / exact < 0.05, `${name}: estimated ${estimated}, exact ${exact}`);
  }
});

test('a long prompt of one repeated letter is still estimated sensibly', async () => {
  const messages = [user('x'.repeat(200_000))];
  const exact = await estimateChatInputTokens(messages);
  const estimated = await chatInputEstimate(messages)();
  assert.ok(estimated > 0 && Math.abs(estimated - exact) / exact < 0.1, `estimated ${estimated}, exact ${exact}`);
});
