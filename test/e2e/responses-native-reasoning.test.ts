// Reasoning models on the native path (OpenAI's own /v1/responses). The gateway always sends
// `store: false`, under which OpenAI keeps no reasoning item: a client that replays a response's
// output (the SDKs' canonical tool loop, `input.push(...response.output)`) gets 404 for every `rs_…`
// item unless it carries `encrypted_content`. So for a row with `features.reasoning: true` the
// gateway asks for it (`include: ["reasoning.encrypted_content"]`), and never for a row without the
// flag (OpenAI answers 400 to it for a model that does not reason). The strict mock behaves like
// OpenAI on all three counts. Also: `reasoning.effort: "max"` passes through unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { MODELS, type TestGateway } from '../helpers/gateway.js';
import { startResponsesGateway } from './responses-helpers.js';

/** An OpenAI reasoning model whose row says so. */
const GPT_REASONING_MODEL = 'e2e-gpt-reasoning';

const lookup: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'lookup',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  strict: false,
};

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startResponsesGateway();
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id, features)
     select $1, id, 'gpt-5-mini', '{"reasoning": true}'::jsonb from public.ai_providers where name = 'e2e-openai'`,
    [GPT_REASONING_MODEL],
  );
  await t.watcher.refresh();
  client = t.client();
});
after(async () => {
  await t.close();
});

/** The body of the last /responses request OpenAI received. */
function sentToOpenAI(): Record<string, unknown> {
  const request = t.openai.requests.filter((candidate) => candidate.url.endsWith('/responses')).at(-1);
  assert.ok(request, 'OpenAI was called');
  return request.body as Record<string, unknown>;
}

/** The canonical loop's second call: the first response's output replayed, then the tool's output. */
async function secondTurn(first: OpenAI.Responses.Response, extra: Partial<OpenAI.Responses.ResponseCreateParamsNonStreaming> = {}): Promise<OpenAI.Responses.Response> {
  const call = first.output.find((item) => item.type === 'function_call');
  assert.ok(call?.type === 'function_call', JSON.stringify(first.output));
  const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'weather in Oslo' }];
  input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]));
  input.push({ type: 'function_call_output', call_id: call.call_id, output: 'snow' });
  return client.responses.create({ model: GPT_REASONING_MODEL, tools: [lookup], reasoning: { effort: 'low' }, input, ...extra });
}

describe('reasoning models on the native path: replayed reasoning items', () => {
  it('a two-turn tool loop without store succeeds: the reasoning item comes back with encrypted_content', async () => {
    const first = await client.responses.create({ model: GPT_REASONING_MODEL, input: 'weather in Oslo', tools: [lookup], reasoning: { effort: 'low' } });
    assert.deepEqual(first.output.map((item) => item.type), ['reasoning', 'function_call']);
    const sent = sentToOpenAI();
    // Without encrypted_content OpenAI answers this call 404 "Item with id 'rs_…' not found".
    const second = await secondTurn(first);
    assert.equal(second.status, 'completed');
    assert.equal(second.output_text, 'Echo: snow');

    assert.equal(sent['store'], false);
    assert.deepEqual(sent['include'], ['reasoning.encrypted_content']);
    const reasoning = first.output[0];
    assert.ok(reasoning?.type === 'reasoning');
    assert.ok((reasoning.encrypted_content ?? '') !== '', 'encrypted_content on the reasoning item');
    const replayed = (sentToOpenAI()['input'] as { type?: string; encrypted_content?: string }[]).find((item) => item.type === 'reasoning');
    assert.equal(replayed?.encrypted_content, reasoning.encrypted_content, 'the reasoning item reached OpenAI with its encrypted_content');
  });

  it('the same loop with a streamed first turn', async () => {
    const stream = client.responses.stream({ model: GPT_REASONING_MODEL, input: 'weather in Oslo', tools: [lookup], reasoning: { effort: 'low' } });
    for await (const event of stream) assert.ok(event.sequence_number >= 0);
    const first = await stream.finalResponse();
    const second = await secondTurn(first, { stream: false });
    assert.equal(second.output_text, 'Echo: snow');
  });

  it('merges with the client\'s own include, without duplicates', async () => {
    await client.responses.create({ model: GPT_REASONING_MODEL, input: 'x', include: ['message.output_text.logprobs'] });
    assert.deepEqual(sentToOpenAI()['include'], ['message.output_text.logprobs', 'reasoning.encrypted_content']);
    await client.responses.create({ model: GPT_REASONING_MODEL, input: 'x', include: ['reasoning.encrypted_content', 'message.output_text.logprobs'] });
    assert.deepEqual(sentToOpenAI()['include'], ['reasoning.encrypted_content', 'message.output_text.logprobs']);
  });

  it('leaves include alone when the client sent store: false itself, or the row does not reason', async () => {
    await client.responses.create({ model: GPT_REASONING_MODEL, input: 'x', store: false, reasoning: { effort: 'low' } });
    assert.equal(sentToOpenAI()['include'], undefined, 'a client sending store: false chose its own include');
    // gpt-4o-mini: OpenAI (and the mock) answer 400 "Encrypted content is not supported with this model".
    const plain = await client.responses.create({ model: MODELS.openai, input: 'plain model' });
    assert.equal(plain.output_text, 'Echo: plain model');
    assert.equal(sentToOpenAI()['include'], undefined);
    assert.equal(sentToOpenAI()['store'], false);
  });
});

describe('reasoning.effort "max" on the native path', () => {
  it('passes through unchanged', async () => {
    const response = await client.responses.create({ model: GPT_REASONING_MODEL, input: 'think hard', reasoning: { effort: 'max' } });
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'Echo: think hard');
    assert.deepEqual(sentToOpenAI()['reasoning'], { effort: 'max' });
  });
});
