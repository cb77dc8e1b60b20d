// /v1/messages served by an Anthropic model: the client's body reaches Anthropic unchanged
// (thinking blocks with their signatures, cache_control, top_k, betas), answers and streams come
// back unchanged; failures after the start arrive as `event: error` and the SDK raises them.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { addMessagesModels, anthropicClient, MESSAGES_MODELS, messagesSchema, postSse } from '../helpers/messages-gateway.js';
import type { SchemaValidator } from '../helpers/schema-validator.js';

const fixtures = new URL('../fixtures/anthropic/', import.meta.url);
const model = MESSAGES_MODELS.claudeBig;

const tools: Anthropic.Tool[] = [
  {
    name: 'get_weather',
    description: 'Weather by city',
    input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    cache_control: { type: 'ephemeral' },
  },
];
const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'You are a weather bot.', cache_control: { type: 'ephemeral', ttl: '1h' } }];

let t: TestGateway;
let client: Anthropic;
let schema: SchemaValidator;
let recorded: Anthropic.Message;

before(async () => {
  t = await startTestGateway();
  await addMessagesModels(t);
  client = anthropicClient(t);
  schema = await messagesSchema();
  recorded = JSON.parse(await readFile(new URL('message-thinking-tool-use.json', fixtures), 'utf8')) as Anthropic.Message;
});
after(async () => {
  await t.close();
});

/** The `thinking` field of the last request Anthropic received. */
function sent(): unknown {
  return lastAnthropicRequest().body['thinking'];
}

function lastAnthropicRequest(): { url: string; body: Record<string, unknown>; headers: Record<string, string | string[] | undefined> } {
  const request = t.anthropic.requests.at(-1);
  assert.ok(request);
  return { url: request.url, body: request.body as Record<string, unknown>, headers: request.headers };
}

describe('thinking, cache_control and every field reach Anthropic unchanged', () => {
  it('sends cache_control, top_k and betas unchanged, metadata.user_id scoped, and answers the vendor body unchanged', async () => {
    t.anthropic.replayNext({ json: recorded });
    const first = await client.messages.create(
      {
        model,
        max_tokens: 4096,
        system,
        tools,
        top_k: 5,
        metadata: { user_id: 'user-7' },
        messages: [{ role: 'user', content: [{ type: 'text', text: 'weather in Paris?', cache_control: { type: 'ephemeral' } }] }],
      } as Anthropic.MessageCreateParamsNonStreaming,
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } },
    );
    schema.validateAgainst('Message', first);
    assert.deepEqual(first.content, recorded.content);
    assert.equal(first.model, model, 'the public model name');
    assert.deepEqual(first.usage, recorded.usage);
    const sent = lastAnthropicRequest();
    assert.equal(sent.body['model'], 'claude-test-1', "the row's model id");
    assert.deepEqual(sent.body['system'], system);
    assert.deepEqual(sent.body['tools'], tools);
    assert.equal(sent.body['top_k'], 5);
    // The test gateway's key is an env var every project shares: the vendor gets the project's
    // pseudonym of the end-user id (test/security/shared-account-ids.test.ts).
    assert.match(String((sent.body['metadata'] as { user_id?: unknown }).user_id), /^sb_[A-Za-z0-9_-]{32}$/);
    assert.deepEqual((sent.body['messages'] as { content: unknown }[])[0]?.content, [
      { type: 'text', text: 'weather in Paris?', cache_control: { type: 'ephemeral' } },
    ]);
    assert.match(String(sent.headers['anthropic-beta']), /interleaved-thinking-2025-05-14/);
    assert.equal(sent.headers['anthropic-version'], '2023-06-01', "the row's version, not the SDK's");
  });

  it('round-trips thinking blocks with their signatures over two turns', async () => {
    const thinking = { type: 'enabled', budget_tokens: 2048 } as const;
    const first = await client.messages.create({ model, max_tokens: 4096, tools, thinking, messages: [{ role: 'user', content: 'weather in Paris?' }] });
    schema.validateAgainst('Message', first);
    assert.deepEqual(sent(), { type: 'enabled', budget_tokens: 2048 });
    const [block, call] = first.content;
    assert.equal(block?.type, 'thinking');
    assert.match(block?.type === 'thinking' ? block.signature : '', /^sig_mock_/);
    assert.ok(call?.type === 'tool_use');

    const turn = (assistant: Anthropic.ContentBlockParam[]): Anthropic.MessageCreateParamsNonStreaming => ({
      model,
      max_tokens: 4096,
      tools,
      thinking,
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: assistant },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18 degrees' }] },
      ],
    });
    // The strict mock checks the signature, so an altered one is refused (Anthropic's 400, passed on).
    const altered = { ...block, signature: `${block.type === 'thinking' ? block.signature : ''}x` } as Anthropic.ThinkingBlockParam;
    await assert.rejects(
      client.messages.create(turn([altered, call])),
      (error: unknown) => error instanceof Anthropic.BadRequestError && /Invalid `signature`/.test(error.message),
    );
    const second = await client.messages.create(turn(first.content));
    assert.deepEqual(second.content.at(-1), { type: 'text', text: 'Echo: 18 degrees', citations: null });
    const history = lastAnthropicRequest().body['messages'] as { content: unknown }[];
    assert.deepEqual(history[1]?.content, first.content, 'thinking signature and tool_use sent back unchanged');
  });

  it('streams a recorded thinking + tool_use answer event for event, and the SDK assembles it', async () => {
    const chunks = await readFile(new URL('stream-thinking-tool-use.chunks.txt', fixtures), 'utf8');
    t.anthropic.replayNext({ sse: chunks });
    const { events } = await postSse(t, '/v1/messages', { model, max_tokens: 4096, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const expected = chunks
      .split('\n\n')
      .filter((frame) => frame.trim() !== '')
      .map((frame) => JSON.parse(frame.split('\ndata: ')[1] ?? '') as Record<string, unknown>);
    const start = expected[0] as { message: Record<string, unknown> };
    start.message['model'] = model;
    assert.deepEqual(
      events.map((event) => event.data),
      expected,
    );
    for (const event of events) schema.validateAgainst('StreamEvent', event.data);
    const line = t.logs.at(-1);
    assert.equal(line?.['route'], '/v1/messages');
    assert.equal(line?.['input_tokens'], 472 + 1500, 'usage read from the passed-through events, cache reads included');
    assert.equal(line?.['output_tokens'], 89);

    t.anthropic.replayNext({ sse: chunks });
    const final = await client.messages.stream({ model, max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    const thinking = final.content[0];
    assert.equal(thinking?.type, 'thinking');
    assert.equal(thinking.type === 'thinking' && thinking.signature, 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds');
    const calls = final.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
    assert.deepEqual(
      calls.map((block) => [block.name, block.input]),
      [
        ['get_weather', { location: 'San Francisco, CA' }],
        ['get_time', {}],
      ],
    );
    assert.equal(final.usage.cache_read_input_tokens, 1500);
    assert.equal(final.usage.output_tokens, 89);
  });

  it('refuses max_tokens above the model row before calling Anthropic', async () => {
    const before = t.anthropic.requests.length;
    await assert.rejects(
      client.messages.create({ model: MODELS.anthropic, max_tokens: 5000, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof Anthropic.BadRequestError && /max_tokens is too large/.test(error.message),
    );
    assert.equal(t.anthropic.requests.length, before);
  });
});

describe('failures', () => {
  it('an Anthropic stream that fails after the start → event: error, raised by the SDK', async () => {
    t.anthropic.failNextStream({ afterChunks: 2 });
    const stream = client.messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: 'one two three four five' }] });
    await assert.rejects(stream.finalMessage(), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError, String(error));
      assert.match(error.message, /overloaded_error|Overloaded/);
      return true;
    });
  });

  it('a normalized stream that fails after the start → event: error in Anthropic shape', async () => {
    t.openai.failNextStream({ afterChunks: 2 });
    const { status, events } = await postSse(t, '/v1/messages', {
      model: MODELS.openai,
      max_tokens: 256,
      stream: true,
      messages: [{ role: 'user', content: 'one two three four five' }],
    });
    assert.equal(status, 200);
    const last = events.at(-1);
    assert.equal(last?.event, 'error');
    schema.validateAgainst('ErrorResponse', last?.data);
    assert.ok(!events.some((event) => event.event === 'message_stop'), 'no message_stop after an error');

    t.openai.failNextStream({ afterChunks: 2 });
    const stream = client.messages.stream({ model: MODELS.openai, max_tokens: 256, messages: [{ role: 'user', content: 'one two three four' }] });
    await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError);
  });

  it('upstream statuses become the SDK error classes: 429 with retry-after, 529 overloaded', async () => {
    t.anthropic.failNext({ status: 429 });
    await assert.rejects(client.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.RateLimitError, String(error));
      assert.equal(error.headers?.get('retry-after'), '7');
      assert.deepEqual((error.error as { error: { type: string } }).error.type, 'rate_limit_error');
      assert.match(error.message, /e2e-anthropic/);
      return true;
    });
    t.anthropic.failNext({ status: 529 });
    await assert.rejects(client.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.OverloadedError, String(error));
      assert.equal(error.status, 529);
      assert.equal((error.error as { error: { type: string } }).error.type, 'overloaded_error');
      return true;
    });
    t.google.failNext({ status: 429 });
    await assert.rejects(
      client.messages.create({ model: MODELS.google, max_tokens: 64, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof Anthropic.RateLimitError && error.headers?.get('retry-after') === '7',
    );
  });
});
