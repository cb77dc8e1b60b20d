import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SwitchboardError } from '../../src/errors.js';
import type { PublicChatRequest } from '../../src/service/ai-service.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { collect, defineClassTests, insertLibraryRows, LIBRARY_ENV, startVendorMocks, user, type VendorMocks } from './library-harness.js';

describe('createSwitchboard on an open database (db option)', () => {
  let db: TestDb;
  let mocks: VendorMocks;
  let switchboard: Switchboard;
  const logs: { level: string; message: string }[] = [];

  before(async () => {
    [db, mocks] = await Promise.all([createTestDb(), startVendorMocks()]);
    switchboard = await createSwitchboard({ db, env: LIBRARY_ENV, log: (level, message) => logs.push({ level, message }) });
    await insertLibraryRows(switchboard.db, mocks);
    await db.exec(`
INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
VALUES ('lib-unset', 'Provider without its key', 'OpenAIProvider', '${mocks.openai.baseUrl}', '["LIB_UNSET_API_KEY"]'::jsonb);

INSERT INTO ai_models (name, display_name, provider_id, model_id, is_active, max_tokens, features) VALUES
  ('lib-inactive', 'Inactive', (SELECT id FROM ai_providers WHERE name = 'lib-openai'), 'gpt-4o-mini', false, null, '{}'),
  ('lib-small', 'Small output', (SELECT id FROM ai_providers WHERE name = 'lib-openai'), 'gpt-4o-mini', true, 50, '{}'),
  ('lib-no-tools', 'No tools', (SELECT id FROM ai_providers WHERE name = 'lib-openai'), 'gpt-4o-mini', true, null, '{"tools": false}'),
  ('lib-no-vision', 'No vision', (SELECT id FROM ai_providers WHERE name = 'lib-openai'), 'gpt-4o-mini', true, null, '{"vision": false}'),
  ('lib-no-json', 'No JSON mode', (SELECT id FROM ai_providers WHERE name = 'lib-openai'), 'gpt-4o-mini', true, null, '{"json_mode": false}'),
  ('lib-no-stream', 'No streaming', (SELECT id FROM ai_providers WHERE name = 'lib-openai'), 'gpt-4o-mini', true, null, '{"streaming": false}'),
  ('lib-unset-model', 'Needs LIB_UNSET_API_KEY', (SELECT id FROM ai_providers WHERE name = 'lib-unset'), 'gpt-4o-mini', true, null, '{}');
`);
    await switchboard.reload();
  });
  after(async () => {
    await switchboard.close();
    // The caller owns the database it passed in: close() left it open.
    await db.query('select 1');
    await db.dispose();
    await mocks.close();
  });

  test('models() lists the inserted active models and not the inactive one', () => {
    const names = new Set(switchboard.models().map((model) => model.name));
    for (const name of ['lib-gpt', 'lib-claude', 'lib-gemini', 'lib-command', 'lib-azure-chat', 'lib-small']) assert.ok(names.has(name), name);
    assert.equal(names.has('lib-inactive'), false);
    const claude = switchboard.models().find((model) => model.name === 'lib-claude');
    assert.equal(claude?.providerName, 'lib-anthropic');
    assert.equal(claude.modelId, 'claude-test-1');
  });

  defineClassTests(() => ({ switchboard, mocks }));

  test('a row that cannot load is logged and isolated; the other rows keep serving', async () => {
    await db.exec(`
INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
VALUES ('lib-broken', 'Broken', 'NoSuchProviderClass', '${mocks.openai.baseUrl}', '["LIB_OPENAI_API_KEY"]'::jsonb);
INSERT INTO ai_models (name, display_name, provider_id, model_id, is_active)
VALUES ('lib-broken-model', 'Broken model', (SELECT id FROM ai_providers WHERE name = 'lib-broken'), 'gpt-4o-mini', true);`);
    await switchboard.reload();
    assert.ok(
      logs.some((line) => line.level === 'warn' && line.message.includes("provider 'lib-broken' is unavailable: unknown provider_class 'NoSuchProviderClass'")),
      JSON.stringify(logs),
    );
    const before = mocks.requestCount();
    const error = await switchboard.chat({ model: 'lib-broken-model', messages: [user('x')] }).catch((caught: unknown) => caught);
    assert.ok(SwitchboardError.isInstance(error));
    assert.equal(error.code, 'provider_unavailable');
    assert.match(error.message, /NoSuchProviderClass/);
    assert.equal(mocks.requestCount(), before);
    assert.equal(switchboard.models().some((model) => model.name === 'lib-broken-model'), false);
    const response = await switchboard.chat({ model: 'lib-gpt', messages: [user('still fine')] });
    assert.equal(response.choices[0]?.content, 'Echo: still fine');
  });

  describe('validation happens before any upstream call', () => {
    const ask = (model: string, extra: Partial<PublicChatRequest> = {}): PublicChatRequest => ({ model, messages: [user('validate me')], ...extra });

    /** Runs `call`, expects a SwitchboardError, and checks no mock received anything. */
    async function rejectsLocally(call: () => Promise<unknown>): Promise<SwitchboardError> {
      const before = mocks.requestCount();
      const error = await call().then(
        () => assert.fail('the call succeeded'),
        (caught: unknown) => caught,
      );
      assert.ok(SwitchboardError.isInstance(error), String(error));
      assert.equal(mocks.requestCount(), before, 'no upstream request was made');
      return error;
    }

    test('an unknown model says how to list the models', async () => {
      const error = await rejectsLocally(() => switchboard.chat(ask('no-such-model')));
      assert.equal(error.code, 'no_such_model');
      assert.equal(error.status, 404);
      assert.equal(error.param, 'model');
      assert.match(error.message, /'no-such-model'/);
      assert.match(error.message, /GET \/v1\/models/);
      assert.match(error.message, /switchboard models list/);
    });

    test('an inactive model is not callable', async () => {
      const error = await rejectsLocally(() => switchboard.chat(ask('lib-inactive')));
      assert.equal(error.code, 'no_such_model');
      const streamError = await rejectsLocally(() => collect(switchboard.stream(ask('lib-inactive'))));
      assert.equal(streamError.code, 'no_such_model');
    });

    test("max_tokens above the model row's max_tokens is rejected; the limit itself is allowed", async () => {
      const error = await rejectsLocally(() => switchboard.chat(ask('lib-small', { maxTokens: 51 })));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'max_tokens');
      assert.match(error.message, /51/);
      assert.match(error.message, /at most 50/);

      const response = await switchboard.chat(ask('lib-small', { maxTokens: 50 }));
      assert.equal(response.choices[0]?.content, 'Echo: validate me');
      assert.equal((mocks.openai.requests.at(-1)?.body as Record<string, unknown>)['max_completion_tokens'], 50);
    });

    test('tools on a model whose features say tools: false', async () => {
      const tools = [{ name: 'lookup', parameters: { type: 'object', properties: {} } }];
      const error = await rejectsLocally(() => switchboard.chat(ask('lib-no-tools', { tools })));
      assert.equal(error.code, 'unsupported_feature');
      assert.equal(error.param, 'tools');
      assert.match(error.message, /'lib-no-tools' does not support tools/);
    });

    test('an image on a model whose features say vision: false', async () => {
      const messages: PublicChatRequest['messages'] = [
        { role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image', url: 'https://example.com/cat.png' }] },
      ];
      const error = await rejectsLocally(() => switchboard.chat({ model: 'lib-no-vision', messages }));
      assert.equal(error.code, 'unsupported_feature');
      assert.match(error.message, /'lib-no-vision' does not support image input/);
    });

    test('JSON mode on a model whose features say json_mode: false', async () => {
      const error = await rejectsLocally(() => switchboard.chat(ask('lib-no-json', { responseFormat: { type: 'json_object' } })));
      assert.equal(error.code, 'unsupported_feature');
      assert.equal(error.param, 'response_format');
      assert.match(error.message, /'lib-no-json' does not support JSON mode/);
    });

    test('stream on a model whose features say streaming: false (chat still works)', async () => {
      const error = await rejectsLocally(() => collect(switchboard.stream(ask('lib-no-stream'))));
      assert.equal(error.code, 'unsupported_feature');
      assert.equal(error.param, 'stream');
      const response = await switchboard.chat(ask('lib-no-stream'));
      assert.equal(response.choices[0]?.content, 'Echo: validate me');
    });

    test('embeddings on a chat-only provider (Anthropic)', async () => {
      const error = await rejectsLocally(() => switchboard.embed({ model: 'lib-claude', input: ['text'] }));
      assert.equal(error.code, 'unsupported_feature');
      assert.match(error.message, /'lib-claude' does not support embeddings/);
    });

    test('a missing credential names the env var and calls nobody', async () => {
      for (const call of [
        () => switchboard.chat(ask('lib-unset-model')),
        () => collect(switchboard.stream(ask('lib-unset-model'))),
        () => switchboard.embed({ model: 'lib-unset-model', input: ['x'] }),
      ]) {
        const error = await rejectsLocally(call);
        assert.equal(error.code, 'credential_missing');
        assert.match(error.message, /LIB_UNSET_API_KEY/);
        assert.match(error.message, /'lib-unset'/);
      }
    });
  });
});
