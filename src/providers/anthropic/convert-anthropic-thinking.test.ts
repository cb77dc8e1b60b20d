import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatRequest } from '../spec/index.js';
import { fitThinkingBudget } from './convert-anthropic-thinking.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

/** What Anthropic is sent for `request` (a pre-4.6 model: the budget form), the row allowing `rowMax`. */
function sent(request: Partial<ChatRequest>, rowMax?: number): { max_tokens: number; thinking?: unknown } {
  const body = convertToAnthropicRequest(
    { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], ...request },
    { version: '2023-06-01', modelMaxTokens: rowMax },
  );
  return { max_tokens: body.max_tokens, ...(body.thinking === undefined ? {} : { thinking: body.thinking }) };
}

const enabled = (budget: number) => ({ type: 'enabled', budget_tokens: budget });

describe("the client's output limit counts thinking", () => {
  test('a limit is sent as it is, the effort budget fitted under it (the answer keeps half, up to 4096)', () => {
    assert.deepEqual(sent({ maxTokens: 16_000, reasoning: { effort: 'medium' } }), { max_tokens: 16_000, thinking: enabled(8192) });
    assert.deepEqual(sent({ maxTokens: 10_000, reasoning: { effort: 'high' } }), { max_tokens: 10_000, thinking: enabled(5904) });
    assert.deepEqual(sent({ maxTokens: 3000, reasoning: { effort: 'low' } }), { max_tokens: 3000, thinking: enabled(1500) });
    assert.deepEqual(sent({ maxTokens: 500, reasoning: { effort: 'medium' } }, 64_000), { max_tokens: 500 }, 'no room for 1024: thinking off');
  });

  test("Anthropic's floor: 1024 under a limit just above it; thinking off at 1024 and below", () => {
    assert.deepEqual(sent({ maxTokens: 1100, reasoning: { effort: 'xhigh' } }), { max_tokens: 1100, thinking: enabled(1024) });
    assert.deepEqual(sent({ maxTokens: 1024, reasoning: { effort: 'minimal' } }), { max_tokens: 1024 });
    assert.deepEqual(sent({ maxTokens: 1, reasoning: { budgetTokens: 100 } }), { max_tokens: 1 });
  });

  test('an explicit budget below the limit is kept as written; one that does not fit is lowered like an effort', () => {
    assert.deepEqual(sent({ maxTokens: 4000, reasoning: { budgetTokens: 3000 } }), { max_tokens: 4000, thinking: enabled(3000) });
    assert.deepEqual(sent({ maxTokens: 4000, reasoning: { budgetTokens: 40_000 } }), { max_tokens: 4000, thinking: enabled(2000) });
  });

  test("without a limit: the budget plus 4096 for the answer, within the row's max_tokens (the budget then fitted)", () => {
    assert.deepEqual(sent({ reasoning: { effort: 'medium' } }), { max_tokens: 8192 + 4096, thinking: enabled(8192) });
    assert.deepEqual(sent({ reasoning: { effort: 'minimal' } }), { max_tokens: 1024 + 4096, thinking: enabled(1024) });
    assert.deepEqual(sent({ reasoning: { budgetTokens: 5000 } }, 64_000), { max_tokens: 5000 + 4096, thinking: enabled(5000) });
    assert.deepEqual(sent({ reasoning: { effort: 'high' } }, 8192), { max_tokens: 8192, thinking: enabled(4096) });
    assert.deepEqual(sent({ reasoning: { effort: 'medium' } }, 3000), { max_tokens: 3000, thinking: enabled(1500) });
    assert.deepEqual(sent({ reasoning: { effort: 'medium' } }, 1000), { max_tokens: 1000 });
  });

  test('adaptive thinking (4.6 and later) gets the limit as it is too', () => {
    const body = convertToAnthropicRequest(
      { model: 'claude-opus-4-7', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], maxTokens: 2000, reasoning: { effort: 'xhigh' } },
      { version: '2023-06-01', modelMaxTokens: 64_000 },
    );
    assert.equal(body.max_tokens, 2000);
    assert.deepEqual(body.thinking, { type: 'adaptive', display: 'summarized' });
  });

  test('fitThinkingBudget: always ≥ 1024 and below the limit, or undefined', () => {
    for (const limit of [1, 1024, 1025, 1500, 2048, 3000, 8192, 20_000, 100_000]) {
      for (const requested of [1024, 2048, 8192, 32_768]) {
        for (const explicit of [false, true]) {
          const budget = fitThinkingBudget(requested, limit, explicit, 4096);
          if (budget === undefined) assert.ok(limit <= 1024, `${requested} under ${limit}`);
          else assert.ok(budget >= 1024 && budget < limit && budget <= requested, `${requested} under ${limit}: ${budget}`);
        }
      }
    }
  });
});
