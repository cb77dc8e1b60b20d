// Empty messages, which OpenAI takes, through the openai SDK to Anthropic and Gemini: what can be
// left out is left out; a conversation with nothing left to send is our own 400, before any upstream call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
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

const empties: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: '' },
  { role: 'developer', content: '' },
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: 'hello' },
  { role: 'user', content: '' },
  { role: 'assistant', content: 'there' },
  { role: 'user', content: [{ type: 'text', text: '' }] },
  { role: 'assistant', content: '' },
  { role: 'assistant', content: null },
  { role: 'user', content: 'again' },
];

// Nothing left to send once the empty message is left out.
const onlyEmpty: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: '' },
];
// Left out, the empty last message would leave the assistant's answer to be continued, not answered.
const endsEmpty: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: 'hello' },
  { role: 'user', content: [{ type: 'text', text: '' }] },
];

async function answer(model: string, messages: OpenAI.ChatCompletionMessageParam[]): Promise<{ content: string | null | undefined; streamed: string }> {
  const completion = await client.chat.completions.create({ model, messages });
  const stream = await client.chat.completions.create({ model, messages, stream: true });
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
  return { content: completion.choices[0]?.message.content, streamed };
}

/** The 400 a request gets, streamed or not, and that no upstream request was made. */
async function refused(model: string, messages: OpenAI.ChatCompletionMessageParam[], requests: () => number): Promise<void> {
  const before = requests();
  for (const stream of [false, true]) {
    await assert.rejects(client.chat.completions.create({ model, messages, stream }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'messages');
      assert.match(error.message, /empty/);
      return true;
    });
  }
  assert.equal(requests(), before);
}

describe('Anthropic', () => {
  it('empty system, user and assistant messages, which OpenAI takes, are left out instead of failing with 400', async () => {
    assert.deepEqual(await answer(MODELS.anthropic, empties), { content: 'Echo: again', streamed: 'Echo: again' });
    assert.deepEqual((t.anthropic.requests.at(-1)?.body as { messages: unknown }).messages, [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'hello' }, { type: 'text', text: 'there' }] },
      { role: 'user', content: [{ type: 'text', text: 'again' }] },
    ]);
  });

  it('a conversation whose only user message is empty, or whose last user message is empty, is a 400 invalid_request naming messages, sent nowhere', async () => {
    await refused(MODELS.anthropic, onlyEmpty, () => t.anthropic.requests.length);
    await refused(MODELS.anthropic, endsEmpty, () => t.anthropic.requests.length);
  });
});

describe('Gemini', () => {
  it('empty system, user and assistant messages, which OpenAI takes, are left out', async () => {
    assert.deepEqual(await answer(MODELS.google, empties), { content: 'Echo: again', streamed: 'Echo: again' });
  });

  it('a conversation whose only user message is empty, or whose last user message is empty, is a 400 invalid_request naming messages, sent nowhere', async () => {
    await refused(MODELS.google, onlyEmpty, () => t.google.requests.length);
    await refused(MODELS.google, endsEmpty, () => t.google.requests.length);
  });
});
