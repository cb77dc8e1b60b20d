// /v1/responses through the official openai SDK (`responses.create` and `responses.stream`),
// served by each provider class through the strict mocks: OpenAI natively on its own
// /v1/responses, Anthropic, Gemini, Cohere and a Custom row through the normalized service.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { APIError } from 'openai';
import { MODELS, type TestGateway } from '../helpers/gateway.js';
import { lastUpstream, SERVED_BY, startResponsesGateway } from './responses-helpers.js';

type FunctionTool = OpenAI.Responses.FunctionTool;

const lookup: FunctionTool = {
  type: 'function',
  name: 'lookup',
  description: 'Looks things up',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false },
  strict: true,
};

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startResponsesGateway();
  client = t.client();
});
after(async () => {
  await t.close();
});

for (const served of SERVED_BY) {
  const { vendor, model } = served;
  describe(`/v1/responses via ${vendor} (${model})`, () => {
    it('answers text as a response object with usage', async () => {
      const response = await client.responses.create({ model, input: 'hello there' });
      assert.match(response.id, /^resp_/);
      assert.equal(response.object, 'response');
      assert.equal(response.status, 'completed');
      assert.equal(response.model, model);
      assert.equal(response.output_text, 'Echo: hello there');
      const message = response.output.find((item) => item.type === 'message');
      assert.equal(message?.type === 'message' ? message.role : undefined, 'assistant');
      assert.match(lastUpstream(t, served).url, served.path);
      assert.ok((response.usage?.input_tokens ?? 0) > 0);
      assert.equal(response.usage?.output_tokens, 3);
      assert.equal(response.usage?.total_tokens, (response.usage?.input_tokens ?? 0) + 3);
      assert.equal(response.usage?.input_tokens_details.cached_tokens, 0);
      assert.equal(response.usage?.output_tokens_details.reasoning_tokens, 0);
    });

    it('sends instructions to the vendor as its system prompt', async () => {
      const response = await client.responses.create({
        model,
        instructions: 'Answer like a pirate-xyzzy.',
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'ahoy' }] }],
      });
      assert.equal(response.output_text, 'Echo: ahoy');
      assert.equal(response.instructions, 'Answer like a pirate-xyzzy.');
      assert.match(lastUpstream(t, served).text, /pirate-xyzzy/);
    });

    it('calls a function tool, then answers from its output on the second turn', async () => {
      const first = await client.responses.create({ model, input: 'weather in Paris', tools: [lookup] });
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(call?.type === 'function_call', JSON.stringify(first.output));
      assert.equal(call.name, 'lookup');
      assert.deepEqual(JSON.parse(call.arguments), { query: 'weather in Paris' });
      assert.ok(call.call_id.length > 0);
      assert.equal(first.output_text, '');

      const second = await client.responses.create({
        model,
        tools: [lookup],
        input: [
          { role: 'user', content: 'weather in Paris' },
          ...first.output.filter((item) => item.type === 'function_call' || item.type === 'reasoning'),
          { type: 'function_call_output', call_id: call.call_id, output: 'sunny 21C' },
        ],
      });
      assert.equal(second.output_text, 'Echo: sunny 21C');
      assert.ok(lastUpstream(t, served).text.includes(call.call_id) || served.vendor === 'Gemini', 'the call id reached the vendor');
    });

    it('sends a json_schema text format to the vendor (or names text.format when the row has no JSON mode)', async () => {
      const body: OpenAI.Responses.ResponseCreateParamsNonStreaming = {
        model,
        input: 'give me json',
        text: {
          format: {
            type: 'json_schema',
            name: 'answer_shape',
            schema: { type: 'object', properties: { answer_field_xyzzy: { type: 'string' } }, required: ['answer_field_xyzzy'], additionalProperties: false },
            strict: true,
          },
        },
      };
      if (served.vendor === 'Anthropic') {
        // The built-in Anthropic row says json_mode: false; the service's check names the Responses field.
        await assert.rejects(client.responses.create(body), (error: unknown) => {
          assert.ok(error instanceof APIError, String(error));
          assert.equal(error.status, 400);
          assert.equal(error.param, 'text.format');
          assert.equal(error.code, 'unsupported_feature');
          return true;
        });
        return;
      }
      const response = await client.responses.create(body);
      assert.equal(response.status, 'completed');
      assert.match(lastUpstream(t, served).text, /answer_field_xyzzy/);
      assert.deepEqual(response.text?.format?.type, 'json_schema');
    });

    it('maps reasoning.effort to the vendor\'s control; reasoning comes back as an item and in usage', async () => {
      const reasoningModel = served.reasoningModel ?? model;
      const response = await client.responses.create({ model: reasoningModel, input: 'think about it', reasoning: { effort: 'low' } });
      assert.equal(response.status, 'completed');
      assert.equal(response.output_text, 'Echo: think about it');
      assert.equal(response.reasoning?.effort, 'low');
      assert.match(lastUpstream(t, served).text, served.effortLow);
      const reasoningTokens = response.usage?.output_tokens_details.reasoning_tokens ?? 0;
      const reasoning = response.output.filter((item) => item.type === 'reasoning');
      if (!served.showsReasoning) {
        assert.equal(reasoning.length, 0);
        return;
      }
      assert.equal(reasoning.length, 1);
      assert.equal(reasoning[0]?.summary[0]?.text, 'Thinking about: think about it');
      assert.ok(reasoningTokens > 0, 'reasoning tokens counted');
      assert.deepEqual(
        response.output.map((item) => item.type),
        ['reasoning', 'message'],
      );
    });

    it('streams typed events in order with increasing sequence numbers', async () => {
      const stream = client.responses.stream({ model, input: 'stream me please' });
      const types: string[] = [];
      let last = -1;
      let text = '';
      for await (const event of stream) {
        types.push(event.type);
        assert.ok(event.sequence_number > last, `sequence ${event.sequence_number} after ${last}`);
        last = event.sequence_number;
        if (event.type === 'response.output_text.delta') text += event.delta;
      }
      const final = await stream.finalResponse();
      assert.equal(text, 'Echo: stream me please');
      assert.equal(final.output_text, 'Echo: stream me please');
      assert.equal(final.model, model);
      assert.equal(final.usage?.output_tokens, 4);
      assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
      assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
      assert.ok(types.filter((type) => type === 'response.output_text.delta').length >= 2);
    });

    it('streams a function call: arguments deltas assembled by the SDK', async () => {
      const stream = await client.responses.create({ model, input: 'find cats', tools: [lookup], stream: true });
      const types: string[] = [];
      let args = '';
      let done: OpenAI.Responses.Response | undefined;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.function_call_arguments.delta') args += event.delta;
        if (event.type === 'response.completed') done = event.response;
      }
      assert.deepEqual(JSON.parse(args), { query: 'find cats' });
      assert.ok(types.includes('response.function_call_arguments.done'));
      const call = done?.output.find((item) => item.type === 'function_call');
      assert.ok(call?.type === 'function_call');
      assert.equal(call.arguments, args);
      assert.equal(call.name, 'lookup');
    });
  });
}

describe('/v1/responses cut by max_output_tokens (normalized path)', () => {
  const statuses = (items: readonly OpenAI.Responses.ResponseOutputItem[] | undefined): unknown[] =>
    (items ?? []).map((item) => [item.type, 'status' in item ? item.status : undefined]);

  it('a streamed cut marks the items still open incomplete, as the complete answer does', async () => {
    const body = { model: MODELS.anthropic, input: 'one two three four five', max_output_tokens: 2 };
    const complete = await client.responses.create(body);
    assert.equal(complete.status, 'incomplete');
    assert.deepEqual(statuses(complete.output), [['message', 'incomplete']]);

    const stream = await client.responses.create({ ...body, stream: true });
    const done: OpenAI.Responses.ResponseOutputItem[] = [];
    let final: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_item.done') done.push(event.item);
      if (event.type === 'response.incomplete') final = event.response;
    }
    assert.equal(final?.status, 'incomplete');
    assert.equal(final?.incomplete_details?.reason, 'max_output_tokens');
    assert.deepEqual(statuses(done), [['message', 'incomplete']]);
    assert.deepEqual(statuses(final?.output), [['message', 'incomplete']]);
    const message = final?.output[0];
    assert.equal(message?.type === 'message' && message.content[0]?.type === 'output_text' ? message.content[0].text : undefined, complete.output_text);
  });
});

describe('/v1/responses: an answer cut inside a tool call (normalized path)', () => {
  const statuses = (items: readonly OpenAI.Responses.ResponseOutputItem[] | undefined): unknown[] =>
    (items ?? []).map((item) => [item.type, 'status' in item ? item.status : undefined]);
  // Anthropic's answer when max_tokens runs out inside a tool_use block: the text before it is
  // whole, the call is not (stop_reason max_tokens).
  const usage = { input_tokens: 12, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const cutMessage = {
    id: 'msg_cut_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-test-1',
    content: [
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'toolu_cut_1', name: 'lookup', input: { query: 'par' } },
    ],
    stop_reason: 'max_tokens',
    stop_sequence: null,
    usage,
  };
  const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const cutStream = [
    frame('message_start', { type: 'message_start', message: { ...cutMessage, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }),
    frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me look.' } }),
    frame('content_block_stop', { type: 'content_block_stop', index: 0 }),
    frame('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_cut_1', name: 'lookup', input: {} } }),
    frame('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"query": "par' } }),
    frame('content_block_stop', { type: 'content_block_stop', index: 1 }),
    frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 20 } }),
    frame('message_stop', { type: 'message_stop' }),
  ].join('');

  it('marks the call incomplete and the text before it completed, streamed or not', async () => {
    const body = { model: MODELS.anthropic, input: 'look up paris', tools: [lookup] };
    t.anthropic.replayNext({ json: cutMessage });
    const complete = await client.responses.create(body);
    assert.equal(complete.status, 'incomplete');
    assert.equal(complete.incomplete_details?.reason, 'max_output_tokens');
    assert.deepEqual(statuses(complete.output), [['message', 'completed'], ['function_call', 'incomplete']]);

    t.anthropic.replayNext({ sse: cutStream });
    const stream = await client.responses.create({ ...body, stream: true });
    let final: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === 'response.incomplete') final = event.response;
    assert.deepEqual(statuses(final?.output), statuses(complete.output));
  });
});

describe('/v1/responses hot path', () => {
  it('runs no database query per request, on either path, streaming or not', async () => {
    const before = t.queryCount();
    for (const served of SERVED_BY) {
      await client.responses.create({ model: served.model, input: 'no queries', tools: [lookup] });
      const stream = await client.responses.create({ model: served.model, input: 'no queries', stream: true });
      for await (const event of stream) assert.ok(event.sequence_number >= 0);
    }
    assert.equal(t.queryCount(), before);
  });
});
