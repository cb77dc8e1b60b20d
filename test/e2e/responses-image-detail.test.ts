// `input_image` with `detail: "original"` on /v1/responses (newer OpenAI SDKs send it; the Responses
// API takes low, high, auto and original). The native path sends it to OpenAI unchanged; the
// translated path accepts it: Anthropic and Gemini have no detail and ignore it, and a
// chat-completions server (which takes only auto, low and high: the strict mock refuses anything
// else) gets `high`, chat's highest fidelity.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { RecordedRequest } from '../helpers/mock-server.js';
import { MODELS, type TestGateway } from '../helpers/gateway.js';
import { CUSTOM_MODEL, startResponsesGateway } from './responses-helpers.js';

const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PNG = `data:image/png;base64,${PNG_DATA}`;

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startResponsesGateway();
  client = t.client();
});
after(async () => {
  await t.close();
});

/** A user turn of a text and an image at `detail`. */
function look(model: string, detail: OpenAI.Responses.ResponseInputImage['detail']): OpenAI.Responses.ResponseCreateParamsNonStreaming {
  return {
    model,
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'what is it' }, { type: 'input_image', image_url: PNG, detail }] }],
  };
}

function lastBody(requests: RecordedRequest[]): Record<string, unknown> {
  const last = requests.at(-1);
  assert.ok(last, 'an upstream request was made');
  return last.body as Record<string, unknown>;
}

describe('/v1/responses: input_image detail "original"', () => {
  it('OpenAI (native path): reaches the Responses API unchanged', async () => {
    const body = look(MODELS.openai, 'original');
    const response = await client.responses.create(body);
    assert.equal(response.status, 'completed');
    assert.deepEqual(lastBody(t.openai.requests)['input'], body.input);
  });

  it('Anthropic: accepted and ignored (Anthropic has no detail), the image sent as a base64 block', async () => {
    const response = await client.responses.create(look(MODELS.anthropic, 'original'));
    assert.equal(response.status, 'completed');
    const messages = lastBody(t.anthropic.requests)['messages'] as { role: string; content: unknown[] }[];
    assert.deepEqual(messages.at(-1)?.content, [
      { type: 'text', text: 'what is it' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
    ]);
  });

  it('Gemini: accepted and ignored, the image sent inline', async () => {
    const response = await client.responses.create(look(MODELS.google, 'original'));
    assert.equal(response.status, 'completed');
    const contents = lastBody(t.google.requests)['contents'] as { parts: unknown[] }[];
    assert.deepEqual(contents.at(-1)?.parts, [{ text: 'what is it' }, { inlineData: { mimeType: 'image/png', data: PNG_DATA } }]);
  });

  it("a chat-completions server (Custom row): gets detail 'high'; the other values as sent", async () => {
    for (const [detail, sent] of [
      ['original', 'high'],
      ['low', 'low'],
    ] as const) {
      const response = await client.responses.create(look(CUSTOM_MODEL, detail));
      assert.equal(response.status, 'completed');
      const messages = lastBody(t.openai.requests)['messages'] as { content: unknown }[];
      assert.deepEqual(messages.at(-1)?.content, [
        { type: 'text', text: 'what is it' },
        { type: 'image_url', image_url: { url: PNG, detail: sent } },
      ]);
    }
  });

  it('an unknown detail is still 400 invalid_request naming it, before any upstream call', async () => {
    const before = t.anthropic.requests.length;
    const error = await client.responses.create(look(MODELS.anthropic, 'ultra' as 'auto')).catch((caught: unknown) => caught);
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.param, 'input[0].content[1].detail');
    assert.match(error.message, /must be one of 'auto', 'low', 'high', 'original'/);
    assert.equal(t.anthropic.requests.length, before, 'no upstream call');
  });
});
