// OpenAI's refusal (structured outputs) served through the normalized path, as each
// SDK sees it. The upstream answers with OpenAI's real refusal shapes: `message.refusal` with
// `content: null`, and streamed `delta.refusal` chunks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { z } from 'zod';
import { zodResponseFormat } from 'openai/helpers/zod';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { anthropicClient } from '../helpers/messages-gateway.js';
import { sendJson, startMockServer, type MockServer } from '../helpers/mock-server.js';

const MODEL = 'e2e-refusing-gpt';
const REFUSAL = "I'm sorry, I can't help with that.";
let t: TestGateway;
let upstream: MockServer;

function chunks(): unknown[] {
  const base = { id: 'chatcmpl-ref', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06' };
  const chunk = (delta: unknown, finish: string | null = null): unknown => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  return [
    chunk({ role: 'assistant', content: null, refusal: '' }),
    chunk({ refusal: "I'm sorry," }),
    chunk({ refusal: " I can't help with that." }),
    chunk({}, 'stop'),
    { ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: 8, total_tokens: 18 } },
  ];
}

before(async () => {
  t = await startTestGateway();
  upstream = await startMockServer(async (request, response) => {
    if ((request.body as { stream?: boolean }).stream === true) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const chunk of chunks()) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      response.end('data: [DONE]\n\n');
      return;
    }
    sendJson(response, 200, {
      id: 'chatcmpl-ref',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: REFUSAL, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 8, total_tokens: 18 },
    });
  });
  await t.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
     values ('e2e-refusing', 'OpenAIProvider', $1, '["E2E_OPENAI_API_KEY"]'::jsonb)`,
    [`${upstream.origin}/v1`],
  );
  await t.db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o-2024-08-06' from public.ai_providers where name = 'e2e-refusing'`, [MODEL]);
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
  await upstream.close();
});

const format = zodResponseFormat(z.object({ answer: z.string() }), 'answer');

describe("OpenAI's refusal through the gateway", () => {
  it('chat completions, not streamed: message.refusal (control: holds)', async () => {
    const completion = await t.client().chat.completions.parse({ model: MODEL, messages: [{ role: 'user', content: 'bad' }], response_format: format });
    assert.equal(completion.choices[0]?.message.refusal, REFUSAL);
    assert.equal(completion.choices[0]?.message.parsed, null);
  });

  it('chat completions, streamed: the SDK assembles message.refusal', async () => {
    const stream = t.client().chat.completions.stream({ model: MODEL, messages: [{ role: 'user', content: 'bad' }], response_format: format });
    const refusals: string[] = [];
    stream.on('refusal.delta', (event) => refusals.push(event.delta));
    const final = await stream.finalChatCompletion();
    assert.equal(final.choices[0]?.message.refusal, REFUSAL);
    assert.equal(refusals.join(''), REFUSAL);
  });

  it('Responses (normalized path via a Custom row), streamed: a refusal content part', async () => {
    await t.db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
       values ('e2e-refusing-custom', 'CustomProvider', $1, '["E2E_OPENAI_API_KEY"]'::jsonb) on conflict do nothing`,
      [`${upstream.origin}/v1`],
    );
    await t.db.query(`insert into public.ai_models (name, provider_id, model_id) select 'e2e-refusing-custom', id, 'gpt-4o' from public.ai_providers where name = 'e2e-refusing-custom'`);
    await t.watcher.refresh();
    const complete = await t.client().responses.create({ model: 'e2e-refusing-custom', input: 'bad' });
    const part = (r: OpenAI.Responses.Response): unknown => {
      const message = r.output.find((item) => item.type === 'message');
      const first = message?.type === 'message' ? message.content[0] : undefined;
      return first?.type === 'refusal' ? { type: first.type, refusal: first.refusal } : first;
    };
    assert.deepEqual(part(complete), { type: 'refusal', refusal: REFUSAL }, 'complete answer (control)');
    const final = await t.client().responses.stream({ model: 'e2e-refusing-custom', input: 'bad' }).finalResponse();
    assert.deepEqual(part(final), { type: 'refusal', refusal: REFUSAL }, 'streamed answer');
  });

  it('Anthropic Messages: the refusal is not an empty end_turn message', async () => {
    const claude = anthropicClient(t);
    const message = await claude.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'bad' }] });
    assert.notDeepEqual({ content: message.content, stop: message.stop_reason }, { content: [], stop: 'end_turn' }, 'the refusal vanished');
    const final = await claude.messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'bad' }] }).finalMessage();
    assert.notDeepEqual({ content: final.content, stop: final.stop_reason }, { content: [], stop: 'end_turn' }, 'the streamed refusal vanished');
  });
});
