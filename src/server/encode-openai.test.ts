import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeChatCompletion } from './encode-chat-completion.js';
import { encodeEmbeddings, float32Base64 } from './encode-embeddings.js';
import { parseEmbedRequest } from './parse-embed-request.js';
import { SwitchboardError } from '../errors.js';

describe('encodeChatCompletion', () => {
  it('builds a chat.completion with the public model name', () => {
    const body = encodeChatCompletion(
      {
        id: 'chatcmpl-9',
        model: 'claude-vendor-id',
        created: 1700000000,
        choices: [
          { index: 0, content: null, toolCalls: [{ id: 'toolu_1', name: 'get', arguments: '{"q":"x"}' }], finishReason: 'tool_calls' },
        ],
        usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14, reasoningTokens: 2 },
      },
      'claude',
    );
    assert.deepEqual(body, {
      id: 'chatcmpl-9',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get', arguments: '{"q":"x"}' } }],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 4,
        total_tokens: 14,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 2 },
      },
    });
  });

  it("sends the vendor's system_fingerprint as a string, and no key when there is none", () => {
    const response = { id: 'x', model: 'v', created: 1, choices: [], usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } };
    assert.equal(encodeChatCompletion({ ...response, systemFingerprint: 'fp_1' }, 'm')['system_fingerprint'], 'fp_1');
    assert.equal('system_fingerprint' in encodeChatCompletion(response, 'm'), false);
  });

  it('leaves tool_calls out when there are none', () => {
    const body = encodeChatCompletion(
      { id: 'x', model: 'v', created: 1, choices: [{ index: 0, content: 'hi', toolCalls: [], finishReason: 'stop' }], usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } },
      'm',
    ) as { choices: { message: Record<string, unknown> }[] };
    assert.deepEqual(body.choices[0]?.message, { role: 'assistant', content: 'hi', refusal: null });
  });
});

describe('embeddings', () => {
  it('encodes base64 as float32 little-endian', () => {
    const vector = [0.5, -1.25, 3];
    const bytes = Buffer.from(float32Base64(vector), 'base64');
    assert.equal(bytes.length, 12);
    assert.deepEqual([bytes.readFloatLE(0), bytes.readFloatLE(4), bytes.readFloatLE(8)], vector);
  });

  it('encodes the OpenAI list', () => {
    const response = { model: 'v', embeddings: [[0.5], [0.25]], usage: { inputTokens: 3 } };
    assert.deepEqual(encodeEmbeddings(response, 'emb', 'float'), {
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5] },
        { object: 'embedding', index: 1, embedding: [0.25] },
      ],
      model: 'emb',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
  });

  it('parses embedding requests and names bad fields', () => {
    assert.deepEqual(parseEmbedRequest({ model: 'e', input: 'a', dimensions: 4, user: 'u' }), {
      request: { model: 'e', input: ['a'], dimensions: 4, user: 'u' },
      encodingFormat: 'float',
    });
    assert.equal(parseEmbedRequest({ model: 'e', input: ['a', 'b'], encoding_format: 'base64' }).encodingFormat, 'base64');
    const failing: [Record<string, unknown>, string, string][] = [
      [{ input: 'a' }, 'invalid_request', 'model'],
      [{ model: 'e' }, 'invalid_request', 'input'],
      [{ model: 'e', input: [] }, 'invalid_request', 'input'],
      [{ model: 'e', input: ['a', 3] }, 'unsupported_feature', 'input'],
      [{ model: 'e', input: [{}] }, 'invalid_request', 'input[0]'],
      [{ model: 'e', input: 'a', encoding_format: 'int8' }, 'invalid_request', 'encoding_format'],
      [{ model: 'e', input: 'a', dimensions: 0 }, 'invalid_request', 'dimensions'],
    ];
    for (const [body, code, param] of failing) {
      assert.throws(
        () => parseEmbedRequest(body),
        (error: unknown) => SwitchboardError.isInstance(error) && error.code === code && error.param === param,
        JSON.stringify(body),
      );
    }
  });
});
