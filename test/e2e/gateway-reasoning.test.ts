// Reasoning controls and native fields through /v1/chat/completions with the real openai SDK:
// reasoning_effort reaches each vendor's mock in its own form, reasoning text and tokens come
// back (reasoning_content, streaming too), OpenAI-native fields reach OpenAI rows and are refused
// (400 naming the field) or dropped for other families, and a model row overrides that per field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { RecordedRequest } from '../helpers/mock-server.js';
import { MODELS, startTestGateway, UPSTREAM_KEYS, type TestGateway } from '../helpers/gateway.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';

let t: TestGateway;
let client: OpenAI;
let deepseek: OpenAIMock;

const body = (request: RecordedRequest | undefined): Record<string, unknown> => (request?.body ?? {}) as Record<string, unknown>;
const ask = (model: string, extra: Record<string, unknown> = {}): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming =>
  ({ model, messages: [{ role: 'user', content: 'think hard' }], ...extra }) as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }];
/** The second turn of a tool loop: the first turn's call answered with 'found it'. */
const answerCall = (model: string, call: OpenAI.Chat.Completions.ChatCompletionMessageToolCall, extra: Record<string, unknown> = {}) =>
  client.chat.completions.create({
    model,
    tools,
    messages: [
      { role: 'user', content: 'think hard' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: 'found it' },
    ],
    ...extra,
  } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming);
/** The non-standard reasoning field of a message or delta. */
const reasoningOf = (value: object | undefined): unknown => (value as { reasoning_content?: unknown } | undefined)?.reasoning_content;

before(async () => {
  t = await startTestGateway();
  client = t.client();
  deepseek = await startOpenAIMock({ apiKeys: [UPSTREAM_KEYS.openai], reasoningContent: true });
  await t.db.exec(`
insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
  values ('e2e-deepseek', 'CustomProvider', '${deepseek.baseUrl}', '["E2E_OPENAI_API_KEY"]');
insert into public.ai_models (name, provider_id, model_id, max_tokens, features)
  select 'e2e-claude-think', id, 'claude-test-1', 64000, '{"reasoning": true}' from public.ai_providers where name = 'e2e-anthropic';
insert into public.ai_models (name, provider_id, model_id, max_tokens)
  select 'e2e-claude-4-7', id, 'claude-opus-4-7', 64000 from public.ai_providers where name = 'e2e-anthropic';
insert into public.ai_models (name, provider_id, model_id, max_tokens)
  select 'e2e-claude-4-6', id, 'claude-sonnet-4-6', 64000 from public.ai_providers where name = 'e2e-anthropic';
insert into public.ai_models (name, provider_id, model_id, features)
  select 'e2e-claude-logprobs-drop', id, 'claude-test-1', '{"native_fields": {"logprobs": "drop"}}' from public.ai_providers where name = 'e2e-anthropic';
insert into public.ai_models (name, provider_id, model_id)
  select 'e2e-gemini-3', id, 'gemini-3-flash-preview' from public.ai_providers where name = 'e2e-google';
insert into public.ai_models (name, provider_id, model_id, features)
  select 'e2e-gpt-plain', id, 'gpt-4o-mini', '{"reasoning": false}' from public.ai_providers where name = 'e2e-openai';
insert into public.ai_models (name, provider_id, model_id)
  select 'e2e-deepseek-r', id, 'deepseek-reasoner' from public.ai_providers where name = 'e2e-deepseek';`);
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
  await deepseek.close();
});

describe('reasoning_effort across vendors', () => {
  it('OpenAI: reaches the mock as sent; reasoning tokens in usage', async () => {
    const completion = await client.chat.completions.create(ask(MODELS.openai, { reasoning_effort: 'low' }));
    assert.equal(body(t.openai.requests.at(-1))['reasoning_effort'], 'low');
    assert.equal(completion.usage?.completion_tokens_details?.reasoning_tokens, 7);
  });

  it('Anthropic: becomes a thinking budget; thinking text back in reasoning_content', async () => {
    const completion = await client.chat.completions.create(ask('e2e-claude-think', { reasoning_effort: 'medium', max_tokens: 16_000, temperature: 0.3 }));
    const sent = body(t.anthropic.requests.at(-1));
    assert.deepEqual(sent['thinking'], { type: 'enabled', budget_tokens: 8192 });
    assert.equal(sent['max_tokens'], 16_000, "the client's limit, thinking included");
    assert.equal(sent['temperature'], undefined, 'temperature other than 1 is dropped while thinking');
    assert.equal(reasoningOf(completion.choices[0]?.message), 'Thinking about: think hard');
    assert.equal(completion.choices[0]?.message.content, 'Echo: think hard');
    assert.equal(completion.usage?.completion_tokens_details?.reasoning_tokens, 4);
  });

  it("Anthropic: the budget fits under the client's max_completion_tokens; a limit too small for Anthropic's 1024 leaves thinking off", async () => {
    await client.chat.completions.create(ask('e2e-claude-think', { reasoning_effort: 'high', max_completion_tokens: 3000 }));
    const fitted = body(t.anthropic.requests.at(-1));
    assert.deepEqual([fitted['max_tokens'], fitted['thinking']], [3000, { type: 'enabled', budget_tokens: 1500 }]);
    const completion = await client.chat.completions.create(ask('e2e-claude-think', { reasoning_effort: 'high', max_completion_tokens: 500 }));
    const plain = body(t.anthropic.requests.at(-1));
    assert.deepEqual([plain['max_tokens'], 'thinking' in plain], [500, false]);
    assert.equal(completion.choices[0]?.message.content, 'Echo: think hard');
  });

  it('Anthropic streaming: thinking deltas arrive as delta.reasoning_content before the text', async () => {
    const stream = await client.chat.completions.create({ ...ask('e2e-claude-think', { reasoning_effort: 'low' }), stream: true });
    const order: string[] = [];
    let reasoning = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      const piece = reasoningOf(delta);
      if (typeof piece === 'string') {
        reasoning += piece;
        order.push('reasoning');
      }
      if (delta?.content) order.push('text');
    }
    assert.equal(reasoning, 'Thinking about: think hard');
    assert.ok(order.indexOf('text') > order.lastIndexOf('reasoning'), order.join(','));
    assert.deepEqual(body(t.anthropic.requests.at(-1))['thinking'], { type: 'enabled', budget_tokens: 2048 });
  });

  it('Claude 4.7: adaptive thinking with output_config.effort, summaries shown; sampling controls never sent', async () => {
    const completion = await client.chat.completions.create(ask('e2e-claude-4-7', { reasoning_effort: 'xhigh', max_tokens: 40_000, temperature: 0.3, top_p: 0.5 }));
    const sent = body(t.anthropic.requests.at(-1));
    assert.deepEqual(sent['thinking'], { type: 'adaptive', display: 'summarized' });
    assert.deepEqual(sent['output_config'], { effort: 'xhigh' });
    assert.equal(sent['max_tokens'], 40_000);
    assert.equal(reasoningOf(completion.choices[0]?.message), 'Thinking about: think hard');
    const plain = await client.chat.completions.create(ask('e2e-claude-4-7', { temperature: 0.2, top_p: 0.9 }));
    const plainSent = body(t.anthropic.requests.at(-1));
    assert.equal(plain.choices[0]?.message.content, 'Echo: think hard');
    assert.equal('temperature' in plainSent || 'top_p' in plainSent || 'thinking' in plainSent, false);
  });

  it('Claude 4.6: adaptive thinking; minimal is low, xhigh (4.7 and later only) is high; sampling kept when not thinking', async () => {
    await client.chat.completions.create(ask('e2e-claude-4-6', { reasoning_effort: 'minimal' }));
    assert.deepEqual(body(t.anthropic.requests.at(-1))['output_config'], { effort: 'low' });
    await client.chat.completions.create({ ...ask('e2e-claude-4-6', { reasoning_effort: 'xhigh' }), stream: true }).then(async (stream) => {
      for await (const chunk of stream) void chunk;
    });
    const sent = body(t.anthropic.requests.at(-1));
    assert.deepEqual([sent['thinking'], sent['output_config']], [{ type: 'adaptive', display: 'summarized' }, { effort: 'high' }]);
    await client.chat.completions.create(ask('e2e-claude-4-6', { temperature: 0.2 }));
    assert.equal(body(t.anthropic.requests.at(-1))['temperature'], 0.2);
  });

  it('Anthropic tool loop over chat completions: the turn that answers tool calls goes without thinking (the client cannot send its signature back)', async () => {
    for (const model of ['e2e-claude-think', 'e2e-claude-4-7']) {
      const first = await client.chat.completions.create(ask(model, { reasoning_effort: 'medium', tools }));
      const call = first.choices[0]?.message.tool_calls?.[0];
      assert.ok(call, `${model}: the first turn calls the tool`);
      assert.ok(body(t.anthropic.requests.at(-1))['thinking'], `${model}: the first turn thinks`);
      const second = await answerCall(model, call, { reasoning_effort: 'medium' });
      assert.equal(second.choices[0]?.message.content, 'Echo: found it', model);
      assert.equal(body(t.anthropic.requests.at(-1))['thinking'], undefined, model);
    }
  });

  it('Gemini 2.5: becomes thinkingConfig.thinkingBudget with includeThoughts; thoughts and their tokens come back', async () => {
    const completion = await client.chat.completions.create(ask(MODELS.google, { reasoning_effort: 'high' }));
    const config = (body(t.google.requests.at(-1))['generationConfig'] ?? {}) as Record<string, unknown>;
    assert.deepEqual(config['thinkingConfig'], { thinkingBudget: 24576, includeThoughts: true });
    assert.equal(reasoningOf(completion.choices[0]?.message), 'Thinking about: think hard');
    assert.equal(completion.usage?.completion_tokens_details?.reasoning_tokens, 11);
  });

  it('Gemini 3: becomes thinkingConfig.thinkingLevel; none turns the thought summaries off', async () => {
    await client.chat.completions.create(ask('e2e-gemini-3', { reasoning_effort: 'medium' }));
    const config = (body(t.google.requests.at(-1))['generationConfig'] ?? {}) as Record<string, unknown>;
    assert.deepEqual(config['thinkingConfig'], { thinkingLevel: 'MEDIUM', includeThoughts: true });
    const quiet = await client.chat.completions.create(ask('e2e-gemini-3', { reasoning_effort: 'none' }));
    const quietConfig = (body(t.google.requests.at(-1))['generationConfig'] ?? {}) as Record<string, unknown>;
    assert.deepEqual(quietConfig['thinkingConfig'], { thinkingLevel: 'MINIMAL', includeThoughts: false });
    assert.equal(reasoningOf(quiet.choices[0]?.message), undefined);
  });

  it("Gemini 3 tool loop over chat completions: the call's thought signature travels in its id and goes back to Gemini", async () => {
    const first = await client.chat.completions.create(ask('e2e-gemini-3', { tools }));
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.ok(call);
    assert.match(call.id, /^call_[0-9a-f]+__sbgid__fc\d+x__sbsig__[A-Za-z0-9_-]+$/);
    await answerCall('e2e-gemini-3', call);
    const contents = (body(t.google.requests.at(-1))['contents'] ?? []) as { parts: Record<string, unknown>[] }[];
    const echoed = contents[1]?.parts[0]?.['thoughtSignature'];
    assert.equal(typeof echoed, 'string');
    // The mock signs `signature-<n>` (base64): the model's own signature, not the stand-in for foreign history.
    assert.match(Buffer.from(String(echoed), 'base64').toString(), /^signature-\d+$/);
  });

  it('Cohere: becomes thinking with a token budget', async () => {
    await client.chat.completions.create(ask(MODELS.cohere, { reasoning_effort: 'minimal' }));
    assert.deepEqual(body(t.cohere.requests.at(-1))['thinking'], { type: 'enabled', token_budget: 1024 });
  });

  it('a model row with reasoning: false drops the effort (a no-op, not an upstream error)', async () => {
    const completion = await client.chat.completions.create(ask('e2e-gpt-plain', { reasoning_effort: 'high' }));
    assert.equal(completion.choices[0]?.message.content, 'Echo: think hard');
    assert.equal('reasoning_effort' in body(t.openai.requests.at(-1)), false);
  });

  it('a DeepSeek-like row: reasoning_content comes back, streamed too, and is not sent back in history', async () => {
    const completion = await client.chat.completions.create(ask('e2e-deepseek-r'));
    assert.equal(reasoningOf(completion.choices[0]?.message), 'Thinking about: think hard');
    const stream = await client.chat.completions.create({ ...ask('e2e-deepseek-r'), stream: true });
    let reasoning = '';
    for await (const chunk of stream) {
      const piece = reasoningOf(chunk.choices[0]?.delta);
      if (typeof piece === 'string') reasoning += piece;
    }
    assert.equal(reasoning, 'Thinking about: think hard');
  });

  it('an unknown effort is a 400 naming reasoning_effort', async () => {
    await assert.rejects(client.chat.completions.create(ask(MODELS.openai, { reasoning_effort: 'extreme' })), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 400);
      assert.equal(error.param, 'reasoning_effort');
      return true;
    });
  });
});

describe('native fields', () => {
  it('OpenAI rows get logprobs, top_logprobs, service_tier and other native fields as sent, and the vendor answers come back', async () => {
    const native = { logprobs: true, top_logprobs: 2, service_tier: 'auto' };
    const scoped = { prompt_cache_key: 'k1', safety_identifier: 'sid' };
    const completion = await client.chat.completions.create(ask(MODELS.openai, { ...native, ...scoped, store: false, metadata: { team: 'a' } }));
    const sent = body(t.openai.requests.at(-1));
    for (const [field, value] of Object.entries(native)) assert.deepEqual(sent[field], value, field);
    // The test gateway's key is an env var every project shares: the cache key and end-user id go
    // as the project's pseudonyms (test/security/shared-account-ids.test.ts).
    for (const field of Object.keys(scoped)) assert.match(String(sent[field]), /^sb_[A-Za-z0-9_-]{32}$/, field);
    // Secure defaults (chat-native-store.test.ts): store and metadata are not sent without a row rule.
    assert.equal('store' in sent || 'metadata' in sent, false);
    assert.equal(completion.service_tier, 'auto');
    const logprobs = completion.choices[0]?.logprobs?.content ?? [];
    assert.deepEqual(logprobs.map((entry) => entry.token), ['Echo:', ' think', ' hard']);
    assert.equal(logprobs[0]?.top_logprobs.length, 2);
  });

  it('OpenAI rows stream logprobs per chunk', async () => {
    const stream = await client.chat.completions.create({ ...ask(MODELS.openai, { logprobs: true }), stream: true });
    const tokens: string[] = [];
    for await (const chunk of stream) for (const entry of chunk.choices[0]?.logprobs?.content ?? []) tokens.push(entry.token);
    assert.deepEqual(tokens, ['Echo:', ' think', ' hard']);
  });

  it('logprobs to an Anthropic model is a 400 naming the field, before any upstream call', async () => {
    const before = t.anthropic.requests.length;
    await assert.rejects(client.chat.completions.create(ask(MODELS.anthropic, { logprobs: true })), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'unsupported_feature');
      assert.equal(error.param, 'logprobs');
      assert.match(error.message, /logprobs/);
      return true;
    });
    assert.equal(t.anthropic.requests.length, before);
  });

  it('fields that do not change the answer are dropped for other families', async () => {
    for (const [model, requests] of [[MODELS.anthropic, t.anthropic.requests], [MODELS.google, t.google.requests], [MODELS.cohere, t.cohere.requests]] as const) {
      const completion = await client.chat.completions.create(ask(model, { service_tier: 'flex', store: true, metadata: { a: 'b' }, modalities: ['text'] }));
      assert.equal(completion.choices[0]?.message.content, 'Echo: think hard', model);
      const sent = body(requests.at(-1));
      assert.equal('store' in sent || 'metadata' in sent || 'modalities' in sent, false, model);
    }
  });

  it("a model row's native_fields overrides the rule per field", async () => {
    const completion = await client.chat.completions.create(ask('e2e-claude-logprobs-drop', { logprobs: true }));
    assert.equal(completion.choices[0]?.message.content, 'Echo: think hard');
    assert.equal('logprobs' in body(t.anthropic.requests.at(-1)), false);
  });
});
