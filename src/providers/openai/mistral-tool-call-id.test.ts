import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMistralBaseUrl, mistralToolCallId } from './mistral-tool-call-id.js';
import { parseOpenAICompatibleConfig } from './openai-compatible-config.js';
import type { ProviderSettings } from '../provider-class.js';

describe('mistralToolCallId', () => {
  it('keeps an id already of nine letters or digits, and turns others into one, the same each time', () => {
    assert.equal(mistralToolCallId('D681PevKs'), 'D681PevKs');
    for (const id of ['toolu_01A09q90qw90lq917835lq9', 'call_abc', 'functions.lookup:0', 'D681PevK_', '']) {
      assert.match(mistralToolCallId(id), /^[a-zA-Z0-9]{9}$/);
      assert.equal(mistralToolCallId(id), mistralToolCallId(id));
    }
    assert.notEqual(mistralToolCallId('call_1'), mistralToolCallId('call_2'));
  });
});

describe('config.tool_call_ids', () => {
  const settings = (baseUrl: string, config: Record<string, unknown> = {}): ProviderSettings => ({
    name: 'row',
    baseUrl,
    authHeaderName: 'Authorization',
    authHeaderPrefix: 'Bearer',
    config,
    requestTemplate: null,
  });

  it("defaults to mistral for Mistral's own API only, and a row may say otherwise", () => {
    assert.equal(isMistralBaseUrl('https://api.mistral.ai/v1'), true);
    assert.equal(isMistralBaseUrl('https://codestral.mistral.ai/v1'), true);
    assert.equal(isMistralBaseUrl('https://api.mistral.ai.example.com/v1'), false);
    assert.equal(parseOpenAICompatibleConfig(settings('https://api.mistral.ai/v1')).toolCallIds, 'mistral');
    assert.equal(parseOpenAICompatibleConfig(settings('https://api.together.xyz/v1')).toolCallIds, 'unchanged');
    assert.equal(parseOpenAICompatibleConfig(settings('http://vllm:8000/v1', { tool_call_ids: 'mistral' })).toolCallIds, 'mistral');
    assert.equal(parseOpenAICompatibleConfig(settings('https://api.mistral.ai/v1', { tool_call_ids: 'unchanged' })).toolCallIds, 'unchanged');
    assert.throws(() => parseOpenAICompatibleConfig(settings('https://api.mistral.ai/v1', { tool_call_ids: 'short' })), /tool_call_ids/);
  });
});
