// Chat completions served by Gemini and Cohere, through the openai SDK: translation defects found in review.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startTestGateway();
  client = t.client();
});
after(async () => {
  await t.close();
});

const lookup = { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };

describe('Gemini', () => {
  it('results of parallel calls to one function, sent back in another order, reach their own calls', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'look up a and b' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } },
          { id: 'call_b', type: 'function', function: { name: 'lookup', arguments: '{"q":"b"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_b', content: 'B' },
      { role: 'tool', tool_call_id: 'call_a', content: 'A' },
    ];
    const completion = await client.chat.completions.create({ model: MODELS.google, messages, tools: [lookup] });
    // The mock pairs as Gemini does without ids: by name, then position.
    assert.equal(completion.choices[0]?.message.content, 'Echo: lookup({"q":"a"})=A; lookup({"q":"b"})=B');
    const stream = await client.chat.completions.create({ model: MODELS.google, messages, tools: [lookup], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Echo: lookup({"q":"a"})=A; lookup({"q":"b"})=B');
  });
});

describe('Cohere', () => {
  it('empty system, user and assistant messages, which OpenAI takes, are left out instead of failing with 400', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: '' },
      { role: 'developer', content: '' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '' },
      { role: 'user', content: [{ type: 'text', text: '' }] },
      { role: 'assistant', content: null },
      { role: 'user', content: 'again' },
    ];
    const completion = await client.chat.completions.create({ model: MODELS.cohere, messages });
    assert.equal(completion.choices[0]?.message.content, 'Echo: again');
    assert.deepEqual(
      (t.cohere.requests.at(-1)?.body as { messages: unknown }).messages,
      [{ role: 'user', content: 'hi' }, { role: 'user', content: 'again' }],
    );
  });
});
