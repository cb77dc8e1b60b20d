// /v1/messages through the official Anthropic SDK, served by each of the five provider classes
// through the strict mocks: text, system, images, multi-turn tools, streams (tool input assembled
// by the SDK), count_tokens; every answer and stream event checked against the Messages schema.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import { countTokens as referenceCount } from 'gpt-tokenizer/encoding/o200k_base';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { addMessagesModels, anthropicClient, messagesSchema, postSse, SERVING_MODELS } from '../helpers/messages-gateway.js';
import type { SchemaValidator } from '../helpers/schema-validator.js';

const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const tools: Anthropic.Tool[] = [
  { name: 'lookup', description: 'Looks things up', input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
];

let t: TestGateway;
let client: Anthropic;
let schema: SchemaValidator;

before(async () => {
  t = await startTestGateway();
  await addMessagesModels(t);
  client = anthropicClient(t);
  schema = await messagesSchema();
});
after(async () => {
  await t.close();
});

for (const [vendor, model] of SERVING_MODELS) {
  describe(`/v1/messages via ${vendor} (${model})`, () => {
    it('answers a message with the system prompt, the public model name and usage', async () => {
      const message = await client.messages.create({
        model,
        max_tokens: 256,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hello there' }],
      });
      schema.validateAgainst('Message', message);
      assert.match(message.id, /^msg_/);
      assert.equal(message.model, model);
      assert.deepEqual(
        message.content.map((block) => (block.type === 'text' ? block.text : block.type)),
        ['Echo: hello there'],
      );
      assert.equal(message.stop_reason, 'end_turn');
      assert.equal(message.stop_sequence, null);
      assert.equal(message.usage.output_tokens, 3);
      // The mocks count input words, the system prompt included: "Be brief." + "hello there".
      assert.equal(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0), 4);
      const upstream = t.logs.at(-1);
      assert.equal(upstream?.['route'], '/v1/messages');
      assert.equal(upstream?.['status'], 200);
    });

    it(vendor === 'Cohere' ? 'refuses images: the provider row says vision is false' : 'passes base64 images through', async () => {
      const request = client.messages.create({
        model,
        max_tokens: 256,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
            ],
          },
        ],
      });
      if (vendor === 'Cohere') {
        await assert.rejects(request, (error: unknown) => {
          assert.equal((error as { status?: number }).status, 400);
          assert.equal((error as { constructor: { name: string } }).constructor.name, 'BadRequestError');
          return true;
        });
        return;
      }
      const message = await request;
      assert.deepEqual(message.content[0], { type: 'text', text: 'Echo: what is this [image:image/png]', citations: null });
    });

    it('makes a tool call and answers its tool_result on the next turn', async () => {
      const first = await client.messages.create({ model, max_tokens: 256, tools, messages: [{ role: 'user', content: 'weather in Paris' }] });
      schema.validateAgainst('Message', first);
      assert.equal(first.stop_reason, 'tool_use');
      const call = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
      assert.ok(call);
      assert.equal(call.name, 'lookup');
      assert.deepEqual(call.input, { query: 'weather in Paris' });

      const second = await client.messages.create({
        model,
        max_tokens: 256,
        tools,
        messages: [
          { role: 'user', content: 'weather in Paris' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny' }] },
        ],
      });
      assert.deepEqual(second.content.map((block) => block.type === 'text' && block.text), ['Echo: sunny']);
      assert.equal(second.stop_reason, 'end_turn');
    });

    it('streams text as Anthropic events, in order, each one schema-valid', async () => {
      const { status, contentType, events } = await postSse(t, '/v1/messages', {
        model,
        max_tokens: 256,
        stream: true,
        messages: [{ role: 'user', content: 'stream me please' }],
      });
      assert.equal(status, 200);
      assert.match(contentType ?? '', /^text\/event-stream/);
      for (const { event, data } of events) {
        schema.validateAgainst('StreamEvent', data);
        assert.equal(event, data['type'], 'the event name is the data type');
      }
      const names = events.map((event) => event.event).filter((name) => name !== 'ping');
      assert.equal(names[0], 'message_start');
      assert.equal(names[1], 'content_block_start');
      assert.deepEqual(names.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
      assert.ok(names.filter((name) => name === 'content_block_delta').length >= 4, 'one delta per word');
      assert.equal(events.filter((event) => event.event === 'ping').length, 1);
      const text = events
        .filter((event) => event.event === 'content_block_delta')
        .map((event) => (event.data['delta'] as { text: string }).text)
        .join('');
      assert.equal(text, 'Echo: stream me please');
      const delta = events.find((event) => event.event === 'message_delta')?.data as { delta: { stop_reason: string }; usage: { output_tokens: number } };
      assert.equal(delta.delta.stop_reason, 'end_turn');
      assert.equal(delta.usage.output_tokens, 4);
      const start = events[0]?.data['message'] as { model: string };
      assert.equal(start.model, model);
    });

    it('streams a tool call that the SDK assembles from input_json_delta', async () => {
      const stream = client.messages.stream({ model, max_tokens: 256, tools, messages: [{ role: 'user', content: 'find cats' }] });
      const deltas: string[] = [];
      stream.on('inputJson', (partial) => deltas.push(partial));
      const final = await stream.finalMessage();
      schema.validateAgainst('Message', final);
      const call = final.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
      assert.ok(call);
      assert.equal(call.name, 'lookup');
      assert.deepEqual(call.input, { query: 'find cats' });
      assert.equal(final.stop_reason, 'tool_use');
      assert.equal(final.model, model);
      assert.ok(deltas.length >= 1, 'input arrived as input_json_delta');
    });

    it('counts input tokens', async () => {
      const before = t.anthropic.requests.length;
      const counted = await client.messages.countTokens({ model, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }], tools });
      schema.validateAgainst('CountTokensResponse', counted);
      const upstream = t.anthropic.requests.slice(before).filter((request) => request.url === '/v1/messages/count_tokens');
      if (vendor === 'Anthropic') {
        // Anthropic's own count (the mock counts words): "Be brief." + "hello there".
        assert.equal(counted.input_tokens, 4);
        assert.equal(upstream.length, 1);
        assert.deepEqual(Object.keys(upstream[0]?.body as object).sort(), ['messages', 'model', 'system', 'tools']);
      } else {
        // The documented estimate: 3 per message + the o200k tokens of system, text and tool JSON
        // (counted here with gpt-tokenizer, the reference the ledger's own counter is checked against).
        const texts = ['Be brief.', 'hello there', JSON.stringify(tools[0])];
        assert.equal(counted.input_tokens, 3 + texts.reduce((sum, text) => sum + referenceCount(text), 0));
        assert.equal(upstream.length, 0);
      }
    });
  });
}

describe('/v1/messages field mapping for other vendors', () => {
  it('maps stop_sequences, max_tokens, tool_choice and metadata onto the OpenAI request', async () => {
    const before = t.openai.requests.length;
    // SDK 1.x (API version 2026-10-21) no longer types the sampling fields; older clients send them.
    const body: Anthropic.MessageCreateParamsNonStreaming & { temperature: number; top_p: number } = {
      model: MODELS.openai,
      max_tokens: 2,
      stop_sequences: ['###'],
      temperature: 0.5,
      top_p: 0.9,
      metadata: { user_id: 'user-42' },
      tools,
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'a b c d' }],
    };
    const message = await client.messages.create(body);
    assert.equal(message.stop_reason, 'tool_use');
    const sent = t.openai.requests[before]?.body as Record<string, unknown>;
    assert.equal(sent['max_completion_tokens'] ?? sent['max_tokens'], 2);
    assert.deepEqual(sent['stop'], ['###']);
    assert.equal(sent['tool_choice'], 'required');
    assert.equal(sent['parallel_tool_calls'], false);
    // metadata.user_id → user; the test gateway's key is an env var every project shares, so the
    // vendor gets the project's pseudonym of it (test/security/shared-account-ids.test.ts).
    assert.match(String(sent['user']), /^sb_[A-Za-z0-9_-]{32}$/);
    assert.equal(sent['temperature'], 0.5);
  });

  it('asks Gemini for thoughts from a thinking budget and answers them as a thinking block', async () => {
    const before = t.google.requests.length;
    const message = await client.messages.create({
      model: MODELS.google,
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [{ role: 'user', content: 'ponder this' }],
    });
    schema.validateAgainst('Message', message);
    const config = (t.google.requests[before]?.body as { generationConfig: { thinkingConfig?: Record<string, unknown> } }).generationConfig;
    assert.equal(config.thinkingConfig?.['includeThoughts'], true);
    assert.deepEqual(message.content[0], { type: 'thinking', thinking: 'Thinking about: ponder this', signature: '' });
    assert.deepEqual(message.content[1], { type: 'text', text: 'Echo: ponder this', citations: null });
    assert.equal(message.usage.output_tokens, 3 + 11, 'thought tokens are output tokens');

    const stream = await postSse(t, '/v1/messages', { model: MODELS.google, max_tokens: 4096, stream: true, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'ponder this' }] });
    for (const event of stream.events) schema.validateAgainst('StreamEvent', event.data);
    const starts = stream.events.filter((event) => event.event === 'content_block_start').map((event) => (event.data['content_block'] as { type: string }).type);
    assert.deepEqual(starts, ['thinking', 'text']);
  });

  it("serves Claude Code's body to another vendor: adaptive thinking with output_config.effort, structured output, context_management dropped", async () => {
    const before = t.openai.requests.length;
    const body = {
      model: MODELS.openai,
      max_tokens: 256,
      thinking: { type: 'adaptive' },
      output_config: { effort: 'max' },
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
      messages: [{ role: 'user', content: 'ponder this' }],
    };
    const message = await client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming);
    schema.validateAgainst('Message', message);
    const sent = t.openai.requests[before]?.body as Record<string, unknown>;
    assert.equal(sent['reasoning_effort'], 'xhigh', 'max is the highest effort the others know');
    assert.equal('context_management' in sent || 'output_config' in sent, false);

    const format = { type: 'json_schema', schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } };
    await client.messages.create({ ...body, output_config: { effort: 'low', format } } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    const structured = t.openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(structured['reasoning_effort'], 'low');
    assert.deepEqual(structured['response_format'], { type: 'json_schema', json_schema: { name: 'response', schema: format.schema, strict: true } });
  });

  it("drops Anthropic-signed thinking from the history of another vendor's model", async () => {
    for (const model of [MODELS.openai, MODELS.google, MODELS.cohere]) {
      const message = await client.messages.create({
        model,
        max_tokens: 256,
        tools,
        messages: [
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'I should look it up.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
              { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
              { type: 'tool_use', id: 'toolu_9', name: 'lookup', input: { query: 'go' } },
            ],
          },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'done' }] },
        ],
      });
      assert.deepEqual(message.content.map((block) => block.type === 'text' && block.text), ['Echo: done'], model);
    }
    const sent = JSON.stringify(t.cohere.requests.at(-1)?.body);
    assert.doesNotMatch(sent, /EqQBCgIY|EmwKAhgB/, 'no Anthropic signature reaches another vendor');
  });

  it('reports max_tokens when the vendor cut the answer', async () => {
    const message = await client.messages.create({ model: MODELS.google, max_tokens: 2, messages: [{ role: 'user', content: 'one two three four' }] });
    assert.equal(message.stop_reason, 'max_tokens');
    assert.deepEqual(message.content.map((block) => block.type === 'text' && block.text), ['Echo: one']);
  });

  it('marks tool errors for vendors without an is_error flag', async () => {
    const before = t.openai.requests.length;
    await client.messages.create({
      model: MODELS.openai,
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { query: 'go' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'boom' }], is_error: true }, { type: 'text', text: 'and?' }] },
      ],
      tools,
    });
    const sent = t.openai.requests[before]?.body as { messages: { role: string; content: unknown; tool_call_id?: string }[] };
    assert.deepEqual(
      sent.messages.map((message) => message.role),
      ['user', 'assistant', 'tool', 'user'],
    );
    assert.equal(sent.messages[2]?.content, 'Error: boom');
    assert.equal(sent.messages[2]?.tool_call_id, 'toolu_1');
  });
});
