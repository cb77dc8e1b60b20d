import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertGoogleThinking } from '../google/convert-google-thinking.js';
import { effortForBudget, requestedBudget, requestedEffort } from './reasoning.js';

describe('the reasoning mapping', () => {
  test('a budget maps to the nearest effort (ties to the lower one), 0 to none', () => {
    assert.equal(effortForBudget(0), 'none');
    assert.equal(effortForBudget(1), 'minimal');
    assert.equal(effortForBudget(1536), 'minimal');
    assert.equal(effortForBudget(1537), 'low');
    assert.equal(effortForBudget(10_000), 'medium');
    assert.equal(effortForBudget(20_000), 'high');
    assert.equal(effortForBudget(100_000), 'xhigh');
  });

  test('an explicit budget wins over the effort table; none is a zero budget', () => {
    assert.equal(requestedBudget({ effort: 'high', budgetTokens: 3000 }), 3000);
    assert.equal(requestedBudget({ effort: 'medium' }), 8192);
    assert.equal(requestedBudget({ effort: 'none' }), 0);
    assert.equal(requestedBudget(undefined), undefined);
    assert.equal(requestedEffort({ budgetTokens: 24_000 }), 'high');
    assert.equal(requestedEffort({}), undefined);
  });

  test('Gemini: Pro models get their own floor and levels, budgets are capped per model', () => {
    assert.deepEqual(convertGoogleThinking('gemini-2.5-pro', { effort: 'none' }), { thinkingBudget: 128, includeThoughts: false });
    assert.deepEqual(convertGoogleThinking('gemini-2.5-flash', { effort: 'minimal' }), { thinkingBudget: 512, includeThoughts: true });
    assert.deepEqual(convertGoogleThinking('gemini-2.5-flash', { effort: 'xhigh' }), { thinkingBudget: 24576, includeThoughts: true });
    assert.deepEqual(convertGoogleThinking('gemini-2.5-pro', { budgetTokens: 30_000 }), { thinkingBudget: 30_000, includeThoughts: true });
    assert.deepEqual(convertGoogleThinking('gemini-3-pro-preview', { effort: 'medium' }), { thinkingLevel: 'HIGH', includeThoughts: true });
    assert.deepEqual(convertGoogleThinking('gemini-3-pro-preview', { effort: 'minimal' }), { thinkingLevel: 'LOW', includeThoughts: true });
    assert.equal(convertGoogleThinking('gemini-2.5-flash', undefined), undefined);
  });
});
