import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { convertOpenAIEmbeddingsResponse, decodeBase64Floats } from './convert-openai-embeddings.js';
import { convertOpenAIResponse } from './convert-openai-response.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { openAIChatResponseSchema, openAIEmbeddingsResponseSchema } from './openai-api.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

const defaults = { model: 'fallback-model', created: 5, randomId: () => 'rnd' };

describe('convertOpenAIResponse', () => {
  test('a recorded parallel tool-call response with cached and reasoning tokens', async () => {
    const raw: unknown = JSON.parse(
      await readFile(new URL('../../../test/fixtures/openai/chat-completion-tool-calls.json', import.meta.url), 'utf8'),
    );
    const response = convertOpenAIResponse(openAIChatResponseSchema.parse(raw), defaults);
    assert.deepEqual(withoutLedgerUsage(response), {
      id: 'chatcmpl-BZt0rQ6bWq3Hk1X8bVx2aPfYq9Lm7',
      model: 'gpt-4.1-mini-2025-04-14',
      created: 1748012345,
      choices: [
        {
          index: 0,
          content: null,
          finishReason: 'tool_calls',
          toolCalls: [
            { id: 'call_Jx7pD0Q2nB5yVwE8kR1tZs3A', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
            { id: 'call_M4cF9uL6hT2qXo0aN8vYe5Wd', name: 'get_weather', arguments: '{"location":"Tokyo, Japan"}' },
          ],
        },
      ],
      usage: { inputTokens: 2006, outputTokens: 300, totalTokens: 2306, cachedInputTokens: 1920, reasoningTokens: 192 },
      systemFingerprint: 'fp_6f2eabb9a5',
      native: { service_tier: 'default' },
    });
  });

  test('sparse compatible-server answers: missing id, usage, call ids and object arguments', () => {
    const parsed = openAIChatResponseSchema.parse({
      choices: [
        { message: { content: null, refusal: 'I cannot help', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] }, finish_reason: null },
      ],
    });
    assert.deepEqual(withoutLedgerUsage(convertOpenAIResponse(parsed, defaults)), {
      id: 'chatcmpl-rnd',
      model: 'fallback-model',
      created: 5,
      choices: [
        { index: 0, content: null, refusal: 'I cannot help', finishReason: 'tool_calls', toolCalls: [{ id: 'call_rnd', name: 'f', arguments: '{"a":1}' }] },
      ],
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    });
  });

  test('finish reasons', () => {
    assert.equal(mapOpenAIFinishReason('function_call', false), 'tool_calls');
    assert.equal(mapOpenAIFinishReason('content_filter', false), 'content_filter');
    assert.equal(mapOpenAIFinishReason('eos', false), 'stop');
    assert.equal(mapOpenAIFinishReason('stop', true), 'stop');
  });
});

describe('convertOpenAIEmbeddingsResponse', () => {
  test('orders by index and decodes base64 little-endian float32 vectors', () => {
    const floats = Buffer.alloc(8);
    floats.writeFloatLE(0.5, 0);
    floats.writeFloatLE(-2, 4);
    const parsed = openAIEmbeddingsResponseSchema.parse({
      data: [
        { index: 1, embedding: floats.toString('base64') },
        { index: 0, embedding: [1, 2] },
      ],
      usage: { prompt_tokens: 4 },
    });
    assert.deepEqual(withoutLedgerUsage(convertOpenAIEmbeddingsResponse(parsed, 'emb', 2)), {
      model: 'emb',
      embeddings: [
        [1, 2],
        [0.5, -2],
      ],
      usage: { inputTokens: 4 },
    });
    assert.deepEqual(decodeBase64Floats(''), []);
  });
});
