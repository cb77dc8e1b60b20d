// Chat completions served by Gemini and Cohere, through the openai SDK: translation defects found in review.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startTestGateway();
  client = t.client();
  await t.db.exec(`insert into public.ai_models (name, provider_id, model_id)
  select 'e2e-gemini-3', id, 'gemini-3-flash-preview' from public.ai_providers where name = 'e2e-google';`);
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
});

const lookup = { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };

async function streamedCall(messages: OpenAI.ChatCompletionMessageParam[]): Promise<OpenAI.ChatCompletionMessageToolCall | undefined> {
  const stream = await client.chat.completions.create({ model: 'e2e-gemini-3', messages, tools: [lookup], stream: true });
  let call: OpenAI.ChatCompletionMessageToolCall | undefined;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.tool_calls?.[0];
    if (delta?.id && delta.function?.name) call = { id: delta.id, type: 'function', function: { name: delta.function.name, arguments: delta.function.arguments ?? '' } };
  }
  return call;
}

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

  it("Gemini 3's own call id goes back with the call and its result (functionCall.id, functionResponse.id)", async () => {
    for (const stream of [false, true]) {
      const ask: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'look up a' };
      const call = stream ? await streamedCall([ask]) : (await client.chat.completions.create({ model: 'e2e-gemini-3', messages: [ask], tools: [lookup] })).choices[0]?.message.tool_calls?.[0];
      assert.ok(call?.type === 'function');
      const geminiId = /__sbgid__(fc\d+x)__sbsig__/.exec(call.id)?.[1];
      assert.ok(geminiId, `stream=${stream}: ${call.id}`);
      const messages: OpenAI.ChatCompletionMessageParam[] = [ask, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'A' }];
      const completion = await client.chat.completions.create({ model: 'e2e-gemini-3', messages, tools: [lookup] });
      assert.equal(completion.choices[0]?.message.content, 'Echo: A');
      const contents = (t.google.requests.at(-1)?.body as { contents: { parts: Record<string, { id?: unknown }>[] }[] }).contents;
      assert.equal(contents[1]?.parts[0]?.['functionCall']?.id, geminiId);
      assert.equal(contents[2]?.parts[0]?.['functionResponse']?.id, geminiId);
    }
  });

  it('an answer Gemini ends with a failure finishReason is a provider_error naming it, not an empty stop', async () => {
    for (const reason of ['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS']) {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: `GEMINI_FAILS:${reason}` }];
      for (const stream of [false, true]) {
        const error = await client.chat.completions
          .create({ model: MODELS.google, messages, stream })
          .then(async (answer) => {
            if (stream) for await (const _chunk of answer as AsyncIterable<unknown>) void _chunk;
            return answer;
          })
          .catch((caught: unknown) => caught);
        assert.ok(error instanceof OpenAI.APIError, `${reason} stream=${stream}: ${JSON.stringify(error)}`);
        // A direct stream starts at Gemini's first frame, so its failure is an error event after the head.
        assert.equal(error.status, stream ? undefined : 502);
        assert.equal(error.code, 'provider_error');
        assert.match(error.message, new RegExp(`finishReason ${reason}`));
      }
    }
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

  it("a Gemini 3 call's id reaches Cohere without the signature and Gemini id it carries, call and result alike", async () => {
    const ask: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'look up a' };
    const call = (await client.chat.completions.create({ model: 'e2e-gemini-3', messages: [ask], tools: [lookup] })).choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function' && call.id.includes('__sbsig__'));
    const messages: OpenAI.ChatCompletionMessageParam[] = [ask, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'A' }];
    const completion = await client.chat.completions.create({ model: MODELS.cohere, messages, tools: [lookup] });
    assert.equal(completion.choices[0]?.message.content, 'Echo: A');
    const sent = (t.cohere.requests.at(-1)?.body as { messages: { tool_calls?: { id: string }[]; tool_call_id?: string }[] }).messages;
    const plain = call.id.slice(0, call.id.indexOf('__sbgid__'));
    assert.match(plain, /^call_[0-9a-f]{32}$/);
    assert.equal(sent[1]?.tool_calls?.[0]?.id, plain);
    assert.equal(sent[2]?.tool_call_id, plain);
  });

  it('a negative or huge cached_tokens from Cohere is bounded like its other counts', async () => {
    for (const [reported, expected] of [['-5', 0], ['9e18', 2], ['1.7', 1]] as const) {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: `cached_tokens=${reported}` }, { role: 'user', content: 'hi' }];
      const completion = await client.chat.completions.create({ model: MODELS.cohere, messages });
      assert.equal(completion.usage?.prompt_tokens, 2);
      assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, expected, `cached_tokens=${reported}`);
    }
  });
});
