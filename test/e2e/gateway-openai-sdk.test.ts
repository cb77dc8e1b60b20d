// The gateway through the real openai SDK, backed by the strict vendor mocks: chat, streams with
// the usage chunk, tool calls, images, embeddings (SDK default base64 and float) and models.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const chatModels = [
  ['OpenAI', MODELS.openai],
  ['Anthropic', MODELS.anthropic],
  ['Gemini', MODELS.google],
  ['Cohere', MODELS.cohere],
] as const;

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'lookup', description: 'Looks things up', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
  },
];

// A 1×1 PNG.
const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startTestGateway();
  client = t.client();
});
after(async () => {
  await t.close();
});

for (const [vendor, model] of chatModels) {
  describe(`chat via ${vendor} (${model})`, () => {
    it('answers a chat completion with the public model name and usage', async () => {
      const completion = await client.chat.completions.create({
        model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello there' },
        ],
      });
      assert.equal(completion.object, 'chat.completion');
      assert.equal(completion.model, model);
      assert.equal(completion.choices[0]?.message.content, 'Echo: hello there');
      assert.equal(completion.choices[0]?.message.role, 'assistant');
      assert.equal(completion.choices[0]?.finish_reason, 'stop');
      assert.equal(completion.usage?.completion_tokens, 3);
      assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
      assert.equal(completion.usage?.total_tokens, (completion.usage?.prompt_tokens ?? 0) + 3);
    });

    it('streams chunks, the finish reason and the usage chunk', async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'stream me please' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | null | undefined;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks += 1;
        assert.equal(chunk.object, 'chat.completion.chunk');
        assert.equal(chunk.model, model);
        const choice = chunk.choices[0];
        if (choice) {
          text += choice.delta.content ?? '';
          finish = choice.finish_reason ?? finish;
          assert.equal(chunk.usage, null);
        } else {
          usage = chunk.usage;
        }
      }
      assert.equal(text, 'Echo: stream me please');
      assert.equal(finish, 'stop');
      assert.ok(chunks >= 5, `one chunk per word, got ${chunks}`);
      assert.equal(usage?.completion_tokens, 4);
      assert.ok((usage?.prompt_tokens ?? 0) > 0);
    });

    it('makes and answers tool calls', async () => {
      const first = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'weather in Paris' }], tools });
      const choice = first.choices[0];
      assert.equal(choice?.finish_reason, 'tool_calls');
      const call = choice?.message.tool_calls?.[0];
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'lookup');
      assert.deepEqual(JSON.parse(call.function.arguments), { query: 'weather in Paris' });
      assert.ok(call.id.length > 0);

      const second = await client.chat.completions.create({
        model,
        tools,
        messages: [
          { role: 'user', content: 'weather in Paris' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: 'sunny' },
        ],
      });
      assert.equal(second.choices[0]?.message.content, 'Echo: sunny');
      assert.equal(second.choices[0]?.finish_reason, 'stop');
    });

    it('streams tool calls the way the SDK accumulates them', async () => {
      const stream = client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'find cats' }], tools });
      const final = await stream.finalChatCompletion();
      const call = final.choices[0]?.message.tool_calls?.[0];
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'lookup');
      assert.deepEqual(JSON.parse(call.function.arguments), { query: 'find cats' });
      assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
    });

    it(vendor === 'Cohere' ? 'refuses images: the provider row says vision is false' : 'passes images through', async () => {
      const request = client.chat.completions.create({
        model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this' },
              { type: 'image_url', image_url: { url: PNG } },
            ],
          },
        ],
      });
      if (vendor === 'Cohere') {
        await assert.rejects(request, { status: 400, code: 'unsupported_feature', param: 'messages' });
        return;
      }
      const completion = await request;
      assert.match(completion.choices[0]?.message.content ?? '', /^Echo: what is this \[image:image\/png\]$/);
    });
  });
}

describe('embeddings', () => {
  for (const [vendor, model] of [
    ['OpenAI', MODELS.openaiEmbed],
    ['Gemini', MODELS.googleEmbed],
    ['Cohere', MODELS.cohereEmbed],
  ] as const) {
    it(`decodes the SDK's default base64 correctly (${vendor})`, async () => {
      const base64 = await client.embeddings.create({ model, input: ['alpha', 'beta'] });
      const float = await client.embeddings.create({ model, input: ['alpha', 'beta'], encoding_format: 'float' });
      assert.equal(base64.model, model);
      assert.equal(base64.data.length, 2);
      const expected = (text: string, index: number): number => {
        let sum = 0;
        for (const char of text) sum += char.charCodeAt(0);
        return ((sum + index) % 100) / 100;
      };
      for (const [row, text] of [[0, 'alpha'], [1, 'beta']] as const) {
        const vector = base64.data[row]?.embedding ?? [];
        assert.equal(vector.length, 8);
        vector.forEach((value, index) => assert.ok(Math.abs(value - expected(text, index)) < 1e-6, `${text}[${index}]`));
        assert.deepEqual(vector, float.data[row]?.embedding.map((value) => Math.fround(value)));
      }
    });
  }

  it('honours dimensions', async () => {
    const result = await client.embeddings.create({ model: MODELS.openaiEmbed, input: 'x', dimensions: 4, encoding_format: 'float' });
    assert.equal(result.data[0]?.embedding.length, 4);
  });

  it('sends base64 as float32 little-endian on the wire', async () => {
    const response = await fetch(`${t.baseURL}/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODELS.openaiEmbed, input: 'alpha', encoding_format: 'base64' }),
    });
    const body = (await response.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(body.data[0]?.embedding ?? '', 'base64');
    assert.equal(bytes.length, 32);
    assert.ok(Math.abs(bytes.readFloatLE(0) - ((97 + 108 + 112 + 104 + 97) % 100) / 100) < 1e-6);
  });
});

describe('models', () => {
  it('lists the available models in OpenAI shape', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      ids.push(model.id);
      assert.equal(model.object, 'model');
      assert.equal(typeof model.created, 'number');
      assert.equal(typeof model.owned_by, 'string');
    }
    for (const name of [MODELS.openai, MODELS.anthropic, MODELS.google, MODELS.openaiEmbed]) assert.ok(ids.includes(name), name);
  });

  it('retrieves one model, owned by its provider', async () => {
    const model = await client.models.retrieve(MODELS.anthropic);
    assert.deepEqual({ id: model.id, object: model.object, owned_by: model.owned_by }, { id: MODELS.anthropic, object: 'model', owned_by: 'e2e-anthropic' });
  });

  it('answers 404 model_not_found for an unknown model', async () => {
    await assert.rejects(client.models.retrieve('no-such-model'), (error: unknown) => {
      const apiError = error as { status?: number; code?: string };
      return apiError.status === 404 && apiError.code === 'model_not_found';
    });
  });
});
