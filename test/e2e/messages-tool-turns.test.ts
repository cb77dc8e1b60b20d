// Tool turns of other vendors as Anthropic clients read them: a turn that called a tool says
// `tool_use` (the SDK's tool runner runs tools only then), through the strict OpenAI mock, whose
// named tool choice finishes with `stop` as the real API does; and the tool calls of a compatible
// server that streams them without `index` (Google's OpenAI-compatible endpoint; chunks as reported
// in github.com/THU-MAIC/OpenMAIC/issues/1556 and open-webui/computer#224) each keep their block,
// as do those of one that gives every parallel call `index: 0` (Ollama, ollama/ollama#15457): they
// were run together into one call, which since the cut-arguments check (2026-12-07) made the whole
// turn the provider's 502 on /v1/messages and /v1/responses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { addMessagesModels, anthropicClient, MESSAGES_MODELS } from '../helpers/messages-gateway.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';

const tools: Anthropic.Tool[] = [
  { name: 'other', input_schema: { type: 'object', properties: {} } },
  { name: 'lookup', input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
];

const INDEXLESS = 'e2e-gemini-compat';

/** Google's OpenAI-compatible stream of two calls: no `index`, no chunk `id`, `stop` at the end. */
function indexlessChunks(): unknown[] {
  const chunk = (delta: unknown, finish: string | null = null): unknown => ({
    object: 'chat.completion.chunk',
    model: 'gemini-3-flash',
    choices: [{ delta, finish_reason: finish, index: 0 }],
  });
  const call = (id: string, name: string, args: string): unknown => ({ id, type: 'function', function: { name, arguments: args } });
  return [
    chunk({ role: 'assistant', tool_calls: [call('function-call-1', 'lookup', '{"query":')] }),
    chunk({ tool_calls: [{ function: { arguments: '"paris"}' } }] }),
    chunk({ role: 'assistant', tool_calls: [call('function-call-2', 'other', '{}')] }),
    { ...(chunk({}, 'stop') as object), usage: { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 } },
  ];
}

const REUSED = 'e2e-ollama-compat';

/** Ollama's OpenAI-compatible stream of two parallel calls: each whole in its own chunk, both `index: 0`. */
function reusedIndexChunks(): unknown[] {
  const chunk = (delta: unknown, finish: string | null = null): unknown => ({
    id: 'chatcmpl-386',
    object: 'chat.completion.chunk',
    created: 1_775_000_000,
    model: 'qwen3-coder:30b',
    system_fingerprint: 'fp_ollama',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const call = (id: string, name: string, args: string): unknown => ({ id, index: 0, type: 'function', function: { name, arguments: args } });
  return [
    chunk({ role: 'assistant', content: '', tool_calls: [call('call_a1', 'lookup', '{"query":"paris"}')] }),
    chunk({ role: 'assistant', content: '', tool_calls: [call('call_b2', 'lookup', '{"query":"rome"}')] }),
    { ...(chunk({ role: 'assistant', content: '' }, 'tool_calls') as object), usage: { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 } },
  ];
}

let t: TestGateway;
let client: Anthropic;
let compat: MockServer;

before(async () => {
  t = await startTestGateway();
  await addMessagesModels(t);
  client = anthropicClient(t);
  compat = await startMockServer((request, response) => {
    if ((request.body as { stream?: boolean }).stream !== true) throw new Error('this upstream only streams');
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const model = (request.body as { model?: string }).model;
    for (const chunk of model === 'qwen3-coder:30b' ? reusedIndexChunks() : indexlessChunks()) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
    response.end('data: [DONE]\n\n');
  });
  await t.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
     values ($1, 'CustomProvider', $2, '["E2E_OPENAI_API_KEY"]'::jsonb)`,
    [INDEXLESS, `${compat.origin}/v1`],
  );
  await t.db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gemini-3-flash' from public.ai_providers where name = $1`, [INDEXLESS]);
  await t.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
     values ($1, 'CustomProvider', $2, '["E2E_OPENAI_API_KEY"]'::jsonb)`,
    [REUSED, `${compat.origin}/v1`],
  );
  await t.db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'qwen3-coder:30b' from public.ai_providers where name = $1`, [REUSED]);
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
  await compat.close();
});

describe('/v1/messages tool turns of other vendors', () => {
  for (const model of [MODELS.openai, MESSAGES_MODELS.custom]) {
    it(`a tool forced by name says tool_use, not end_turn (${model})`, async () => {
      const body: Anthropic.MessageCreateParamsNonStreaming = {
        model,
        max_tokens: 100,
        tools,
        tool_choice: { type: 'tool', name: 'lookup' },
        messages: [{ role: 'user', content: 'weather' }],
      };
      const message = await client.messages.create(body);
      const final = await client.messages.stream(body).finalMessage();
      for (const [how, answer] of [['answer', message], ['stream', final]] as const) {
        assert.deepEqual(
          answer.content.map((block) => (block.type === 'tool_use' ? [block.name, block.input] : block.type)),
          [['lookup', { query: 'weather' }]],
          how,
        );
        assert.equal(answer.stop_reason, 'tool_use', `${how}: the SDK's tool runner stops on end_turn without running the tool`);
      }
    });
  }
});

describe('/v1/messages from a server that streams tool calls without index', () => {
  it('gives each call its own tool_use block with its own input', async () => {
    const final = await client.messages
      .stream({ model: INDEXLESS, max_tokens: 100, tools, messages: [{ role: 'user', content: 'weather' }] })
      .finalMessage();
    assert.deepEqual(
      final.content.map((block) => (block.type === 'tool_use' ? [block.id, block.name, block.input] : block.type)),
      [
        ['function-call-1', 'lookup', { query: 'paris' }],
        ['function-call-2', 'other', {}],
      ],
    );
    assert.equal(final.stop_reason, 'tool_use');
  });

  it('and chat completions streams give each call its own index', async () => {
    const stream = t.client().chat.completions.stream({ model: INDEXLESS, messages: [{ role: 'user', content: 'weather' }] });
    const final = await stream.finalChatCompletion();
    assert.deepEqual(
      final.choices[0]?.message.tool_calls?.map((call) => (call.type === 'function' ? [call.id, call.function.name, call.function.arguments] : call.type)),
      [
        ['function-call-1', 'lookup', '{"query":"paris"}'],
        ['function-call-2', 'other', '{}'],
      ],
    );
  });
});

describe('/v1/messages and /v1/responses from a server that gives every parallel call index 0', () => {
  it('gives each call its own tool_use block, not one call with both arguments run together (a 502)', async () => {
    const final = await client.messages
      .stream({ model: REUSED, max_tokens: 100, tools, messages: [{ role: 'user', content: 'weather in paris and rome' }] })
      .finalMessage();
    assert.deepEqual(
      final.content.map((block) => (block.type === 'tool_use' ? [block.id, block.name, block.input] : block.type)),
      [
        ['call_a1', 'lookup', { query: 'paris' }],
        ['call_b2', 'lookup', { query: 'rome' }],
      ],
    );
    assert.equal(final.stop_reason, 'tool_use');
  });

  it('gives each call its own function_call item on /v1/responses', async () => {
    const stream = t.client().responses.stream({ model: REUSED, input: 'weather in paris and rome', tools: [{ type: 'function', name: 'lookup', parameters: null, strict: false }] });
    const final = await stream.finalResponse();
    assert.deepEqual(
      final.output.map((item) => (item.type === 'function_call' ? [item.call_id, item.name, item.arguments] : item.type)),
      [
        ['call_a1', 'lookup', '{"query":"paris"}'],
        ['call_b2', 'lookup', '{"query":"rome"}'],
      ],
    );
    assert.equal(final.status, 'completed');
  });

  it('and chat completions streams give each call its own index', async () => {
    const final = await t.client().chat.completions.stream({ model: REUSED, messages: [{ role: 'user', content: 'weather' }] }).finalChatCompletion();
    assert.deepEqual(
      final.choices[0]?.message.tool_calls?.map((call) => (call.type === 'function' ? [call.id, call.function.arguments] : call.type)),
      [
        ['call_a1', '{"query":"paris"}'],
        ['call_b2', '{"query":"rome"}'],
      ],
    );
  });
});
