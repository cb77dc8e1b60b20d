import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startGoogleMock, type GoogleMock } from '../../../test/mock-vendors/google.js';
import { SwitchboardError } from '../../errors.js';
import { createUpstreamAgent, type ProviderDeps } from '../shared/provider-deps.js';
import type { CallOptions, ChatRequest, Provider } from '../spec/index.js';
import { GoogleProviderClass } from './index.js';
import { withoutLedgerUsage } from '../../../test/helpers/usage.js';

let mock: GoogleMock;
let deps: ProviderDeps;
let provider: Provider;

beforeEach(async () => {
  mock = await startGoogleMock();
  let ids = 0;
  deps = { dispatcher: createUpstreamAgent(), now: () => 1_700_000_000_000, randomId: () => `id${++ids}` };
  provider = GoogleProviderClass.create(
    { name: 'google', baseUrl: mock.baseUrl, authHeaderName: 'x-goog-api-key', authHeaderPrefix: '', config: {}, requestTemplate: null },
    deps,
  );
});

afterEach(async () => {
  await mock.close();
  await deps.dispatcher.close();
});

function callOptions(overrides: Partial<CallOptions> = {}): CallOptions {
  return { signal: new AbortController().signal, credential: { apiKey: 'test-key' }, ...overrides };
}

function user(text: string): ChatRequest['messages'][number] {
  return { role: 'user', content: [{ type: 'text', text }] };
}

function sentBody(index = 0): Record<string, unknown> {
  const body = mock.requests[index]?.body;
  assert.ok(typeof body === 'object' && body !== null);
  return body as Record<string, unknown>;
}

const weatherTool = {
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
};

describe('GoogleProvider chat', () => {
  test('plain text: URL, key header, body and normalized answer', async () => {
    const response = await provider.chat({ model: 'gemini-2.5-flash', messages: [user('hello there')] }, callOptions());

    const request = mock.requests[0];
    assert.equal(request?.url, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(request?.headers['x-goog-api-key'], 'test-key');
    assert.deepEqual(request?.body, { contents: [{ role: 'user', parts: [{ text: 'hello there' }] }] });
    assert.deepEqual(withoutLedgerUsage(response), {
      id: 'mock-response-1',
      model: 'gemini-2.5-flash',
      created: 1_700_000_000,
      choices: [{ index: 0, content: 'Echo: hello there', toolCalls: [], finishReason: 'stop' }],
      usage: { inputTokens: 2, outputTokens: 3, totalTokens: 5 },
    });
  });

  test('system and developer messages become systemInstruction', async () => {
    const response = await provider.chat(
      {
        model: 'gemini-2.5-flash',
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'developer', content: 'No emoji.' }, user('hi')],
      },
      callOptions(),
    );
    assert.deepEqual(sentBody(), {
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'No emoji.' }] },
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    });
    assert.equal(response.choices[0]?.content, 'Echo: hi');
    assert.equal(response.usage.inputTokens, 5);
  });

  test('multi-turn: assistant becomes model, consecutive same-role turns are merged', async () => {
    const response = await provider.chat(
      {
        model: 'gemini-2.5-flash',
        messages: [user('first'), user('second'), { role: 'assistant', content: 'ok' }, user('third question')],
      },
      callOptions(),
    );
    assert.deepEqual(sentBody()['contents'], [
      { role: 'user', parts: [{ text: 'first' }, { text: 'second' }] },
      { role: 'model', parts: [{ text: 'ok' }] },
      { role: 'user', parts: [{ text: 'third question' }] },
    ]);
    assert.equal(response.choices[0]?.content, 'Echo: third question');
  });

  test('tool call and tool result round trip', async () => {
    const request: ChatRequest = { model: 'gemini-2.5-flash', messages: [user('weather in Paris')], tools: [weatherTool] };
    const first = await provider.chat(request, callOptions());

    // The raw JSON Schema (with additionalProperties and $schema) goes in parametersJsonSchema.
    assert.deepEqual(sentBody()['tools'], [
      { functionDeclarations: [{ name: 'get_weather', description: 'Weather of a city', parametersJsonSchema: weatherTool.parameters }] },
    ]);
    const call = first.choices[0]?.toolCalls[0];
    assert.deepEqual(first.choices[0], {
      index: 0,
      content: null,
      toolCalls: [{ id: 'call_id1', name: 'get_weather', arguments: '{"query":"weather in Paris"}' }],
      finishReason: 'tool_calls',
    });
    assert.ok(call);

    const second = await provider.chat(
      {
        ...request,
        messages: [
          ...request.messages,
          { role: 'assistant', content: null, toolCalls: [call] },
          { role: 'tool', toolCallId: call.id, content: '{"temperature":21}' },
        ],
      },
      callOptions(),
    );
    assert.deepEqual(sentBody(1)['contents'], [
      { role: 'user', parts: [{ text: 'weather in Paris' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { query: 'weather in Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 21 } } }] },
    ]);
    assert.equal(second.choices[0]?.content, 'Echo: {"temperature":21}');
    assert.equal(second.choices[0]?.finishReason, 'stop');
  });

  test('parallel tool results share one user turn; text results are wrapped as {content}', async () => {
    const calls = [
      { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'call_b', name: 'get_time', arguments: '' },
    ];
    const response = await provider.chat(
      {
        model: 'gemini-2.5-flash',
        messages: [
          user('weather and time'),
          { role: 'assistant', content: 'Checking.', toolCalls: calls },
          { role: 'tool', toolCallId: 'call_a', content: '{"temperature":21}' },
          { role: 'tool', toolCallId: 'call_b', content: 'noon' },
        ],
      },
      callOptions(),
    );
    assert.deepEqual(sentBody()['contents'], [
      { role: 'user', parts: [{ text: 'weather and time' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temperature: 21 } } },
          { functionResponse: { name: 'get_time', response: { content: 'noon' } } },
        ],
      },
    ]);
    assert.equal(response.choices[0]?.content, 'Echo: noon');
  });

  test("gemini-3: the thoughtSignature comes back in providerMetadata and is echoed, with Gemini's call id", async () => {
    const request: ChatRequest = { model: 'gemini-3-pro-preview', messages: [user('weather in Rome')], tools: [weatherTool] };
    const first = await provider.chat(request, callOptions());
    const call = first.choices[0]?.toolCalls[0];
    const signature = Buffer.from('signature-1').toString('base64');
    assert.deepEqual(call?.providerMetadata, { thoughtSignature: signature });
    assert.ok(call);

    const second = await provider.chat(
      {
        ...request,
        messages: [...request.messages, { role: 'assistant', content: null, toolCalls: [call] }, { role: 'tool', toolCallId: call.id, content: 'sunny' }],
      },
      callOptions(),
    );
    const contents = sentBody(1)['contents'] as { parts: Record<string, unknown>[] }[];
    assert.deepEqual(contents[1]?.parts[0], {
      functionCall: { id: 'fc1x', name: 'get_weather', args: { query: 'weather in Rome' } },
      thoughtSignature: signature,
    });
    assert.deepEqual(contents[2]?.parts[0], { functionResponse: { name: 'get_weather', response: { content: 'sunny' }, id: 'fc1x' } });
    assert.equal(second.choices[0]?.content, 'Echo: sunny');
  });

  test('gemini-3: a call without signature (history from another vendor) gets the documented stand-in', async () => {
    const response = await provider.chat(
      {
        model: 'gemini-3-pro-preview',
        messages: [
          user('weather in Oslo'),
          { role: 'assistant', content: null, toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
          { role: 'tool', toolCallId: 'toolu_1', content: 'snow' },
        ],
      },
      callOptions(),
    );
    const contents = sentBody()['contents'] as { parts: Record<string, unknown>[] }[];
    assert.equal(contents[1]?.parts[0]?.['thoughtSignature'], 'skip_thought_signature_validator');
    assert.equal(response.choices[0]?.content, 'Echo: snow');
  });

  test('tool_choice maps to functionCallingConfig', async () => {
    const tools = [weatherTool, { name: 'get_time', parameters: { type: 'object', properties: {} } }];
    const named = await provider.chat(
      { model: 'gemini-2.5-flash', messages: [user('time please')], tools, toolChoice: { name: 'get_time' } },
      callOptions(),
    );
    assert.deepEqual(sentBody(0)['toolConfig'], { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } });
    assert.equal(named.choices[0]?.toolCalls[0]?.name, 'get_time');

    await provider.chat({ model: 'gemini-2.5-flash', messages: [user('x')], tools, toolChoice: 'required' }, callOptions());
    assert.deepEqual(sentBody(1)['toolConfig'], { functionCallingConfig: { mode: 'ANY' } });

    const none = await provider.chat({ model: 'gemini-2.5-flash', messages: [user('x')], tools, toolChoice: 'none' }, callOptions());
    assert.deepEqual(sentBody(2)['toolConfig'], { functionCallingConfig: { mode: 'NONE' } });
    assert.equal(none.choices[0]?.content, 'Echo: x');

    await provider.chat({ model: 'gemini-2.5-flash', messages: [user('x')], tools, toolChoice: 'auto' }, callOptions());
    assert.deepEqual(sentBody(3)['toolConfig'], { functionCallingConfig: { mode: 'AUTO' } });
  });

  test('image input: data URL → inlineData, http URL → fileData with the guessed type', async () => {
    const response = await provider.chat(
      {
        model: 'gemini-2.5-flash',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this' },
              { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
              { type: 'image', url: 'https://example.com/cat.JPG?size=large', detail: 'high' },
              { type: 'image', url: 'https://example.com/render' },
            ],
          },
        ],
      },
      callOptions(),
    );
    assert.deepEqual(sentBody()['contents'], [
      {
        role: 'user',
        parts: [
          { text: 'what is this' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { fileUri: 'https://example.com/cat.JPG?size=large', mimeType: 'image/jpeg' } },
          { fileData: { fileUri: 'https://example.com/render' } },
        ],
      },
    ]);
    assert.equal(
      response.choices[0]?.content,
      'Echo: what is this [image:image/png] [image:https://example.com/cat.JPG?size=large] [image:https://example.com/render]',
    );
  });

  test('JSON mode and JSON schema set responseMimeType / responseJsonSchema', async () => {
    const plain = await provider.chat(
      { model: 'gemini-2.5-flash', messages: [user('give json')], responseFormat: { type: 'json_object' } },
      callOptions(),
    );
    assert.deepEqual(sentBody(0)['generationConfig'], { responseMimeType: 'application/json' });
    assert.deepEqual(JSON.parse(plain.choices[0]?.content ?? ''), { echo: 'Echo: give json' });

    const schema = { type: 'object', properties: { echo: { type: 'string' } }, additionalProperties: false };
    const structured = await provider.chat(
      { model: 'gemini-2.5-flash', messages: [user('give json')], responseFormat: { type: 'json_schema', name: 'echo', schema, strict: true } },
      callOptions(),
    );
    assert.deepEqual(sentBody(1)['generationConfig'], { responseMimeType: 'application/json', responseJsonSchema: schema });
    assert.deepEqual(JSON.parse(structured.choices[0]?.content ?? ''), { echo: 'Echo: give json' });
  });

  test('generation settings, stop sequences and the output limit', async () => {
    const stopped = await provider.chat(
      {
        model: 'gemini-2.5-flash',
        messages: [user('one two three four')],
        temperature: 0.3,
        topP: 0.9,
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        stop: [' three'],
        user: 'end-user-1',
        parallelToolCalls: false,
      },
      callOptions(),
    );
    assert.deepEqual(sentBody(0), {
      contents: [{ role: 'user', parts: [{ text: 'one two three four' }] }],
      generationConfig: { temperature: 0.3, topP: 0.9, stopSequences: [' three'], seed: 7, presencePenalty: 0.1, frequencyPenalty: 0.2 },
    });
    assert.equal(stopped.choices[0]?.content, 'Echo: one two');
    assert.equal(stopped.choices[0]?.finishReason, 'stop');

    const cut = await provider.chat({ model: 'gemini-2.5-flash', messages: [user('one two three four')], maxTokens: 2 }, callOptions());
    assert.deepEqual(withoutLedgerUsage(sentBody(1)['generationConfig']), { maxOutputTokens: 2 });
    assert.equal(cut.choices[0]?.content, 'Echo: one');
    assert.equal(cut.choices[0]?.finishReason, 'length');
  });

  test('n becomes candidateCount, one choice per candidate', async () => {
    const response = await provider.chat({ model: 'gemini-2.5-flash', messages: [user('hi')], n: 2 }, callOptions());
    assert.deepEqual(sentBody()['generationConfig'], { candidateCount: 2 });
    assert.deepEqual(
      response.choices.map((choice) => [choice.index, choice.content]),
      [
        [0, 'Echo: hi'],
        [1, 'Echo: hi'],
      ],
    );
  });

  test('usage reports cached input tokens', async () => {
    const response = await provider.chat(
      { model: 'gemini-2.5-flash', messages: [{ role: 'system', content: 'Use the cache please' }, user('hi')] },
      callOptions(),
    );
    assert.deepEqual(withoutLedgerUsage(response.usage), { inputTokens: 5, outputTokens: 2, totalTokens: 7, cachedInputTokens: 3 });
  });

  test('a blocked prompt is one choice with null content and finish content_filter', async () => {
    const response = await provider.chat({ model: 'gemini-2.5-flash', messages: [user('please BLOCKME now')] }, callOptions());
    assert.deepEqual(response.choices, [{ index: 0, content: null, toolCalls: [], finishReason: 'content_filter' }]);
    assert.equal(response.usage.inputTokens, 3);
  });

  test('credential baseUrl and headers, and forwarded headers, are used', async () => {
    const other = await startGoogleMock({ apiKeys: ['project-key'] });
    try {
      await provider.chat(
        { model: 'gemini-2.5-flash', messages: [user('hi')] },
        callOptions({
          credential: { apiKey: 'project-key', baseUrl: other.baseUrl, headers: { 'x-goog-user-project': 'p1' } },
          headers: { 'x-request-id': 'r1', 'x-goog-api-key': 'must-not-win' },
        }),
      );
      assert.equal(mock.requests.length, 0);
      assert.equal(other.requests[0]?.headers['x-goog-api-key'], 'project-key');
      assert.equal(other.requests[0]?.headers['x-goog-user-project'], 'p1');
      assert.equal(other.requests[0]?.headers['x-request-id'], 'r1');
    } finally {
      await other.close();
    }
  });

  test('requests that cannot be converted fail before any upstream call', async () => {
    await assert.rejects(
      provider.chat({ model: 'gemini-2.5-flash', messages: [user('hi')] }, callOptions({ credential: {} })),
      (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'credential_missing',
    );
    await assert.rejects(
      provider.chat(
        { model: 'gemini-2.5-flash', messages: [user('hi'), { role: 'tool', toolCallId: 'call_unknown', content: 'x' }] },
        callOptions(),
      ),
      (error: unknown) =>
        SwitchboardError.isInstance(error) && error.code === 'invalid_request' && error.param === 'messages[1].tool_call_id',
    );
    await assert.rejects(
      provider.chat(
        { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'image', url: 'data:image/png,raw' }] }] },
        callOptions(),
      ),
      (error: unknown) =>
        SwitchboardError.isInstance(error) && error.code === 'unsupported_feature' && error.param === 'messages[0].content[0]',
    );
    assert.equal(mock.requests.length, 0);
  });
});

describe('the Google mock is strict (guards the tests above)', () => {
  async function post(path: string, body: unknown): Promise<{ status: number; json: { error?: { message?: string } } }> {
    const response = await fetch(`${mock.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as { error?: { message?: string } } };
  }
  const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];

  test('JSON-Schema keywords are unknown in parameters but fine in parametersJsonSchema', async () => {
    const rejected = await post('/models/gemini-2.5-flash:generateContent', {
      contents,
      tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'object', additionalProperties: false } }] }],
    });
    assert.equal(rejected.status, 400);
    assert.equal(
      rejected.json.error?.message,
      `Invalid JSON payload received. Unknown name "additionalProperties" at 'tools[0].function_declarations[0].parameters': Cannot find field.`,
    );
    const accepted = await post('/models/gemini-2.5-flash:generateContent', {
      contents,
      tools: [{ functionDeclarations: [{ name: 'f', parametersJsonSchema: { type: 'object', additionalProperties: false } }] }],
    });
    assert.equal(accepted.status, 200);
  });

  test('?key= auth, a JSON-array stream without alt=sse, the model list and the HTML 404', async () => {
    const array = await fetch(`${mock.baseUrl}/models/gemini-2.5-flash:streamGenerateContent?key=test-key`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'a b' }] }] }),
    });
    const chunks = (await array.json()) as { candidates: { content: { parts: { text: string }[] } }[] }[];
    assert.deepEqual(
      chunks.map((chunk) => chunk.candidates[0]?.content.parts[0]?.text),
      ['Echo:', ' a', ' b'],
    );
    const models = (await (await fetch(`${mock.baseUrl}/models`, { headers: { 'x-goog-api-key': 'test-key' } })).json()) as {
      models: { name: string }[];
    };
    assert.ok(models.models.some((model) => model.name === 'models/gemini-2.5-flash'));
    const missing = await fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await missing.text(), /<code>\/v1beta\/chat\/completions<\/code> was not found/);
  });

  test('unknown fields, bad roles, unpaired function turns and unsigned gemini-3 calls are rejected', async () => {
    assert.match((await post('/models/gemini-2.5-flash:generateContent', { contents, n: 1 })).json.error?.message ?? '', /Unknown name "n": Cannot find field/);
    assert.match(
      (await post('/models/gemini-2.5-flash:generateContent', { contents, generationConfig: { max_tokens: 1 } })).json.error?.message ?? '',
      /Unknown name "max_tokens" at 'generation_config'/,
    );
    assert.match(
      (await post('/models/gemini-2.5-flash:generateContent', { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] })).json.error?.message ?? '',
      /valid role: user, model/,
    );
    const call = { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] };
    assert.match(
      (await post('/models/gemini-2.5-flash:generateContent', { contents: [...contents, call, { role: 'user', parts: [{ text: 'x' }] }] })).json.error?.message ?? '',
      /number of function response parts/,
    );
    const answer = { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] };
    assert.equal((await post('/models/gemini-2.5-flash:generateContent', { contents: [...contents, call, answer] })).status, 200);
    assert.match(
      (await post('/models/gemini-3-pro-preview:generateContent', { contents: [...contents, call, answer] })).json.error?.message ?? '',
      /^Function call is missing a thought_signature/,
    );
  });
});
