// Every chat.completion and every chat.completion.chunk the gateway sends, through each of the
// five provider classes, conforms to OpenAI's published schema (vendored and pinned): closed, so
// a field the schema does not name fails as well as a mistyped or missing one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SchemaValidator } from '../helpers/schema-validator.js';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { loadOpenAIValidator, requestJson, sseEvents } from './openai-schema.js';

const CUSTOM_MODEL = 'conform-custom';
const TOOLS = [
  {
    type: 'function',
    function: { name: 'lookup', description: 'Looks a thing up', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
  },
];

let t: TestGateway;
let openai: SchemaValidator;

/** Model name → provider class, with whether the vendor reports a system fingerprint (only OpenAI's API does). */
const classes = [
  { label: 'OpenAIProvider', model: MODELS.openai, fingerprint: 'fp_mock' },
  { label: 'AnthropicProvider', model: MODELS.anthropic, fingerprint: undefined },
  { label: 'GoogleProvider', model: MODELS.google, fingerprint: undefined },
  { label: 'CohereProvider', model: MODELS.cohere, fingerprint: undefined },
  { label: 'CustomProvider (OpenAI-compatible)', model: CUSTOM_MODEL, fingerprint: 'fp_mock' },
];

before(async () => {
  [t, openai] = await Promise.all([startTestGateway(), loadOpenAIValidator()]);
  // The shared helper has no CustomProvider row: one pointing at the OpenAI mock.
  await t.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
     values ('conform-custom', 'CustomProvider', $1, '["E2E_OPENAI_API_KEY"]'::jsonb)`,
    [t.openai.baseUrl],
  );
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o-mini' from public.ai_providers where name = 'conform-custom'`,
    [CUSTOM_MODEL],
  );
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
});

function chat(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${t.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function completion(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = await requestJson(`${t.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.match(answer.contentType ?? '', /^application\/json/);
  return answer.body as Record<string, unknown>;
}

async function chunks(body: Record<string, unknown>, done = true): Promise<Record<string, unknown>[]> {
  const response = await chat({ ...body, stream: true, stream_options: { include_usage: true } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  return sseEvents(await response.text(), { done }) as Record<string, unknown>[];
}

function messages(text: string): { role: string; content: string }[] {
  return [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: text },
  ];
}

for (const { label, model, fingerprint } of classes) {
  describe(`chat completions through ${label}`, () => {
    it('a plain text answer conforms to CreateChatCompletionResponse', async () => {
      const body = await completion({ model, messages: messages('hello conformance') });
      openai.validateAgainst('CreateChatCompletionResponse', body);
      assert.equal(body['model'], model);
      assert.equal(body['system_fingerprint'], fingerprint, 'the vendor fingerprint as a string, or no key at all');
      assert.equal('system_fingerprint' in body, fingerprint !== undefined);
    });

    it('an answer with tool calls conforms', async () => {
      const body = await completion({ model, messages: messages('weather in Paris'), tools: TOOLS });
      openai.validateAgainst('CreateChatCompletionResponse', body);
      const choice = (body['choices'] as { message: { tool_calls?: unknown[] }; finish_reason: string }[])[0];
      assert.equal(choice?.finish_reason, 'tool_calls');
      assert.equal(choice?.message.tool_calls?.length, 1, 'the tool-call branch of the schema was exercised');
    });

    it('every stream chunk, the usage chunk included, conforms to CreateChatCompletionStreamResponse', async () => {
      const events = await chunks({ model, messages: messages('stream three words') });
      assert.ok(events.length >= 4, `a start, deltas, a finish and a usage chunk (got ${events.length})`);
      for (const event of events) {
        openai.validateAgainst('CreateChatCompletionStreamResponse', event);
        assert.equal(event['system_fingerprint'], fingerprint);
        assert.equal('system_fingerprint' in event, fingerprint !== undefined);
      }
      const usage = events.at(-1);
      assert.deepEqual(usage?.['choices'], [], 'the last chunk is the usage chunk');
      assert.equal(typeof (usage?.['usage'] as { total_tokens?: unknown } | undefined)?.total_tokens, 'number');
    });

    it('streamed tool-call chunks conform', async () => {
      const events = await chunks({ model, messages: messages('weather in Tokyo'), tools: TOOLS });
      for (const event of events) openai.validateAgainst('CreateChatCompletionStreamResponse', event);
      const withCalls = events.filter((event) =>
        (event['choices'] as { delta: { tool_calls?: unknown } }[]).some((choice) => choice.delta.tool_calls !== undefined),
      );
      assert.ok(withCalls.length >= 1, 'the tool-call delta branch of the schema was exercised');
    });
  });
}

describe('an error inside a stream', () => {
  it('is sent as an ErrorResponse event', async () => {
    t.openai.failNextStream({ afterChunks: 2 });
    // An errored stream ends after the error event, without [DONE].
    const events = await chunks({ model: MODELS.openai, messages: messages('one two three four') }, false);
    assert.ok(events.length >= 3, 'some chunks, then the error');
    const last = events.pop();
    for (const event of events) openai.validateAgainst('CreateChatCompletionStreamResponse', event);
    openai.validateAgainst('ErrorResponse', last);
  });
});
