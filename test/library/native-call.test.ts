import { withoutLedgerUsage } from '../helpers/usage.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProviderError, SwitchboardError } from '../../src/errors.js';
import type { NativeAnswer, NativeEvent } from '../../src/providers/spec/index.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { insertLibraryRows, KEYS, LIBRARY_ENV, startVendorMocks, type VendorMocks } from './library-harness.js';

const messagesBody = { model: 'lib-claude', max_tokens: 64, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello native', cache_control: { type: 'ephemeral' } }] }] };

async function events(answer: NativeAnswer): Promise<NativeEvent[]> {
  assert.equal(answer.type, 'stream');
  const collected: NativeEvent[] = [];
  for await (const event of answer.events) collected.push(event);
  return collected;
}

describe('AIService.native: same-vendor APIs served without translation', () => {
  let db: TestDb;
  let mocks: VendorMocks;
  let switchboard: Switchboard;

  before(async () => {
    [db, mocks] = await Promise.all([createTestDb(), startVendorMocks()]);
    switchboard = await createSwitchboard({ db, env: LIBRARY_ENV });
    await insertLibraryRows(switchboard.db, mocks);
    await db.exec(`
UPDATE ai_providers SET config = '{"anthropic_beta": ["beta-one"]}'::jsonb WHERE name = 'lib-anthropic';`);
    await switchboard.reload();
  });
  after(async () => {
    await switchboard.close();
    await db.dispose();
    await mocks.close();
  });

  test('anthropic-messages (JSON): the body reaches Anthropic unchanged, model replaced, the message comes back', async () => {
    const { answer, route } = await switchboard.service.native({ api: 'anthropic-messages', body: messagesBody, stream: false, headers: { 'anthropic-beta': 'client-beta' } });
    const request = mocks.anthropic.requests.at(-1);
    assert.equal(request?.url, '/v1/messages');
    assert.equal(request.headers['x-api-key'], KEYS.anthropic);
    assert.equal(request.headers['anthropic-beta'], 'client-beta,beta-one');
    assert.deepEqual(request.body, { ...messagesBody, model: 'claude-test-1' });
    assert.equal(answer.type, 'json');
    assert.equal(answer.body['type'], 'message');
    assert.deepEqual(answer.body['content'], [{ type: 'text', text: 'Echo: hello native', citations: null }]);
    assert.deepEqual(withoutLedgerUsage(answer.usage), { inputTokens: 2, outputTokens: 3, totalTokens: 5 });
    assert.equal(route.provider.name, 'lib-anthropic');
  });

  test('anthropic-messages (stream): the vendor events come back in order, usage read from them', async () => {
    const { answer } = await switchboard.service.native({ api: 'anthropic-messages', body: messagesBody, stream: true });
    assert.equal(mocks.anthropic.requests.at(-1)?.body && (mocks.anthropic.requests.at(-1)?.body as Record<string, unknown>)['stream'], true);
    const received = await events(answer);
    assert.deepEqual(
      received.map((event) => event.event),
      ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
    );
    const text = received
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => (JSON.parse(event.data) as { delta: { text: string } }).delta.text)
      .join('');
    assert.equal(text, 'Echo: hello native');
    assert.equal(answer.type === 'stream' && answer.usage().outputTokens, 3);
    assert.equal(answer.type === 'stream' && answer.usage().inputTokens, 2);
  });

  test('openai-responses (JSON): the Responses body reaches OpenAI /v1/responses unchanged', async () => {
    const body = { model: 'lib-gpt', input: 'hello responses', instructions: 'be brief', reasoning: { effort: 'low' }, metadata: { a: '1' } };
    const { answer } = await switchboard.service.native({ api: 'openai-responses', body, stream: false });
    const request = mocks.openai.requests.at(-1);
    assert.equal(request?.url, '/v1/responses');
    assert.equal(request.headers['authorization'], `Bearer ${KEYS.openai}`);
    assert.deepEqual(request.body, { ...body, model: 'gpt-4o-mini' });
    assert.equal(answer.type, 'json');
    assert.equal(answer.body['object'], 'response');
    const output = answer.body['output'] as { type: string }[];
    assert.deepEqual(output.map((item) => item.type), ['reasoning', 'message']);
    assert.equal(answer.usage.reasoningTokens, 7);
    assert.equal(answer.usage.outputTokens, 10);
  });

  test('openai-responses (stream): typed events with increasing sequence_number, usage from response.completed', async () => {
    const { answer } = await switchboard.service.native({ api: 'openai-responses', body: { model: 'lib-gpt', input: 'stream me please' }, stream: true });
    const received = await events(answer);
    assert.equal(received[0]?.event, 'response.created');
    assert.equal(received.at(-1)?.event, 'response.completed');
    const sequence = received.map((event) => (JSON.parse(event.data) as { sequence_number: number }).sequence_number);
    assert.deepEqual(sequence, sequence.map((_value, index) => index));
    assert.equal(answer.type === 'stream' && answer.usage().outputTokens, 4);
    assert.equal(answer.type === 'stream' && answer.usage().inputTokens, 3);
  });

  test('an upstream error status throws the mapped ProviderError', async () => {
    mocks.openai.failNext({ status: 429 });
    const error = await switchboard.service.native({ api: 'openai-responses', body: { model: 'lib-gpt', input: 'x' }, stream: false }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ProviderError);
    assert.equal(error.status, 429);
  });

  test('a provider without the API is refused before any upstream call', async () => {
    const before = mocks.requestCount();
    assert.equal(switchboard.service.supportsNative('lib-gemini', 'anthropic-messages'), false);
    assert.equal(switchboard.service.supportsNative('lib-azure-chat', 'openai-responses'), false);
    assert.equal(switchboard.service.supportsNative('lib-gpt', 'openai-responses'), true);
    const error = await switchboard.service.native({ api: 'anthropic-messages', body: { ...messagesBody, model: 'lib-gemini' }, stream: false }).catch((caught: unknown) => caught);
    assert.ok(SwitchboardError.isInstance(error));
    assert.equal(error.code, 'unsupported_feature');
    assert.equal(mocks.requestCount(), before);
  });
});
