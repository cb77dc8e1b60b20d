// The official SDKs against the gateway, each protocol served by another vendor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { addMessagesModels, anthropicClient } from '../helpers/messages-gateway.js';
import { sendJson, startMockServer, type MockServer } from '../helpers/mock-server.js';

const PARALLEL_MODEL = 'e2e-parallel-gpt';

let t: TestGateway;
let client: OpenAI;
let claude: Anthropic;
let parallel: MockServer;

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

// An OpenAI chat server that answers two parallel tool calls, their argument fragments interleaved.
function parallelChatChunks(): unknown[] {
  const base = { id: 'chatcmpl-par', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
  const chunk = (delta: unknown, finish: string | null = null): unknown => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  return [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: 'call_AAA', type: 'function', function: { name: 'lookup', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"query":' } }] }),
    chunk({ tool_calls: [{ index: 1, id: 'call_BBB', type: 'function', function: { name: 'lookup', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 1, function: { arguments: '{"query":"b"}' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"a"}' } }] }),
    chunk({}, 'tool_calls'),
    { ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30, prompt_tokens_details: { cached_tokens: 5 } } },
  ];
}

const tools: Anthropic.Tool[] = [
  { name: 'lookup', description: 'Looks things up', input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
];
const openaiTools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'lookup', description: 'Looks things up', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } },
];
const lookup: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'lookup',
  description: 'Looks things up',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false },
  strict: true,
};

// Anthropic answering two tool_use blocks after some text.
const twoCallsUsage = { input_tokens: 12, output_tokens: 20, cache_creation_input_tokens: 2, cache_read_input_tokens: 3 };
const twoCallsMessage = {
  id: 'msg_two_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-test-1',
  content: [
    { type: 'text', text: 'Looking both up.' },
    { type: 'tool_use', id: 'toolu_AAA', name: 'lookup', input: { query: 'a' } },
    { type: 'tool_use', id: 'toolu_BBB', name: 'lookup', input: { query: 'b' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: twoCallsUsage,
};
const twoCallsStream = [
  frame('message_start', { type: 'message_start', message: { ...twoCallsMessage, content: [], stop_reason: null, usage: { ...twoCallsUsage, output_tokens: 1 } } }),
  frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  frame('ping', { type: 'ping' }),
  frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Looking both up.' } }),
  frame('content_block_stop', { type: 'content_block_stop', index: 0 }),
  frame('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_AAA', name: 'lookup', input: {} } }),
  frame('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"query": "a"}' } }),
  frame('content_block_stop', { type: 'content_block_stop', index: 1 }),
  frame('content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_BBB', name: 'lookup', input: {} } }),
  frame('content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"query": "b"}' } }),
  frame('content_block_stop', { type: 'content_block_stop', index: 2 }),
  frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 20 } }),
  frame('message_stop', { type: 'message_stop' }),
].join('');

before(async () => {
  t = await startTestGateway();
  await addMessagesModels(t);
  parallel = await startMockServer(async (request, response) => {
    const body = request.body as { stream?: boolean };
    if (body.stream === true) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const chunk of parallelChatChunks()) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      response.end('data: [DONE]\n\n');
      return;
    }
    sendJson(response, 200, {
      id: 'chatcmpl-par',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [
              { id: 'call_AAA', type: 'function', function: { name: 'lookup', arguments: '{"query":"a"}' } },
              { id: 'call_BBB', type: 'function', function: { name: 'lookup', arguments: '{"query":"b"}' } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30, prompt_tokens_details: { cached_tokens: 5 } },
    });
  });
  await t.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
     values ('e2e-parallel', 'OpenAIProvider', $1, '["E2E_OPENAI_API_KEY"]'::jsonb)`,
    [`${parallel.origin}/v1`],
  );
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o-mini' from public.ai_providers where name = 'e2e-parallel'`,
    [PARALLEL_MODEL],
  );
  await t.watcher.refresh();
  client = t.client();
  claude = anthropicClient(t);
});
after(async () => {
  await t.close();
  await parallel.close();
});

describe('Anthropic SDK served by an OpenAI row: parallel tool calls', () => {
  it('non-streamed: two tool_use blocks with the vendor ids, usage split', async () => {
    const message = await claude.messages.create({ model: PARALLEL_MODEL, max_tokens: 100, tools, messages: [{ role: 'user', content: 'a and b' }] });
    assert.deepEqual(
      message.content.map((block) => (block.type === 'tool_use' ? [block.id, block.input] : block.type)),
      [['call_AAA', { query: 'a' }], ['call_BBB', { query: 'b' }]],
    );
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.usage.input_tokens, 15);
    assert.deepEqual(message.usage.cache_read_input_tokens, 5);
    assert.deepEqual(message.usage.output_tokens, 10);
  });

  it('streamed (interleaved fragments): finalMessage() matches the non-streamed answer', async () => {
    const stream = claude.messages.stream({ model: PARALLEL_MODEL, max_tokens: 100, tools, messages: [{ role: 'user', content: 'a and b' }] });
    const blocks: unknown[] = [];
    stream.on('contentBlock', (block) => blocks.push(block));
    const final = await stream.finalMessage();
    assert.deepEqual(
      final.content.map((block) => (block.type === 'tool_use' ? [block.id, block.input] : block.type)),
      [['call_AAA', { query: 'a' }], ['call_BBB', { query: 'b' }]],
    );
    assert.equal(final.stop_reason, 'tool_use');
    assert.deepEqual(
      { input: final.usage.input_tokens, read: final.usage.cache_read_input_tokens, output: final.usage.output_tokens },
      { input: 15, read: 5, output: 10 },
    );
  });

  it('round trip: both tool_results go back with the ids', async () => {
    const before = parallel.requests.length;
    const message = await claude.messages.create({
      model: PARALLEL_MODEL,
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'a and b' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_AAA', name: 'lookup', input: { query: 'a' } },
            { type: 'tool_use', id: 'call_BBB', name: 'lookup', input: { query: 'b' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_AAA', content: 'A' },
            { type: 'tool_result', tool_use_id: 'call_BBB', content: 'B' },
          ],
        },
      ],
    });
    assert.ok(message);
    const sent = parallel.requests[before]?.body as { messages: { role: string; tool_call_id?: string; tool_calls?: { id: string }[] }[] };
    assert.deepEqual(
      sent.messages.map((m) => [m.role, m.tool_call_id ?? m.tool_calls?.map((c) => c.id).join(',')]),
      [['user', undefined], ['assistant', 'call_AAA,call_BBB'], ['tool', 'call_AAA'], ['tool', 'call_BBB']],
    );
  });
});

describe('openai chat served by Anthropic: parallel tool calls and cache usage', () => {
  it('non-streamed and streamed agree; ids round-trip', async () => {
    t.anthropic.replayNext({ json: twoCallsMessage });
    const complete = await client.chat.completions.create({ model: MODELS.anthropic, messages: [{ role: 'user', content: 'a and b' }], tools: openaiTools });
    const calls = complete.choices[0]?.message.tool_calls ?? [];
    assert.deepEqual(calls.map((c) => (c.type === 'function' ? [c.id, c.function.arguments] : c.type)), [
      ['toolu_AAA', '{"query":"a"}'],
      ['toolu_BBB', '{"query":"b"}'],
    ]);
    assert.equal(complete.choices[0]?.message.content, 'Looking both up.');
    assert.equal(complete.usage?.prompt_tokens, 17);
    assert.equal(complete.usage?.prompt_tokens_details?.cached_tokens, 3);
    assert.equal(complete.usage?.total_tokens, 37);

    t.anthropic.replayNext({ sse: twoCallsStream });
    const stream = client.chat.completions.stream({ model: MODELS.anthropic, messages: [{ role: 'user', content: 'a and b' }], tools: openaiTools, stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls ?? [];
    assert.deepEqual(streamed.map((c) => (c.type === 'function' ? [c.id, JSON.parse(c.function.arguments)] : c.type)), [
      ['toolu_AAA', { query: 'a' }],
      ['toolu_BBB', { query: 'b' }],
    ]);
    assert.equal(final.choices[0]?.message.content, 'Looking both up.');
    assert.equal(final.usage?.prompt_tokens, 17);
    assert.equal(final.usage?.prompt_tokens_details?.cached_tokens, 3);
    assert.equal(final.usage?.completion_tokens, 20);

    const before = t.anthropic.requests.length;
    const second = await client.chat.completions.create({
      model: MODELS.anthropic,
      tools: openaiTools,
      messages: [
        { role: 'user', content: 'a and b' },
        final.choices[0]!.message as OpenAI.Chat.Completions.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: 'toolu_AAA', content: 'A' },
        { role: 'tool', tool_call_id: 'toolu_BBB', content: 'B' },
      ],
    });
    assert.equal(second.choices[0]?.message.content, 'Echo: B');
    const sent = t.anthropic.requests[before]?.body as { messages: { role: string; content: { type: string }[] }[] };
    assert.deepEqual(sent.messages.map((m) => [m.role, (Array.isArray(m.content) ? m.content : []).map((b) => b.type)]), [
      ['user', ['text']],
      ['assistant', ['text', 'tool_use', 'tool_use']],
      ['user', ['tool_result', 'tool_result']],
    ]);
  });
});

describe('openai Responses served by Anthropic: parallel calls, cache usage, reasoning round trip', () => {
  it('streamed parallel calls assemble, ids round-trip, usage adds up', async () => {
    t.anthropic.replayNext({ sse: twoCallsStream });
    const stream = client.responses.stream({ model: MODELS.anthropic, input: 'a and b', tools: [lookup], store: false });
    const final = await stream.finalResponse();
    const calls = final.output.filter((item) => item.type === 'function_call');
    assert.deepEqual(calls.map((c) => (c.type === 'function_call' ? [c.call_id, JSON.parse(c.arguments), c.status] : null)), [
      ['toolu_AAA', { query: 'a' }, 'completed'],
      ['toolu_BBB', { query: 'b' }, 'completed'],
    ]);
    assert.equal(final.output_text, 'Looking both up.');
    // OpenAI's input_tokens includes the cached ones.
    assert.equal(final.usage?.input_tokens, 17);
    assert.equal(final.usage?.input_tokens_details.cached_tokens, 3);
    assert.equal(final.usage?.total_tokens, 37);

    t.anthropic.replayNext({ json: twoCallsMessage });
    const complete = await client.responses.create({ model: MODELS.anthropic, input: 'a and b', tools: [lookup] });
    assert.deepEqual(
      complete.output.map((item) => item.type),
      final.output.map((item) => item.type),
    );
    assert.deepEqual(complete.usage, final.usage);

    const before = t.anthropic.requests.length;
    const second = await client.responses.create({
      model: MODELS.anthropic,
      tools: [lookup],
      store: false,
      input: [
        { role: 'user', content: 'a and b' },
        ...(final.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'toolu_AAA', output: 'A' },
        { type: 'function_call_output', call_id: 'toolu_BBB', output: 'B' },
      ],
    });
    assert.equal(second.output_text, 'Echo: B');
    const sent = t.anthropic.requests[before]?.body as { messages: { role: string; content: { type: string }[] }[] };
    assert.deepEqual(sent.messages.map((m) => [m.role, (Array.isArray(m.content) ? m.content : []).map((b) => b.type)]), [
      ['user', ['text']],
      ['assistant', ['text', 'tool_use', 'tool_use']],
      ['user', ['tool_result', 'tool_result']],
    ]);
  });
});

describe('SDK retries and error classes across protocols', () => {
  it('openai SDK retries a 429 after the forwarded retry-after and succeeds', async () => {
    const retrying = new OpenAI({ baseURL: t.baseURL, apiKey: t.apiKey, maxRetries: 1, timeout: 10_000 });
    t.anthropic.failNext({ status: 429, headers: { 'retry-after': '1' } });
    const before = t.anthropic.requests.length;
    const started = Date.now();
    const completion = await retrying.chat.completions.create({ model: MODELS.anthropic, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(completion.choices[0]?.message.content, 'Echo: hi');
    assert.equal(t.anthropic.requests.length - before, 2);
    assert.ok(Date.now() - started >= 900, 'waited for retry-after');
  });

  it('openai SDK: 429 is RateLimitError with the retry-after header; 5xx InternalServerError', async () => {
    t.google.failNext({ status: 429, headers: { 'retry-after': '7' } });
    await assert.rejects(client.responses.create({ model: MODELS.google, input: 'x' }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError, String(error));
      assert.equal(error.status, 429);
      assert.equal(error.headers?.get('retry-after'), '7');
      return true;
    });
    t.google.failNext({ status: 500 });
    await assert.rejects(client.chat.completions.create({ model: MODELS.google, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError, String(error));
      return true;
    });
  });

  it('anthropic SDK: OpenAI upstream 429/500/503 become RateLimitError/InternalServerError/OverloadedError', async () => {
    t.openai.failNext({ status: 429, headers: { 'retry-after': '3' } });
    await assert.rejects(claude.messages.create({ model: MODELS.openai, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.RateLimitError, String(error));
      assert.equal(error.headers?.get('retry-after'), '3');
      assert.equal((error.error as { type: string })?.type, 'error');
      return true;
    });
    t.openai.failNext({ status: 500 });
    await assert.rejects(claude.messages.create({ model: MODELS.openai, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.InternalServerError, String(error));
      return true;
    });
  });

  it('anthropic SDK: a stream that fails midway (OpenAI upstream) rejects finalMessage() with APIError', async () => {
    t.openai.failNextStream({ afterChunks: 2 });
    const stream = claude.messages.stream({ model: MODELS.openai, max_tokens: 100, messages: [{ role: 'user', content: 'one two three four five' }] });
    await assert.rejects(stream.finalMessage(), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError, String(error));
      return true;
    });
  });
});
