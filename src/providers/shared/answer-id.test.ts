// A vendor's answer id is passed on only up to 256 characters (it is repeated in every chunk of a
// stream): the classes the gateway test (test/security/hostile-upstream-id.test.ts) does not reach,
// Gemini, Cohere and request templates, whole answers and streams, and the bound itself.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cohereChatResponseSchema } from '../cohere/cohere-api.js';
import { CohereStreamDecoder } from '../cohere/cohere-stream-decoder.js';
import { convertCohereResponse } from '../cohere/convert-cohere-response.js';
import { compileRequestTemplate } from '../custom/request-template.js';
import { convertTemplateResponse } from '../custom/render-request-template.js';
import { convertGoogleResponse } from '../google/convert-google-response.js';
import { GoogleStreamDecoder } from '../google/google-stream-decoder.js';
import { OpenAIStreamDecoder } from '../openai/openai-stream-decoder.js';
import type { StreamPart } from '../spec/index.js';
import { MAX_ANSWER_ID_LENGTH, vendorAnswerId } from './answer-id.js';
import { defaultUpstreamLimits } from './upstream-limits.js';

const long = 'x'.repeat(100_000);
const deps = { now: () => 0, randomId: () => 'made' };

function streamStartId(decoder: { chunk(bytes: Uint8Array, out: StreamPart[]): void; end(out: StreamPart[]): void }, sse: string): string | undefined {
  const out: StreamPart[] = [];
  decoder.chunk(Buffer.from(sse), out);
  decoder.end(out);
  const start = out.find((part) => part.type === 'stream-start');
  return start?.type === 'stream-start' ? start.id : undefined;
}

describe('vendor answer ids', () => {
  test('kept up to 256 characters; longer, empty or not a string: undefined', () => {
    assert.equal(MAX_ANSWER_ID_LENGTH, 256);
    assert.equal(vendorAnswerId('a'.repeat(256)), 'a'.repeat(256));
    assert.equal(vendorAnswerId('a'.repeat(257)), undefined);
    assert.equal(vendorAnswerId(''), undefined);
    assert.equal(vendorAnswerId(7), undefined);
  });

  test('OpenAI streams: a long system_fingerprint (repeated in every chunk) is left out, a short one kept', () => {
    const fingerprintOf = (fingerprint: string): string | undefined => {
      const decoder = new OpenAIStreamDecoder(1 << 20, { provider: 'p', secrets: [], now: 0 }, { model: 'm', created: 1, randomId: () => 'x' });
      const chunk = { id: 'c-1', object: 'chat.completion.chunk', created: 1, model: 'm', system_fingerprint: fingerprint, choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] };
      const out: StreamPart[] = [];
      decoder.chunk(Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`), out);
      const start = out.find((part) => part.type === 'stream-start');
      return start?.type === 'stream-start' ? start.systemFingerprint : undefined;
    };
    assert.equal(fingerprintOf('fp_1'), 'fp_1');
    assert.equal(fingerprintOf(long), undefined);
  });

  test('Gemini: a long responseId is replaced in a whole answer and a stream', () => {
    const answer = { responseId: long, candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, finishReason: 'STOP', index: 0 }] };
    assert.equal(convertGoogleResponse(answer, { provider: 'google', model: 'gemini', status: 200, deps }).id, 'made');
    assert.equal(convertGoogleResponse({ ...answer, responseId: 'r-1' }, { provider: 'google', model: 'gemini', status: 200, deps }).id, 'r-1');
    const decoder = new GoogleStreamDecoder(defaultUpstreamLimits.maxEventBytes, { provider: 'google', model: 'gemini', deps, secrets: [] });
    assert.equal(streamStartId(decoder, `data: ${JSON.stringify(answer)}\r\n\r\n`), 'made');
  });

  test('Cohere: a long id is replaced in a whole answer and a stream', () => {
    const answer = cohereChatResponseSchema.parse({ id: long, finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'text', text: 'hi' }] } });
    assert.equal(convertCohereResponse(answer, 'command-a', 1, deps.randomId).id, 'made');
    assert.equal(convertCohereResponse({ ...answer, id: 'c-1' }, 'command-a', 1, deps.randomId).id, 'c-1');
    const decoder = new CohereStreamDecoder(defaultUpstreamLimits.maxEventBytes, { provider: 'cohere', model: 'command-a', created: 1, randomId: deps.randomId, secrets: [] });
    const start = { id: long, type: 'message-start', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } };
    assert.equal(streamStartId(decoder, `event: message-start\ndata: ${JSON.stringify(start)}\n\n`), 'made');
  });

  test('a request template: a long id is replaced (its stream replays the whole answer)', () => {
    const template = compileRequestTemplate('p', { body: {}, response: { text: 't', id: 'i' } });
    const convert = (id: unknown) => convertTemplateResponse('p', template, { t: 'hi', i: id }, { model: 'm', created: 1, randomId: deps.randomId }).id;
    assert.equal(convert(long), 'chatcmpl-made');
    assert.equal(convert('t-1'), 't-1');
    assert.equal(convert(42), '42');
  });
});
