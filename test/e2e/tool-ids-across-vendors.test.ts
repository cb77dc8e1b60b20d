// A Gemini 3 tool call's id (which carries its thought signature) answered on the
// next turn by an OpenAI model (a client switching models, or a route falling back). OpenAI caps
// tool call ids at 40 characters (the OpenAI mock now enforces it, as the real API does).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import type Anthropic from '@anthropic-ai/sdk';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { anthropicClient } from '../helpers/messages-gateway.js';
import { idWithSignature } from '../../src/providers/google/thought-signature-id.js';
import { sendJson, startMockServer, type MockServer } from '../helpers/mock-server.js';

const GEMINI_3 = 'e2e-gemini-3';
const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } },
];
const anthropicTools: Anthropic.Tool[] = [
  { name: 'lookup', input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
];

let t: TestGateway;
let kimi: MockServer;
before(async () => {
  t = await startTestGateway();
  // An OpenAI-compatible server whose tool call ids look like Kimi K2's (`functions.<name>:<n>`).
  kimi = await startMockServer((_request, response) =>
    sendJson(response, 200, {
      id: 'chatcmpl-kimi',
      object: 'chat.completion',
      created: 1,
      model: 'kimi-k2',
      choices: [{ index: 0, message: { role: 'assistant', content: '', tool_calls: [{ id: 'functions.lookup:0', type: 'function', function: { name: 'lookup', arguments: '{"query":"x"}' } }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
    }),
  );
  await t.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('e2e-kimi', 'CustomProvider', $1, '["E2E_OPENAI_API_KEY"]'::jsonb)`,
    [`${kimi.origin}/v1`],
  );
  await t.db.query(`insert into public.ai_models (name, provider_id, model_id) select 'e2e-kimi', id, 'kimi-k2' from public.ai_providers where name = 'e2e-kimi'`);
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gemini-3-flash-preview' from public.ai_providers where name = 'e2e-google'`,
    [GEMINI_3],
  );
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
  await kimi.close();
});

describe('a Gemini 3 tool call answered by an OpenAI model', () => {
  it('chat completions: the history with the Gemini call id is accepted by OpenAI', async () => {
    const client = t.client();
    const first = await client.chat.completions.create({ model: GEMINI_3, tools, messages: [{ role: 'user', content: 'weather in Paris' }] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.ok(call);
    const second = await client.chat.completions.create({
      model: MODELS.openai,
      tools,
      messages: [
        { role: 'user', content: 'weather in Paris' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    assert.equal(second.choices[0]?.message.content, 'Echo: sunny');
  });

  it('Anthropic Messages: a tool_use id from Gemini 3 goes back to an OpenAI model', async () => {
    const claude = anthropicClient(t);
    const first = await claude.messages.create({ model: GEMINI_3, max_tokens: 256, tools: anthropicTools, messages: [{ role: 'user', content: 'weather in Paris' }] });
    const call = first.content.find((block) => block.type === 'tool_use');
    assert.ok(call?.type === 'tool_use');
    const second = await claude.messages.create({
      model: MODELS.openai,
      max_tokens: 256,
      tools: anthropicTools,
      messages: [
        { role: 'user', content: 'weather in Paris' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny' }] },
      ],
    });
    assert.deepEqual(second.content.map((block) => block.type === 'text' && block.text), ['Echo: sunny']);
  });
});

describe('a Gemini 3 function call answered on the Responses API by an OpenAI model (native path)', () => {
  it('the call_id reaches OpenAI without its signature, within its 64 characters, call and output alike', async () => {
    // A Gemini 3 call id as Switchboard hands it out on every surface. Real thought signatures run to
    // hundreds of characters (the Gemini mock's are short, so the id is built here).
    const callId = idWithSignature('call_lookup_0', Buffer.from('signature-'.repeat(30)).toString('base64'));
    assert.ok(callId.length > 64);
    const responsesTools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'lookup', strict: false, parameters: anthropicTools[0]!.input_schema }];
    const before = t.openai.requests.length;
    const second = await t.client().responses.create({
      model: MODELS.openai,
      tools: responsesTools,
      input: [
        { role: 'user', content: 'weather in Paris' },
        { type: 'function_call', call_id: callId, name: 'lookup', arguments: '{"query":"weather in Paris"}' },
        { type: 'function_call_output', call_id: callId, output: 'sunny' },
      ],
    });
    assert.equal(second.output_text, 'Echo: sunny');
    const sent = t.openai.requests.slice(before).find((request) => request.url.endsWith('/responses'))?.body as { input: { call_id?: string }[] };
    const ids = sent.input.flatMap((item) => (item.call_id === undefined ? [] : [item.call_id]));
    assert.deepEqual(ids, ['call_lookup_0', 'call_lookup_0'], 'the call and its output still pair');
  });
});

describe('a tool call id from an OpenAI-compatible server answered by an Anthropic model', () => {
  it('chat completions: Kimi-style ids (functions.lookup:0) reach Anthropic in its id pattern', async () => {
    const client = t.client();
    const first = await client.chat.completions.create({ model: 'e2e-kimi', tools, messages: [{ role: 'user', content: 'weather in Paris' }] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.id, 'functions.lookup:0');
    const second = await client.chat.completions.create({
      model: MODELS.anthropic,
      tools,
      messages: [
        { role: 'user', content: 'weather in Paris' },
        { role: 'assistant', content: null, tool_calls: [call!] },
        { role: 'tool', tool_call_id: call!.id, content: 'sunny' },
      ],
    });
    assert.equal(second.choices[0]?.message.content, 'Echo: sunny');
  });
});
