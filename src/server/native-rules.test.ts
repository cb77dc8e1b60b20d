import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelEntry } from '../registry/provider-registry.js';
import { allowedBetas, betaFamily } from './anthropic-betas.js';
import type { JsonObject } from './field-checks.js';
import { collectNativeFields } from './chat-native-fields.js';
import { parseMessagesRequest } from './messages/parse-messages-request.js';
import { ruledResponsesBody } from './native-body.js';
import { guardedFields } from './native-field-defaults.js';
import { ruledTools, toolFamily } from './native-tool-rules.js';

const model = (nativeFields: ModelEntry['nativeFields'] = {}): ModelEntry => ({
  id: 'm',
  name: 'row',
  displayName: null,
  modelId: 'x',
  providerName: 'p',
  providerId: 'p',
  contextWindow: undefined,
  maxTokens: undefined,
  features: {},
  pricing: {},
  nativeFields,
  isActive: true,
  status: 'available',
  reason: undefined,
});

describe('families', () => {
  test('a date suffix goes, the rest stays', () => {
    assert.equal(toolFamily('web_search_20250305'), 'web_search');
    assert.equal(toolFamily('web_search_preview_2025_03_11'), 'web_search_preview');
    assert.equal(toolFamily('mcp'), 'mcp');
    assert.equal(betaFamily('context-1m-2025-08-07'), 'context-1m');
    assert.equal(betaFamily('claude-code-20250219'), 'claude-code');
  });
});

describe('rule precedence: exact value, then family, then *', () => {
  test('betas', () => {
    const header = 'context-1m-2025-08-07,fast-mode-2026-02-01,interleaved-thinking-2025-05-14';
    assert.equal(allowedBetas(header, model()), 'interleaved-thinking-2025-05-14');
    assert.equal(allowedBetas(header, model({ 'anthropic-beta.*': 'pass', 'anthropic-beta.fast-mode': 'drop' })), 'context-1m-2025-08-07,interleaved-thinking-2025-05-14');
    assert.equal(allowedBetas(header, model({ 'anthropic-beta.interleaved-thinking': 'drop', 'anthropic-beta.interleaved-thinking-2025-05-14': 'pass' })), 'interleaved-thinking-2025-05-14');
    assert.throws(() => allowedBetas(header, model({ 'anthropic-beta.context-1m': 'refuse' })), {
      param: 'anthropic-beta',
      message: /^The anthropic-beta flag 'context-1m-2025-08-07' is not allowed for the model '[^']+' \(refused by its native_fields rules\)\.$/,
    });
    assert.equal(allowedBetas(' , ,', model()), undefined);
  });

  test('tools: function tools are never asked about; * covers every vendor tool', () => {
    const body = { tools: [{ type: 'function', name: 'f' }, { type: 'mcp', server_url: 'http://10.0.0.1' }, { type: 'file_search' }] };
    assert.throws(() => ruledTools(body, model(), 'openai-responses'), { param: 'tools[1].type' });
    assert.deepEqual(ruledTools(body, model({ 'tools.*': 'pass', 'tools.function': 'refuse' }), 'openai-responses'), body);
    assert.deepEqual(ruledTools(body, model({ 'tools.*': 'drop', 'tools.file_search': 'pass' }), 'openai-responses').tools, [body.tools[0], body.tools[2]]);
  });

  test('a tool carrying a model or a server_url is refused whatever its type; unknown client-run types pass', () => {
    assert.throws(() => ruledTools({ tools: [{ type: 'local_shell', server_url: 'http://x' }] }, model(), 'openai-responses'), { param: 'tools[0].type' });
    assert.throws(() => ruledTools({ tools: [{ type: 'image_generation', model: 'gpt-image-1' }] }, model(), 'openai-responses'), { param: 'tools[0].type' });
    const body = { tools: [{ type: 'local_shell' }, { type: 'apply_patch' }, { type: 'memory_20250818', name: 'memory' }] };
    assert.equal(ruledTools(body, model(), 'openai-responses'), body);
  });
});

describe('secure defaults of top-level fields', () => {
  const context = (from: 'openai' | 'anthropic', servingFamily: 'openai' | 'anthropic', rules: ModelEntry['nativeFields'] = {}) => ({
    from,
    servingFamily,
    model: model(rules),
    changesAnswer: () => false,
  });

  test('only replace the same-family pass, and give way to a row rule', () => {
    assert.deepEqual(guardedFields({ store: true, logprobs: true }, context('openai', 'openai')), { logprobs: true });
    assert.deepEqual(guardedFields({ store: true }, context('openai', 'openai', { store: 'pass' })), { store: true });
    const other = { store: true, service_tier: 'priority' };
    assert.equal(guardedFields(other, context('openai', 'anthropic')), other);
    assert.throws(() => guardedFields({ service_tier: 'flex' }, context('openai', 'openai')), { param: 'service_tier' });
    assert.throws(() => guardedFields({ speed: 'fast' }, context('anthropic', 'anthropic')), { param: 'speed' });
  });

  test('a field named like an Object.prototype member is not a rule', () => {
    assert.deepEqual(guardedFields({ constructor: 1, toString: 2 }, context('openai', 'openai')), { constructor: 1, toString: 2 });
  });
});

describe('a body key __proto__ is not a field', () => {
  // JSON.parse makes `__proto__` an own key; copied by assignment it would become the prototype of
  // the fields object, and its keys would be ruled as if the client had sent them.
  const body = JSON.parse('{"model":"m","input":"hi","__proto__":{"prompt":{"id":"pmpt_1"},"service_tier":"priority"}}') as JsonObject;

  test('chat: collected fields keep Object.prototype and inherit nothing', () => {
    const fields = collectNativeFields(body);
    assert.equal(Object.getPrototypeOf(fields), Object.prototype);
    assert.equal('prompt' in fields, false);
    assert.doesNotThrow(() => guardedFields(fields, { model: model(), from: 'openai', servingFamily: 'openai', changesAnswer: () => true }));
  });

  test('/v1/responses native: no spurious refusal of an inherited guarded field', () => {
    assert.doesNotThrow(() => ruledResponsesBody(body, model()));
  });

  test('/v1/messages: extras inherit nothing', () => {
    const parsed = parseMessagesRequest(JSON.parse('{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"__proto__":{"speed":"fast"}}') as JsonObject);
    assert.equal(Object.getPrototypeOf(parsed.extras), Object.prototype);
    assert.equal('speed' in parsed.extras, false);
  });
});
