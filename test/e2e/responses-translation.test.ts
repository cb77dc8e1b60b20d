// /v1/responses across vendors, where the Responses API and the serving vendor's API differ: tool
// settings without tools (a chat-completions server refuses them), parallel calls streamed without
// `tool_calls[].index` (Google's OpenAI-compatible endpoint), and reasoning items of another
// vendor replayed to an OpenAI model (which cannot verify them). The strict mocks answer the
// vendor's real error when the gateway gets it wrong.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { MODELS, type TestGateway } from '../helpers/gateway.js';
import { CLAUDE_THINKING_MODEL, CUSTOM_MODEL, startResponsesGateway } from './responses-helpers.js';

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startResponsesGateway();
  client = t.client();
});
after(async () => {
  await t.close();
});

describe('/v1/responses on a chat-completions server: tool settings without function tools', () => {
  it('tool_choice auto and parallel_tool_calls with no function tool left (Codex web_search only) are not sent', async () => {
    const body = {
      model: CUSTOM_MODEL,
      input: 'hello there',
      tools: [{ type: 'web_search' as const }],
      tool_choice: 'auto' as const,
      parallel_tool_calls: false,
    };
    const response = await client.responses.create(body);
    assert.equal(response.output_text, 'Echo: hello there');
    assert.equal(response.parallel_tool_calls, false, 'echoed as sent');
    const sent = t.openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(sent['tools'], undefined);
    assert.equal(sent['parallel_tool_calls'], undefined);
    assert.equal(sent['tool_choice'], undefined);

    const stream = client.responses.stream({ ...body, input: 'streamed hello' });
    const final = await stream.finalResponse();
    assert.equal(final.output_text, 'Echo: streamed hello');
  });

  it('tool_choice none and parallel_tool_calls true with no tools at all are not sent', async () => {
    const response = await client.responses.create({ model: CUSTOM_MODEL, input: 'plain', tool_choice: 'none', parallel_tool_calls: true });
    assert.equal(response.output_text, 'Echo: plain');
  });
});

describe('/v1/responses on a chat-completions server: parallel calls streamed without tool_calls[].index', () => {
  // Google's OpenAI-compatible endpoint streams each parallel call whole, in its own chunk, with
  // no `index` (and finish_reason "stop"): the calls are told apart by their ids.
  const chunk = (delta: unknown, finish: string | null = null, usage: unknown = undefined): string =>
    `data: ${JSON.stringify({ id: 'gc-1', object: 'chat.completion.chunk', created: 1, model: 'gemini-2.5-flash', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
  const call = (id: string, query: string): unknown => ({
    role: 'assistant',
    tool_calls: [{ id, type: 'function', function: { name: 'lookup', arguments: JSON.stringify({ query }) } }],
  });
  const sse =
    chunk(call('function-call-1', 'Paris')) +
    chunk(call('function-call-2', 'Oslo')) +
    chunk({}, 'stop', { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 }) +
    'data: [DONE]\n\n';
  const lookup: OpenAI.Responses.FunctionTool = {
    type: 'function',
    name: 'lookup',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    strict: false,
  };

  it('comes back as two function_call items, each with its own call_id and arguments', async () => {
    t.openai.replayNextStream(sse);
    const stream = client.responses.stream({ model: CUSTOM_MODEL, input: 'weather in Paris and Oslo', tools: [lookup] });
    const added: number[] = [];
    stream.on('response.output_item.added', (event) => added.push(event.output_index));
    const final = await stream.finalResponse();
    const calls = final.output.filter((item) => item.type === 'function_call');
    assert.deepEqual(
      calls.map((item) => [item.call_id, item.name, item.arguments, item.status]),
      [
        ['function-call-1', 'lookup', '{"query":"Paris"}', 'completed'],
        ['function-call-2', 'lookup', '{"query":"Oslo"}', 'completed'],
      ],
    );
    assert.deepEqual(added, [0, 1]);
    assert.equal(final.usage?.output_tokens, 12);
  });
});

describe('/v1/responses: a conversation moved from another vendor to an OpenAI model (native path)', () => {
  const lookup: OpenAI.Responses.FunctionTool = {
    type: 'function',
    name: 'lookup',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    strict: false,
  };
  const moved = async (model: string): Promise<void> => {
    const first = await client.responses.create({ model, input: 'weather in Oslo', tools: [lookup], reasoning: { effort: 'low' } });
    assert.ok(first.output.some((item) => item.type === 'reasoning'), JSON.stringify(first.output));
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call?.type === 'function_call');
    const input = [
      { role: 'user' as const, content: 'weather in Oslo' },
      ...(first.output as OpenAI.Responses.ResponseInputItem[]),
      { type: 'function_call_output' as const, call_id: call.call_id, output: 'snow' },
    ];
    const second = await client.responses.create({ model: MODELS.openai, tools: [lookup], input });
    assert.equal(second.output_text, 'Echo: snow');
    const sent = (t.openai.requests.at(-1)?.body as { input: { type?: string }[] }).input;
    assert.deepEqual(sent.map((item) => item.type ?? 'message'), ['message', 'function_call', 'function_call_output'], 'the other vendor\'s reasoning is left out');
  };

  it('Anthropic\'s signed thinking (swb1 encrypted_content) is not sent to OpenAI, which cannot verify it', async () => {
    await moved(CLAUDE_THINKING_MODEL);
  });

  it('Gemini\'s reasoning item is not sent to OpenAI either', async () => {
    await moved(MODELS.google);
  });
});
