// /v1/responses on the normalized path, where the complete and the streamed answer must agree with
// each other and with OpenAI's: a refusal beside empty content, a call whose name arrives after
// its id, a function_call_output with no call, and a reasoning item with no assistant item after
// it. The strict mocks answer the vendor's real error when the gateway gets it wrong.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
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

const chunk = (delta: unknown, finish: string | null = null, usage: unknown = undefined): string =>
  `data: ${JSON.stringify({ id: 'cc-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
const usage = { prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 };
const lookup: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'lookup',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  strict: false,
};

describe('/v1/responses: a refusal beside empty content', () => {
  const REFUSAL = "I'm sorry, I can't help with that.";

  it('is a message holding the refusal part alone, complete and streamed alike', async () => {
    // Compatible servers send `content: ""` (not null) beside the refusal.
    t.openai.replayNext({
      id: 'cc-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: '', refusal: REFUSAL }, finish_reason: 'stop' }],
      usage,
    });
    const complete = await client.responses.create({ model: CUSTOM_MODEL, input: 'bad' });
    t.openai.replayNextStream(
      chunk({ role: 'assistant', content: '', refusal: '' }) + chunk({ refusal: REFUSAL }) + chunk({}, 'stop') + chunk({}, null, usage) + 'data: [DONE]\n\n',
    );
    const streamed = await client.responses.stream({ model: CUSTOM_MODEL, input: 'bad' }).finalResponse();
    const content = (response: OpenAI.Responses.Response): unknown =>
      response.output.map((item) => (item.type === 'message' ? item.content.map((part) => (part.type === 'refusal' ? [part.type, part.refusal] : [part.type, part.text])) : item.type));
    assert.deepEqual(content(complete), [[['refusal', REFUSAL]]], 'complete answer');
    assert.deepEqual(content(streamed), [[['refusal', REFUSAL]]], 'streamed answer');
  });
});

describe('/v1/responses streamed: a function call whose name arrives after its id', () => {
  it('names the call in output_item.added, function_call_arguments.done, output_item.done and the final response', async () => {
    t.openai.replayNextStream(
      chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_late', type: 'function', function: { arguments: '' } }] }) +
        chunk({ tool_calls: [{ index: 0, function: { name: 'lookup' } }] }) +
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"query":"Oslo"}' } }] }) +
        chunk({}, 'tool_calls') +
        chunk({}, null, usage) +
        'data: [DONE]\n\n',
    );
    const stream = client.responses.stream({ model: CUSTOM_MODEL, input: 'weather in Oslo', tools: [lookup] });
    const names: string[] = [];
    stream.on('response.output_item.added', (event) => names.push(`added:${event.item.type === 'function_call' ? event.item.name : event.item.type}`));
    stream.on('response.function_call_arguments.done', (event) => names.push(`arguments.done:${event.name}`));
    stream.on('response.output_item.done', (event) => names.push(`done:${event.item.type === 'function_call' ? event.item.name : event.item.type}`));
    const final = await stream.finalResponse();
    assert.deepEqual(names, ['added:lookup', 'arguments.done:lookup', 'done:lookup']);
    const call = final.output.find((item) => item.type === 'function_call');
    assert.deepEqual(call?.type === 'function_call' ? [call.call_id, call.name, call.arguments] : call, ['call_late', 'lookup', '{"query":"Oslo"}']);
  });
});

describe('/v1/responses: a function_call_output with no function_call before it', () => {
  it('is a 400 naming the client\'s own input[i].call_id (Gemini row, with instructions)', async () => {
    const error = await client.responses
      .create({
        model: MODELS.google,
        instructions: 'Be brief.',
        input: [
          { role: 'user', content: 'weather in Oslo' },
          { type: 'function_call_output', call_id: 'call_missing', output: 'snow' },
        ],
      })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.equal(error.param, 'input[1].call_id');
    assert.match(error.message, /call_missing/);
    assert.equal(t.google.requests.length, 0, 'refused before any upstream call');
  });
});

describe('/v1/responses: a reasoning item followed by a user message', () => {
  it('is not sent with the next assistant turn (Anthropic gets no thinking from another turn)', async () => {
    const first = await client.responses.create({ model: CLAUDE_THINKING_MODEL, input: 'hello one', reasoning: { effort: 'low' } });
    const reasoning = first.output.find((item) => item.type === 'reasoning');
    assert.ok(reasoning?.type === 'reasoning', JSON.stringify(first.output));
    // The client kept turn 1's reasoning but not its message (an answer cut while reasoning).
    await client.responses.create({
      model: CLAUDE_THINKING_MODEL,
      reasoning: { effort: 'low' },
      input: [
        { role: 'user', content: 'hello one' },
        reasoning,
        { role: 'user', content: 'hello two' },
        { role: 'assistant', content: 'Echo: hello two' },
        { role: 'user', content: 'hello three' },
      ],
    });
    const sent = t.anthropic.requests.at(-1)?.body as { messages: { role: string; content: string | { type: string }[] }[] };
    const assistant = sent.messages.filter((message) => message.role === 'assistant');
    assert.deepEqual(
      assistant.map((message) => (typeof message.content === 'string' ? ['text'] : message.content.map((block) => block.type))),
      [['text']],
      'turn 1\'s thinking is not sent as turn 2\'s',
    );
  });
});
