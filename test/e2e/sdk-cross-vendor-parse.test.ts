// SDK parse helpers, usage arithmetic and input shapes, each protocol served by another vendor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { z } from 'zod';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { addMessagesModels, anthropicClient } from '../helpers/messages-gateway.js';

let t: TestGateway;
let client: OpenAI;
let claude: Anthropic;
const Echo = z.object({ echo: z.string() });

before(async () => {
  t = await startTestGateway();
  await addMessagesModels(t);
  client = t.client();
  claude = anthropicClient(t);
});
after(async () => {
  await t.close();
});

describe('parse helpers', () => {
  it('chat.completions.parse with a zod json_schema via Gemini', async () => {
    const completion = await client.chat.completions.parse({ model: MODELS.google, messages: [{ role: 'user', content: 'hi' }], response_format: zodResponseFormat(Echo, 'echo') });
    assert.deepEqual(completion.choices[0]?.message.parsed, { echo: 'Echo: hi' });
    const stream = client.chat.completions.stream({ model: MODELS.google, messages: [{ role: 'user', content: 'hi' }], response_format: zodResponseFormat(Echo, 'echo') });
    const final = await stream.finalChatCompletion();
    assert.deepEqual(final.choices[0]?.message.parsed, { echo: 'Echo: hi' });
  });

  it('responses.parse and responses.stream with a zod text format via Gemini', async () => {
    const response = await client.responses.parse({ model: MODELS.google, input: 'hi', text: { format: zodTextFormat(Echo, 'echo') } });
    assert.deepEqual(response.output_parsed, { echo: 'Echo: hi' });
    const stream = client.responses.stream({ model: MODELS.google, input: 'hi', text: { format: zodTextFormat(Echo, 'echo') } });
    const final = await stream.finalResponse();
    assert.deepEqual(final.output_parsed, { echo: 'Echo: hi' });
  });
});

describe('usage arithmetic with reasoning and cache', () => {
  it('Responses via Gemini with reasoning: stream and complete agree; total = input + output', async () => {
    const body = { model: MODELS.google, input: 'think about it', reasoning: { effort: 'low' as const } };
    const complete = await client.responses.create(body);
    const final = await client.responses.stream(body).finalResponse();
    assert.deepEqual(final.usage, complete.usage);
    const usage = complete.usage!;
    assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    assert.ok(usage.output_tokens_details.reasoning_tokens > 0);
    assert.ok(usage.output_tokens > usage.output_tokens_details.reasoning_tokens);
  });

  it('Messages via Gemini with thinking: stream and complete usage agree', async () => {
    const body = { model: MODELS.google, max_tokens: 4096, thinking: { type: 'enabled' as const, budget_tokens: 2048 }, messages: [{ role: 'user' as const, content: 'ponder this' }] };
    const complete = await claude.messages.create(body);
    const final = await claude.messages.stream(body).finalMessage();
    assert.deepEqual(final.usage, complete.usage);
    assert.deepEqual(final.content, complete.content);
  });

  it('Chat via Anthropic with thinking streamed: usage chunk equals the complete usage', async () => {
    await t.db.query(`insert into public.ai_models (name, provider_id, model_id, max_tokens) select 'e2e-claude-think2', id, 'claude-test-1', 64000 from public.ai_providers where name = 'e2e-anthropic'`);
    await t.watcher.refresh();
    const body = { model: 'e2e-claude-think2', messages: [{ role: 'system' as const, content: 'use cache-write' }, { role: 'user' as const, content: 'think hard' }], reasoning_effort: 'low' as const, max_tokens: 8000 };
    const complete = await client.chat.completions.create(body);
    const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    assert.deepEqual(usage, complete.usage);
    assert.equal(complete.usage?.total_tokens, (complete.usage?.prompt_tokens ?? 0) + (complete.usage?.completion_tokens ?? 0));
    assert.equal(complete.usage?.prompt_tokens_details?.cached_tokens, 3);
  });
});

describe('Responses tool choice and parallel flags reach other vendors', () => {
  it('parallel_tool_calls false and a named tool_choice reach Anthropic', async () => {
    const lookup = { type: 'function' as const, name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } } }, strict: false };
    const before = t.anthropic.requests.length;
    const response = await client.responses.create({ model: MODELS.anthropic, input: 'x', tools: [lookup], tool_choice: { type: 'function', name: 'lookup' }, parallel_tool_calls: false });
    assert.equal(response.output[0]?.type, 'function_call');
    const sent = t.anthropic.requests[before]?.body as Record<string, unknown>;
    assert.deepEqual(sent['tool_choice'], { type: 'tool', name: 'lookup', disable_parallel_tool_use: true });
  });
});

describe('input shapes', () => {
  it('Responses function_call_output with input_text parts via Anthropic and Gemini', async () => {
    for (const model of [MODELS.anthropic, MODELS.google, MODELS.cohere]) {
      const response = await client.responses.create({
        model,
        tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} }, strict: false }],
        input: [
          { role: 'user', content: 'go' },
          { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_text', text: 'part one' }, { type: 'input_text', text: 'part two' }] },
        ],
      });
      assert.match(response.output_text, /part one/, model);
    }
  });

  it('Messages: system as blocks, tool_result text blocks, stop_sequences, via Gemini and Cohere', async () => {
    for (const model of [MODELS.google, MODELS.cohere, MODELS.openai]) {
      const message = await claude.messages.create({
        model,
        max_tokens: 100,
        system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Be kind.', cache_control: { type: 'ephemeral' } }],
        stop_sequences: ['zzz'],
        tools: [{ name: 'lookup', input_schema: { type: 'object', properties: {} } }],
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'text', text: 'calling' }, { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'alpha' }, { type: 'text', text: 'beta' }] }] },
        ],
      });
      const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      assert.match(text, /alpha/, model);
      assert.match(text, /beta/, model);
      assert.equal(message.stop_reason, 'end_turn');
    }
  });

  it('Messages stream: text then a tool call in one turn via OpenAI parses', async () => {
    const final = await claude.messages.stream({ model: MODELS.cohere, max_tokens: 100, tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { query: { type: 'string' } } } }], messages: [{ role: 'user', content: 'find x' }] }).finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    assert.ok(final.content.some((block) => block.type === 'tool_use'));
    assert.ok(final.usage.output_tokens > 0);
    assert.ok(final.usage.input_tokens > 0);
  });
});
