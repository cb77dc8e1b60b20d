import assert from 'node:assert/strict';
import { BilledProviderError } from '../shared/billed-provider-error.js';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { convertGoogleResponse } from './convert-google-response.js';
import { mapGoogleFinishReason } from './map-google-finish-reason.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(`../../../test/fixtures/google/${name}`, import.meta.url), 'utf8')) as unknown;
}

function context(): Parameters<typeof convertGoogleResponse>[1] {
  let ids = 0;
  return { provider: 'g', model: 'requested-model', status: 200, deps: { now: () => 1_700_000_000_999, randomId: () => `r${++ids}` } };
}

describe('convertGoogleResponse', () => {
  test('thought parts become reasoning, text joined, parallel calls get ids and the first its signature', async () => {
    const response = convertGoogleResponse(await fixture('generate-content-thinking-tool-calls.json'), context());
    assert.deepEqual(withoutLedgerUsage(response), {
      id: 'Fn4taPbxHoyQz7IP-9WMsQ4',
      model: 'gemini-3-flash-preview',
      created: 1_700_000_000,
      choices: [
        {
          index: 0,
          content: 'Let me check both cities.',
          toolCalls: [
            { id: 'call_r1__sbsig__CiQBcsjafE2yJQ', name: 'get_weather', arguments: '{"city":"Paris"}', providerMetadata: { thoughtSignature: 'CiQBcsjafE2yJQ==' } },
            { id: 'call_r2', name: 'get_weather', arguments: '{"city":"London"}' },
          ],
          finishReason: 'tool_calls',
          reasoning: [{ text: '**Checking the tools**\n\nTwo lookups are needed.', origin: 'google' }],
        },
      ],
      usage: { inputTokens: 1070, outputTokens: 117, totalTokens: 1187, cachedInputTokens: 1024, reasoningTokens: 87 },
    });
  });

  test('a blocked prompt: one empty content_filter choice, prompt usage kept', async () => {
    const response = convertGoogleResponse(await fixture('generate-content-prompt-blocked.json'), context());
    assert.deepEqual(response.choices, [{ index: 0, content: null, toolCalls: [], finishReason: 'content_filter' }]);
    assert.deepEqual(withoutLedgerUsage(response.usage), { inputTokens: 12, outputTokens: 0, totalTokens: 12 });
  });

  test('missing ids and usage are filled in; a candidate without content has null content', () => {
    const response = convertGoogleResponse({ candidates: [{ finishReason: 'SAFETY' }] }, context());
    assert.deepEqual(withoutLedgerUsage(response), {
      id: 'r1',
      model: 'requested-model',
      created: 1_700_000_000,
      choices: [{ index: 0, content: null, toolCalls: [], finishReason: 'content_filter' }],
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    });
  });

  test('a failure finishReason is a retryable 502 carrying the billed prompt usage', () => {
    const body = { candidates: [{ finishReason: 'MALFORMED_FUNCTION_CALL', index: 0 }], usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } };
    assert.throws(
      () => convertGoogleResponse(body, context()),
      (error: unknown) =>
        error instanceof BilledProviderError && error.status === 502 && error.isRetryable && error.upstreamCode === 'MALFORMED_FUNCTION_CALL' && error.usage.inputTokens === 9,
    );
  });
});

describe('mapGoogleFinishReason', () => {
  test('Gemini reasons in OpenAI terms', () => {
    const cases: [string | undefined, boolean, string][] = [
      ['STOP', false, 'stop'],
      ['STOP', true, 'tool_calls'],
      [undefined, true, 'tool_calls'],
      ['MAX_TOKENS', true, 'length'],
      ['SAFETY', false, 'content_filter'],
      ['RECITATION', false, 'content_filter'],
      ['BLOCKLIST', false, 'content_filter'],
      ['PROHIBITED_CONTENT', false, 'content_filter'],
      ['SPII', false, 'content_filter'],
      ['IMAGE_SAFETY', false, 'content_filter'],
      ['LANGUAGE', false, 'stop'],
      ['OTHER', true, 'stop'],
      ['SOMETHING_NEW', false, 'stop'],
    ];
    for (const [reason, hasToolCalls, expected] of cases) {
      assert.equal(mapGoogleFinishReason(reason, hasToolCalls), expected, `${reason} ${hasToolCalls}`);
    }
  });
});
