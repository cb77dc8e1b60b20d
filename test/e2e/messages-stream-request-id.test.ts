// `request-id` on /v1/messages streams, as Anthropic sends it on every answer: the SDK reads it as
// the stream's `request_id`, and as `requestID` of an error raised from a mid-stream `event: error`
// (it reads the header, not the event's body).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APIError } from '@anthropic-ai/sdk';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { anthropicClient } from '../helpers/messages-gateway.js';

let t: TestGateway;

before(async () => {
  t = await startTestGateway();
});
after(async () => {
  await t.close();
});

const body = (model: string) => ({ model, max_tokens: 100, messages: [{ role: 'user' as const, content: 'hello there friend' }] });

describe('/v1/messages streams carry request-id', () => {
  for (const [vendor, model, mock] of [
    ['OpenAI (translated)', MODELS.openai, () => t.openai],
    ['Anthropic (native)', MODELS.anthropic, () => t.anthropic],
  ] as const) {
    it(`a stream's request_id, and the requestID of a mid-stream error (${vendor})`, async () => {
      const stream = anthropicClient(t).messages.stream(body(model));
      await stream.finalMessage();
      assert.match(String(stream.request_id), /^[0-9a-f-]{36}$/, 'the stream has no request-id');

      mock().failNextStream({ afterChunks: 1 });
      const failed = await anthropicClient(t).messages.stream(body(model)).finalMessage().catch((error: unknown) => error);
      assert.ok(failed instanceof APIError, String(failed));
      assert.match(String(failed.requestID), /^[0-9a-f-]{36}$/, 'the SDK reports the error without a request id');
      // A translated stream's error event says the same id (a native one passes Anthropic's event on).
      if (mock() === t.openai) assert.equal((failed.error as { request_id?: string }).request_id, failed.requestID);
    });
  }
});
