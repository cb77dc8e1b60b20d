import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatMessage, ReasoningDeltaPart, ToolDefinition } from '../../src/providers/spec/index.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { collect, insertLibraryRows, LIBRARY_ENV, startVendorMocks, user, type VendorMocks } from './library-harness.js';

const lookup: ToolDefinition = { name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } } } };
type Json = Record<string, unknown>;

describe('reasoning through the normalized core', () => {
  let db: TestDb;
  let mocks: VendorMocks;
  let switchboard: Switchboard;
  const lastAnthropicBody = (): Json => (mocks.anthropic.requests.at(-1)?.body ?? {}) as Json;

  before(async () => {
    [db, mocks] = await Promise.all([createTestDb(), startVendorMocks()]);
    switchboard = await createSwitchboard({ db, env: LIBRARY_ENV });
    await insertLibraryRows(switchboard.db, mocks);
    await db.exec(`
INSERT INTO ai_models (name, provider_id, model_id, max_tokens)
  VALUES ('lib-claude-small', (SELECT id FROM ai_providers WHERE name = 'lib-anthropic'), 'claude-test-1', 3000);`);
    await switchboard.reload();
  });
  after(async () => {
    await switchboard.close();
    await db.dispose();
    await mocks.close();
  });

  test('a signed thinking block of a tool-use turn reaches Anthropic again with its signature intact', async () => {
    const first = await switchboard.chat({ model: 'lib-claude', messages: [user('weather in Oslo')], tools: [lookup], reasoning: { budgetTokens: 2000 } });
    const choice = first.choices[0];
    const [block] = choice?.reasoning ?? [];
    assert.equal(block?.origin, 'anthropic');
    assert.equal(block.text, 'Thinking about: weather in Oslo');
    assert.ok(block.signature?.startsWith('sig_mock_'));
    assert.deepEqual(lastAnthropicBody()['thinking'], { type: 'enabled', budget_tokens: 2000 });
    const call = choice?.toolCalls[0];
    assert.ok(call);

    const history: ChatMessage[] = [
      user('weather in Oslo'),
      { role: 'assistant', content: null, toolCalls: [call], reasoning: choice.reasoning ?? [] },
      { role: 'tool', toolCallId: call.id, content: 'rainy' },
    ];
    const second = await switchboard.chat({ model: 'lib-claude', messages: history, tools: [lookup], reasoning: { budgetTokens: 2000 } });
    assert.equal(second.choices[0]?.content, 'Echo: rainy');
    const assistant = (lastAnthropicBody()['messages'] as Json[])[1];
    assert.deepEqual((assistant?.['content'] as Json[])[0], { type: 'thinking', thinking: block.text, signature: block.signature });
  });

  test('reasoning from another vendor is not sent to Anthropic (signatures are vendor-bound)', async () => {
    const history: ChatMessage[] = [
      user('hi'),
      { role: 'assistant', content: 'hello', reasoning: [{ text: 'gemini thought', signature: 'c2ln', origin: 'google' }] },
      user('again'),
    ];
    const response = await switchboard.chat({ model: 'lib-claude', messages: history });
    assert.equal(response.choices[0]?.content, 'Echo: again');
    const assistant = (lastAnthropicBody()['messages'] as Json[])[1];
    assert.deepEqual(assistant?.['content'], [{ type: 'text', text: 'hello' }]);
  });

  test('Anthropic streaming: thinking text, then its signature, as reasoning-delta parts before the text', async () => {
    const parts = await collect(switchboard.stream({ model: 'lib-claude', messages: [user('stream thoughts')], reasoning: { effort: 'low' } }));
    const reasoning = parts.filter((part): part is ReasoningDeltaPart => part.type === 'reasoning-delta');
    assert.equal(reasoning.map((part) => part.text ?? '').join(''), 'Thinking about: stream thoughts');
    assert.equal(reasoning.at(-1)?.signature, `sig_mock_${Buffer.from('Thinking about: stream thoughts').toString('base64')}`);
    const firstText = parts.findIndex((part) => part.type === 'text-delta');
    assert.ok(firstText > parts.lastIndexOf(reasoning.at(-1) as ReasoningDeltaPart));
    const finish = parts.at(-1);
    assert.equal(finish?.type === 'finish' && finish.usage.reasoningTokens, 4);
  });

  test('cache_control on system, text and tools reaches Anthropic unchanged; top_k too', async () => {
    const cache = { type: 'ephemeral' };
    await switchboard.chat({
      model: 'lib-claude',
      messages: [
        { role: 'system', content: 'be brief', cacheControl: cache },
        { role: 'user', content: [{ type: 'text', text: 'cached question', cacheControl: cache }] },
      ],
      tools: [{ ...lookup, cacheControl: cache }],
      toolChoice: 'none',
      topK: 5,
    });
    const sent = lastAnthropicBody();
    assert.deepEqual(sent['system'], [{ type: 'text', text: 'be brief', cache_control: cache }]);
    assert.deepEqual((sent['messages'] as Json[])[0]?.['content'], [{ type: 'text', text: 'cached question', cache_control: cache }]);
    assert.deepEqual((sent['tools'] as Json[])[0]?.['cache_control'], cache);
    assert.equal(sent['top_k'], 5);
  });

  test("max_tokens is the caller's limit (the budget fitted under it), else budget + 4096 capped by the model row; a forced tool is refused", async () => {
    await switchboard.chat({ model: 'lib-claude', messages: [user('budget')], reasoning: { budgetTokens: 40000 }, maxTokens: 100 });
    assert.equal('thinking' in lastAnthropicBody(), false, 'no room for a 1024 budget under 100');
    assert.equal(lastAnthropicBody()['max_tokens'], 100);
    await switchboard.chat({ model: 'lib-claude', messages: [user('budget')], reasoning: { budgetTokens: 40000 }, maxTokens: 50000 });
    assert.deepEqual(lastAnthropicBody()['thinking'], { type: 'enabled', budget_tokens: 40000 });
    assert.equal(lastAnthropicBody()['max_tokens'], 50000);
    await switchboard.chat({ model: 'lib-claude-small', messages: [user('budget')], reasoning: { effort: 'medium' } });
    assert.deepEqual(lastAnthropicBody()['thinking'], { type: 'enabled', budget_tokens: 1500 });
    assert.equal(lastAnthropicBody()['max_tokens'], 3000);
    const before = mocks.anthropic.requests.length;
    const error = await switchboard.chat({ model: 'lib-claude', messages: [user('x')], tools: [lookup], toolChoice: 'required', reasoning: { effort: 'high' } }).catch((caught: unknown) => caught);
    assert.ok(error instanceof Error && 'param' in error);
    assert.equal((error as { param: unknown }).param, 'tool_choice');
    assert.equal(mocks.anthropic.requests.length, before);
  });

  test('native fields reach only the provider of their family', async () => {
    await switchboard.chat({ model: 'lib-gpt', messages: [user('x')], native: { family: 'openai', fields: { service_tier: 'flex', temperature: 2 } }, temperature: 0.5 });
    const sent = (mocks.openai.requests.at(-1)?.body ?? {}) as Json;
    assert.equal(sent['service_tier'], 'flex');
    assert.equal(sent['temperature'], 0.5, 'a native field never overrides a converted one');
    await switchboard.chat({ model: 'lib-claude', messages: [user('x')], native: { family: 'openai', fields: { service_tier: 'flex' } } });
    assert.equal('service_tier' in lastAnthropicBody(), false);
  });
});
