import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ProviderError } from '../../errors.js';
import { billedUsage } from '../shared/billed-provider-error.js';
import { defaultUpstreamLimits } from '../shared/upstream-limits.js';
import type { StreamPart } from '../spec/index.js';
import { cohereChatResponseSchema } from './cohere-api.js';
import { CohereStreamDecoder } from './cohere-stream-decoder.js';
import { convertCohereResponse } from './convert-cohere-response.js';
import { byteChunks, decodeParts, decodedWhereverCut, multibyteTexts } from '../../../test/helpers/stream-checks.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/cohere/${name}`, import.meta.url), 'utf8');

const decoder = (): CohereStreamDecoder =>
  new CohereStreamDecoder(defaultUpstreamLimits.maxEventBytes, {
    provider: 'cohere',
    model: 'command-a-03-2025',
    created: 1,
    randomId: () => 'generated',
    secrets: ['secret-key-1'],
  });

/** Decodes text fed in small uneven pieces, as a network would. */
async function replay(text: string, size = 17): Promise<StreamPart[]> {
  return decodeParts(decoder(), byteChunks(text, size));
}

describe('CohereStreamDecoder (recorded-format fixtures)', () => {
  test('text stream', async () => {
    assert.deepEqual(withoutLedgerUsage(await replay(fixture('stream-text.chunks.txt'))), [
      { type: 'stream-start', id: '29f14a5a-11de-4cae-9800-25e4747408ea', model: 'command-a-03-2025', created: 1 },
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: ' there' },
      { type: 'text-delta', text: '!' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 69, outputTokens: 3, totalTokens: 72 } },
    ]);
  });

  test('two tool calls: single-object tool_calls deltas keep their own indexes', async () => {
    const parts = await replay(fixture('stream-tool-calls.chunks.txt'));
    assert.deepEqual(withoutLedgerUsage(parts.slice(1)), [
      { type: 'tool-call-delta', toolCallIndex: 0, id: 'get_weather_7tq4k6r1x2mz', name: 'get_weather', argumentsDelta: '' },
      { type: 'tool-call-delta', toolCallIndex: 0, argumentsDelta: '{"location":' },
      { type: 'tool-call-delta', toolCallIndex: 0, argumentsDelta: '"Toronto"}' },
      { type: 'tool-call-delta', toolCallIndex: 1, id: 'get_weather_p0c9e3vd8h5w', name: 'get_weather', argumentsDelta: '' },
      { type: 'tool-call-delta', toolCallIndex: 1, argumentsDelta: '{"location":"Paris"}' },
      { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 920, outputTokens: 76, totalTokens: 996 } },
    ]);
  });

  test('message-end with ERROR is an error part, and nothing follows it', async () => {
    const parts = await replay(fixture('stream-error.chunks.txt'));
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'text-delta', 'error'],
    );
    const last = parts.at(-1);
    assert.ok(last?.type === 'error' && last.error instanceof ProviderError);
    assert.equal(last.error.status, 502);
    // Cohere bills the failed generation: its usage rides on the error, for the ledger.
    const usage = billedUsage(last.error);
    assert.deepEqual(usage?.buckets, { input: 3, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 1, reasoning: 0 });
    assert.deepEqual(usage?.raw, { billed_units: { input_tokens: 3, output_tokens: 1 }, tokens: { input_tokens: 69, output_tokens: 1 } });
  });

  test('TIMEOUT is a provider_timeout and the vendor text is redacted', async () => {
    const text = [
      'event: message-start\ndata: {"id":"m1","type":"message-start","delta":{"message":{"role":"assistant"}}}\n\n',
      'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"TIMEOUT","error":"took too long for secret-key-1"}}\n\n',
      'data: [DONE]\n\n',
    ].join('');
    const last = (await replay(text)).at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.code, 'provider_timeout');
    assert.equal(last.error.message, "Provider 'cohere' ended the stream with TIMEOUT: took too long for [redacted]");
    assert.equal(billedUsage(last.error), undefined, 'no usage reported: nothing billed to carry');
  });

  test('an error text beside another finish_reason is said to be an error, not that reason', async () => {
    const text = [
      'event: message-start\ndata: {"id":"m1","type":"message-start","delta":{"message":{"role":"assistant"}}}\n\n',
      'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"COMPLETE","error":"generation aborted"}}\n\n',
      'data: [DONE]\n\n',
    ].join('');
    const last = (await replay(text)).at(-1);
    assert.ok(last?.type === 'error' && last.error instanceof ProviderError);
    assert.deepEqual([last.error.code, last.error.upstreamCode], ['provider_error', 'COMPLETE']);
    assert.equal(last.error.message, "Provider 'cohere' ended the stream with an error: generation aborted");
  });

  // Until 2026-12-08 the error text reached the client, logs and terminals with its control characters.
  test('the error text of message-end is rid of control characters', async () => {
    const end = { type: 'message-end', delta: { finish_reason: 'ERROR', error: 'internal\u001b[31m failure\u202e\ufeff for secret-key-1\u0085' } };
    const text = [
      'event: message-start\ndata: {"id":"m1","type":"message-start","delta":{"message":{"role":"assistant"}}}\n\n',
      `event: message-end\ndata: ${JSON.stringify(end)}\n\n`,
      'data: [DONE]\n\n',
    ].join('');
    const last = (await replay(text)).at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.message, "Provider 'cohere' ended the stream with ERROR: internal [31m failure  for [redacted]");
  });

  test('a body that ends before message-end, or sends non-JSON, ends with an error part', async () => {
    const cut = fixture('stream-text.chunks.txt').split('event: message-end')[0] ?? '';
    const truncated = await replay(cut);
    assert.deepEqual(
      truncated.map((part) => part.type),
      ['stream-start', 'text-delta', 'text-delta', 'text-delta', 'error'],
    );
    const garbage = await replay('data: {not json\n\n');
    assert.deepEqual(
      garbage.map((part) => part.type),
      ['stream-start', 'error'],
    );
    assert.equal(garbage[0]?.type === 'stream-start' && garbage[0].id, 'generated');
  });

  test('events cut anywhere (mid-line, mid-character) give the same parts', () => {
    const delta = (text: string): string => `event: content-delta\ndata: ${JSON.stringify({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } })}\n\n`;
    const sse = [
      'event: message-start\ndata: {"id":"m1","type":"message-start","delta":{"message":{"role":"assistant"}}}\n\n',
      ...multibyteTexts.map(delta),
      'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"COMPLETE","usage":{"tokens":{"input_tokens":2,"output_tokens":3}}}}\n\n',
      'data: [DONE]\n\n',
    ].join('');
    assert.deepEqual(withoutLedgerUsage(decodedWhereverCut(decoder, sse)), [
      { type: 'stream-start', id: 'm1', model: 'command-a-03-2025', created: 1 },
      ...multibyteTexts.map((text) => ({ type: 'text-delta', text })),
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 2, outputTokens: 3, totalTokens: 5 } },
    ]);
  });

  test('the body is read on after message-end up to [DONE], then not needed any more', () => {
    const text = fixture('stream-text.chunks.txt');
    const [beforeEnd = '', end = ''] = text.split('data: [DONE]');
    const out: StreamPart[] = [];
    const stream = decoder();
    assert.equal(stream.chunk(Buffer.from(beforeEnd), out), false);
    assert.equal(out.at(-1)?.type, 'finish');
    assert.equal(stream.chunk(Buffer.from(`data: [DONE]${end}`), out), true);
    stream.end(out);
    assert.equal(out.at(-1)?.type, 'finish');
  });
});

describe('convertCohereResponse (recorded-format fixtures)', () => {
  test('joins text parts; usage from tokens with cached tokens', () => {
    const parsed = cohereChatResponseSchema.parse(JSON.parse(fixture('chat-text.json')));
    assert.deepEqual(withoutLedgerUsage(convertCohereResponse(parsed, 'command-a-03-2025', 5, () => 'x')), {
      id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4',
      model: 'command-a-03-2025',
      created: 5,
      choices: [{ index: 0, content: 'LLMs are neural networks trained on large amounts of text.', toolCalls: [], finishReason: 'stop' }],
      usage: { inputTokens: 215, outputTokens: 12, totalTokens: 227, cachedInputTokens: 192 },
    });
  });

  test('tool calls; usage falls back to billed_units', () => {
    const parsed = cohereChatResponseSchema.parse(JSON.parse(fixture('chat-tool-call.json')));
    const response = convertCohereResponse(parsed, 'command-a-03-2025', 5, () => 'x');
    assert.deepEqual(response.choices, [
      {
        index: 0,
        content: null,
        toolCalls: [{ id: 'get_weather_1byjy32y4hvq', name: 'get_weather', arguments: '{"location":"Toronto"}' }],
        finishReason: 'tool_calls',
      },
    ]);
    assert.deepEqual(withoutLedgerUsage(response.usage), { inputTokens: 37, outputTokens: 28, totalTokens: 65 });
  });
});
