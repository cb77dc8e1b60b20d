import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claudeGeneration, claudeVersion } from './claude-generation.js';

test('claudeVersion reads both naming orders and ignores dates', () => {
  assert.equal(claudeVersion('claude-opus-4-7'), 407);
  assert.equal(claudeVersion('claude-sonnet-4-6'), 406);
  assert.equal(claudeVersion('claude-sonnet-4-5-20250929'), 405);
  assert.equal(claudeVersion('claude-sonnet-4-20250514'), 400);
  assert.equal(claudeVersion('claude-opus-4-1-20250805'), 401);
  assert.equal(claudeVersion('claude-3-7-sonnet-20250219'), 307);
  assert.equal(claudeVersion('claude-3-opus-20240229'), 300);
  assert.equal(claudeVersion('anthropic.claude-opus-4-7-v1'), 407);
  assert.equal(claudeVersion('claude-opus-5'), 500);
  assert.equal(claudeVersion('my-deployment'), undefined);
});

test('claudeGeneration: adaptive thinking from 4.6, no sampling and xhigh from 4.7, one sampler from 4.1 to 4.6, earlier rules for unknown ids', () => {
  assert.deepEqual(claudeGeneration('claude-sonnet-4-20250514'), { adaptiveThinking: false, sampling: true, xhighEffort: false, oneSampler: false });
  assert.deepEqual(claudeGeneration('claude-opus-4-1-20250805'), { adaptiveThinking: false, sampling: true, xhighEffort: false, oneSampler: true });
  assert.deepEqual(claudeGeneration('claude-haiku-4-5'), { adaptiveThinking: false, sampling: true, xhighEffort: false, oneSampler: true });
  assert.deepEqual(claudeGeneration('claude-sonnet-4-6'), { adaptiveThinking: true, sampling: true, xhighEffort: false, oneSampler: true });
  assert.deepEqual(claudeGeneration('claude-opus-4-7'), { adaptiveThinking: true, sampling: false, xhighEffort: true, oneSampler: false });
  assert.deepEqual(claudeGeneration('claude-opus-5'), { adaptiveThinking: true, sampling: false, xhighEffort: true, oneSampler: false });
  assert.deepEqual(claudeGeneration('my-deployment'), { adaptiveThinking: false, sampling: true, xhighEffort: false, oneSampler: false });
});
