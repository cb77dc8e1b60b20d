import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_MAX_OUTPUT_TOKENS } from '../governance/estimate-call.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { chatReasoningBound, nativeReasoningBound } from './reasoning-bound.js';

const model = (features: ModelEntry['features'], maxTokens?: number): ModelEntry =>
  ({ id: 'm', name: 'm', modelId: 'm', features, maxTokens, nativeFields: {} }) as unknown as ModelEntry;

describe('the bound of hidden reasoning', () => {
  test('only a row that reasons', () => {
    assert.equal(chatReasoningBound({}, model({}), 'openai'), undefined);
    assert.equal(chatReasoningBound({}, model({ reasoning: false }), 'openai'), undefined);
    assert.equal(nativeReasoningBound({}, 'openai-responses', model({})), undefined);
  });

  test("the request's limit, else the reservation's bound", () => {
    const reasons = model({ reasoning: true }, 32_000);
    assert.equal(chatReasoningBound({ maxTokens: 500 }, reasons, 'openai'), 500);
    assert.equal(chatReasoningBound({}, reasons, 'openai'), 32_000);
    assert.equal(chatReasoningBound({}, model({ reasoning: true }), undefined), DEFAULT_MAX_OUTPUT_TOKENS);
    assert.equal(nativeReasoningBound({ max_output_tokens: 700 }, 'openai-responses', reasons), 700);
    assert.equal(nativeReasoningBound({ max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 } }, 'anthropic-messages', reasons), 2000);
  });

  test('not when the request turns reasoning off, nor on Claude without thinking', () => {
    const reasons = model({ reasoning: true }, 32_000);
    assert.equal(chatReasoningBound({ reasoning: { effort: 'none' } }, reasons, 'openai'), undefined);
    assert.equal(chatReasoningBound({ reasoning: { budgetTokens: 0 } }, reasons, 'google'), undefined);
    assert.equal(chatReasoningBound({}, reasons, 'anthropic'), undefined);
    assert.equal(chatReasoningBound({ reasoning: { effort: 'low' } }, reasons, 'anthropic'), 32_000);
    assert.equal(nativeReasoningBound({ reasoning: { effort: 'none' } }, 'openai-responses', reasons), undefined);
    assert.equal(nativeReasoningBound({ max_tokens: 100 }, 'anthropic-messages', reasons), undefined);
    assert.equal(nativeReasoningBound({ max_tokens: 100, thinking: { type: 'disabled' } }, 'anthropic-messages', reasons), undefined);
  });
});
