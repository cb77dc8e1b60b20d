// Reasoning round trips on /v1/responses: Anthropic's signed thinking comes back as a `reasoning`
// item (signature sealed in `encrypted_content`), and a client that sends the items back (as the
// Agents SDK and Codex do) gets the signed block to Anthropic unchanged, which the strict mock
// verifies. Streams carry the same item, and signatures of one vendor never reach another.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { MODELS, type TestGateway } from '../helpers/gateway.js';
import { signThinking } from '../mock-vendors/anthropic-checks.js';
import { CLAUDE_THINKING_MODEL, CUSTOM_MODEL, startResponsesGateway } from './responses-helpers.js';

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
  client = t.client();
});
after(async () => {
  await t.close();
});

type Item = OpenAI.Responses.ResponseOutputItem;

/** The thinking blocks of the assistant turns of the last request Anthropic received. */
function thinkingSentToAnthropic(): { thinking: string; signature: string }[] {
  const body = t.anthropic.requests.at(-1)?.body as { messages: { role: string; content: unknown }[] };
  return body.messages
    .filter((message) => message.role === 'assistant' && Array.isArray(message.content))
    .flatMap((message) => message.content as { type: string; thinking: string; signature: string }[])
    .filter((block) => block.type === 'thinking')
    .map(({ thinking, signature }) => ({ thinking, signature }));
}

async function secondTurn(model: string, first: readonly Item[], withReasoning = true): Promise<OpenAI.Responses.Response> {
  const call = first.find((item) => item.type === 'function_call');
  assert.ok(call?.type === 'function_call', JSON.stringify(first));
  return client.responses.create({
    model,
    tools: [lookup],
    ...(withReasoning ? { reasoning: { effort: 'low' as const } } : {}),
    input: [{ role: 'user', content: 'weather in Oslo' }, ...(first as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: call.call_id, output: 'snow' }],
  });
}

describe('Anthropic thinking through /v1/responses', () => {
  it('a signed thinking block round-trips through a reasoning item (two turns with a tool)', async () => {
    const first = await client.responses.create({ model: CLAUDE_THINKING_MODEL, input: 'weather in Oslo', tools: [lookup], reasoning: { effort: 'low' } });
    assert.deepEqual(first.output.map((item) => item.type), ['reasoning', 'function_call']);
    const reasoning = first.output[0];
    assert.ok(reasoning?.type === 'reasoning');
    assert.equal(reasoning.summary[0]?.text, 'Thinking about: weather in Oslo');
    assert.match(reasoning.encrypted_content ?? '', /^swb1\./, 'the signature is sealed in encrypted_content');
    assert.ok(!(reasoning.encrypted_content ?? '').includes(signThinking('Thinking about: weather in Oslo')), 'sealed, not in clear');

    const second = await secondTurn(CLAUDE_THINKING_MODEL, first.output);
    assert.equal(second.output_text, 'Echo: snow');
    assert.deepEqual(thinkingSentToAnthropic(), [
      { thinking: 'Thinking about: weather in Oslo', signature: signThinking('Thinking about: weather in Oslo') },
    ]);
  });

  it('a streamed thinking block arrives as reasoning summary events and round-trips the same way', async () => {
    const stream = client.responses.stream({ model: CLAUDE_THINKING_MODEL, input: 'weather in Oslo', tools: [lookup], reasoning: { effort: 'low' } });
    const types: string[] = [];
    let summary = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.reasoning_summary_text.delta') summary += event.delta;
    }
    const first = await stream.finalResponse();
    assert.equal(summary, 'Thinking about: weather in Oslo');
    assert.ok(types.indexOf('response.reasoning_summary_text.delta') < types.indexOf('response.function_call_arguments.delta'), 'reasoning first');
    assert.ok((first.usage?.output_tokens_details.reasoning_tokens ?? 0) > 0);
    const second = await secondTurn(CLAUDE_THINKING_MODEL, first.output);
    assert.equal(second.output_text, 'Echo: snow');
    assert.deepEqual(thinkingSentToAnthropic(), [
      { thinking: 'Thinking about: weather in Oslo', signature: signThinking('Thinking about: weather in Oslo') },
    ]);
  });

  it('reasoning from another vendor is not sent to Anthropic', async () => {
    const fromGemini = await client.responses.create({ model: MODELS.google, input: 'weather in Oslo', tools: [lookup], reasoning: { effort: 'low' } });
    assert.ok(fromGemini.output.some((item) => item.type === 'reasoning'));
    // Without thinking on this turn: Anthropic itself refuses thinking when the tool turn being
    // answered has no (Anthropic-signed) thinking block.
    const second = await secondTurn(CLAUDE_THINKING_MODEL, fromGemini.output, false);
    assert.equal(second.output_text, 'Echo: snow');
    assert.deepEqual(thinkingSentToAnthropic(), []);
  });
});

describe('reasoning.effort "max" on the normalized path', () => {
  it('is served as xhigh (as /v1/messages maps effort max) and echoed as sent', async () => {
    const custom = await client.responses.create({ model: CUSTOM_MODEL, input: 'think hard', reasoning: { effort: 'max' } });
    assert.equal(custom.output_text, 'Echo: think hard');
    assert.equal(custom.reasoning?.effort, 'max');
    assert.match(JSON.stringify(t.openai.requests.at(-1)?.body), /"reasoning_effort":"xhigh"/);

    const thinkingFor = async (effort: 'max' | 'xhigh'): Promise<unknown> => {
      const response = await client.responses.create({ model: CLAUDE_THINKING_MODEL, input: 'think hard', reasoning: { effort } });
      assert.equal(response.status, 'completed');
      assert.equal(response.reasoning?.effort, effort);
      return (t.anthropic.requests.at(-1)?.body as { thinking?: unknown }).thinking;
    };
    const max = await thinkingFor('max');
    assert.ok(max !== undefined, 'thinking is on');
    assert.deepEqual(max, await thinkingFor('xhigh'));
  });
});
