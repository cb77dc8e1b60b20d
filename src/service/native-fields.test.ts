import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SwitchboardError } from '../errors.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { routeNativeFields } from './native-fields.js';

const model = (nativeFields: ModelEntry['nativeFields'] = {}): ModelEntry => ({
  id: 'm',
  name: 'claude',
  displayName: null,
  modelId: 'claude-x',
  providerName: 'anthropic',
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
const changesAnswer = (field: string): boolean => field === 'logprobs';

describe('routeNativeFields', () => {
  test('same family: every field passes, bound to that family', () => {
    const native = routeNativeFields({ logprobs: true, store: false }, { from: 'openai', servingFamily: 'openai', model: model(), changesAnswer });
    assert.deepEqual(native, { family: 'openai', fields: { logprobs: true, store: false } });
  });

  test('another family: answer-changing fields are refused naming them, the rest dropped', () => {
    assert.equal(routeNativeFields({ store: false }, { from: 'openai', servingFamily: 'anthropic', model: model(), changesAnswer }), undefined);
    assert.throws(
      () => routeNativeFields({ store: false, logprobs: true }, { from: 'openai', servingFamily: 'anthropic', model: model(), changesAnswer }),
      (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'unsupported_feature' && error.param === 'logprobs',
    );
  });

  test('the row overrides per field: pass goes to the serving family, drop and refuse win over the default', () => {
    const rules = model({ logprobs: 'drop', top_k: 'pass', store: 'refuse' });
    assert.deepEqual(routeNativeFields({ logprobs: true, top_k: 3 }, { from: 'openai', servingFamily: 'anthropic', model: rules, changesAnswer }), {
      family: 'anthropic',
      fields: { top_k: 3 },
    });
    assert.throws(() => routeNativeFields({ store: true }, { from: 'openai', servingFamily: 'openai', model: rules, changesAnswer }), /store/);
  });

  test("a refusal names its reason: the row's rule (same family too), else the provider of another family", () => {
    const rules = model({ store: 'refuse' });
    for (const servingFamily of ['openai', 'anthropic'] as const) {
      assert.throws(() => routeNativeFields({ store: true }, { from: 'openai', servingFamily, model: rules, changesAnswer }), {
        code: 'unsupported_feature',
        param: 'store',
        message: "store is not allowed for the model 'claude' (refused by its native_fields rules)",
      });
    }
    assert.throws(() => routeNativeFields({ logprobs: true }, { from: 'openai', servingFamily: 'anthropic', model: model(), changesAnswer }), {
      code: 'unsupported_feature',
      param: 'logprobs',
      message: "logprobs is not supported by the model 'claude' (its provider does not understand it)",
    });
  });

  test('only own keys of the rules count: a field named like an Object method passes to the same family', () => {
    const native = routeNativeFields({ constructor: 'x', toString: 1 }, { from: 'openai', servingFamily: 'openai', model: model(), changesAnswer });
    assert.deepEqual(native, { family: 'openai', fields: { constructor: 'x', toString: 1 } });
  });
});
