// `reasoning_effort: "max"` on /v1/chat/completions (OpenAI's ReasoningEffort has it, as
// `reasoning.effort` on /v1/responses): accepted, sent as `max` to an OpenAI-family row (the value
// as the client wrote it), and served exactly as `xhigh` by every other vendor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import type { RecordedRequest } from '../helpers/mock-server.js';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let client: OpenAI;

type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type Effort = 'max' | 'xhigh';

const ask = (model: string, effort: Effort): Params => ({ model, messages: [{ role: 'user', content: 'think hard' }], reasoning_effort: effort });
const bodyOf = (request: RecordedRequest | undefined): Record<string, unknown> => (request?.body ?? {}) as Record<string, unknown>;

before(async () => {
  t = await startTestGateway();
  client = t.client();
  await t.db.exec(`
insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
  values ('e2e-compatible', 'CustomProvider', '${t.openai.baseUrl}', '["E2E_OPENAI_API_KEY"]');
insert into public.ai_models (name, provider_id, model_id)
  select 'e2e-compatible-chat', id, 'gpt-4o-mini' from public.ai_providers where name = 'e2e-compatible';
insert into public.ai_models (name, provider_id, model_id, max_tokens)
  select 'e2e-claude-budget', id, 'claude-test-1', 64000 from public.ai_providers where name = 'e2e-anthropic';
insert into public.ai_models (name, provider_id, model_id, max_tokens)
  select 'e2e-claude-4-7', id, 'claude-opus-4-7', 64000 from public.ai_providers where name = 'e2e-anthropic';
insert into public.ai_models (name, provider_id, model_id, max_tokens)
  select 'e2e-claude-4-6', id, 'claude-sonnet-4-6', 64000 from public.ai_providers where name = 'e2e-anthropic';
insert into public.ai_models (name, provider_id, model_id)
  select 'e2e-gemini-3', id, 'gemini-3-flash-preview' from public.ai_providers where name = 'e2e-google';`);
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
});

describe('reasoning_effort "max" on /v1/chat/completions', () => {
  it('reaches an OpenAI-family row as max, streamed or not (OpenAI and an OpenAI-compatible Custom row)', async () => {
    for (const model of [MODELS.openai, 'e2e-compatible-chat']) {
      const completion = await client.chat.completions.create(ask(model, 'max'));
      assert.equal(completion.choices[0]?.message.content, 'Echo: think hard', model);
      assert.equal(bodyOf(t.openai.requests.at(-1))['reasoning_effort'], 'max', model);
      const stream = await client.chat.completions.create({ ...ask(model, 'max'), stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, 'Echo: think hard', model);
      assert.equal(bodyOf(t.openai.requests.at(-1))['reasoning_effort'], 'max', model);
    }
  });

  it('is served as xhigh by every other vendor: the same upstream reasoning control', async () => {
    const cases: { model: string; requests: () => RecordedRequest[]; control: (body: Record<string, unknown>) => unknown; expected: unknown }[] = [
      { model: 'e2e-claude-budget', requests: () => t.anthropic.requests, control: (body) => body['thinking'], expected: { type: 'enabled', budget_tokens: 32768 } },
      { model: 'e2e-claude-4-7', requests: () => t.anthropic.requests, control: (body) => body['output_config'], expected: { effort: 'xhigh' } },
      { model: 'e2e-claude-4-6', requests: () => t.anthropic.requests, control: (body) => body['output_config'], expected: { effort: 'high' } },
      {
        model: MODELS.google,
        requests: () => t.google.requests,
        control: (body) => (body['generationConfig'] as Record<string, unknown> | undefined)?.['thinkingConfig'],
        expected: { thinkingBudget: 24576, includeThoughts: true },
      },
      {
        model: 'e2e-gemini-3',
        requests: () => t.google.requests,
        control: (body) => (body['generationConfig'] as Record<string, unknown> | undefined)?.['thinkingConfig'],
        expected: { thinkingLevel: 'HIGH', includeThoughts: true },
      },
      { model: MODELS.cohere, requests: () => t.cohere.requests, control: (body) => body['thinking'], expected: { type: 'enabled', token_budget: 32768 } },
    ];
    for (const { model, requests, control, expected } of cases) {
      const sent = async (effort: Effort): Promise<Record<string, unknown>> => {
        const completion = await client.chat.completions.create(ask(model, effort));
        assert.equal(completion.choices[0]?.message.content, 'Echo: think hard', `${model} ${effort}`);
        return bodyOf(requests().at(-1));
      };
      const max = await sent('max');
      assert.deepEqual(control(max), expected, model);
      assert.doesNotMatch(JSON.stringify(max), /"max"/, `${model}: no max in the vendor body`);
      assert.deepEqual(max, await sent('xhigh'), `${model}: the same body as xhigh`);
    }
  });
});
