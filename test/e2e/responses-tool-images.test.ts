// Screenshots in tool results on /v1/responses (the Codex CLI's and the Agents SDK's computer-use
// and screenshot tools send a function_call_output whose output holds an input_image): each vendor
// gets them as its real API takes them (Anthropic tool_result image blocks, Gemini 3 inline data in
// functionResponse.parts), OpenAI models get the body unchanged, and vendors whose tool results are
// text only answer 400 naming the image, before any upstream call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { RecordedRequest } from '../helpers/mock-server.js';
import { MODELS, type TestGateway } from '../helpers/gateway.js';
import { CUSTOM_MODEL, startResponsesGateway } from './responses-helpers.js';

const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PNG = `data:image/png;base64,${PNG_DATA}`;
const GEMINI_3 = 'e2e-gemini-3';

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startResponsesGateway();
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id)
     select $1, id, 'gemini-3-flash-preview' from public.ai_providers where name = 'e2e-google'`,
    [GEMINI_3],
  );
  await t.watcher.refresh();
  client = t.client();
});
after(async () => {
  await t.close();
});

const screenshotTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'screenshot',
  description: 'Takes a screenshot',
  parameters: { type: 'object', properties: {} },
  strict: false,
};

/** A tool loop whose last item is a screenshot tool's output: `output` as given. */
function screenshotTurn(model: string, output: OpenAI.Responses.ResponseFunctionCallOutputItemList): OpenAI.Responses.ResponseCreateParamsNonStreaming {
  return {
    model,
    tools: [screenshotTool],
    input: [
      { role: 'user', content: 'open the login page' },
      { type: 'function_call', call_id: 'call_shot1', name: 'screenshot', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_shot1', output },
    ],
  };
}

const textAndImage: OpenAI.Responses.ResponseFunctionCallOutputItemList = [
  { type: 'input_text', text: 'the login page' },
  { type: 'input_image', image_url: PNG, detail: 'auto' },
];

function lastBody(requests: RecordedRequest[]): Record<string, unknown> {
  const last = requests.at(-1);
  assert.ok(last, 'an upstream request was made');
  return last.body as Record<string, unknown>;
}

/** Asserts the SDK raised a 400 unsupported_feature naming `param`, with a message matching `message`. */
function refused(param: string, message: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof OpenAI.APIError, `expected APIError, got ${String(error)}`);
    assert.equal(error.status, 400, error.message);
    assert.equal(error.code, 'unsupported_feature');
    assert.equal(error.param, param);
    assert.match(error.message, message);
    return true;
  };
}

describe('/v1/responses: images in a function_call_output', () => {
  it('Anthropic: the screenshot reaches the model as image blocks of the tool_result (base64 and url sources)', async () => {
    const response = await client.responses.create(
      screenshotTurn(MODELS.anthropic, [...textAndImage, { type: 'input_image', image_url: 'https://example.com/shot.jpg', detail: 'high' }]),
    );
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'Echo: the login page [image:image/png] [image:https://example.com/shot.jpg]');
    const messages = lastBody(t.anthropic.requests)['messages'] as { role: string; content: unknown[] }[];
    assert.deepEqual(messages.at(-1), {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'call_shot1',
          content: [
            { type: 'text', text: 'the login page' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/shot.jpg' } },
          ],
        },
      ],
    });
  });

  it('Anthropic, streamed: the same tool_result reaches the model', async () => {
    const stream = await client.responses.create({ ...screenshotTurn(MODELS.anthropic, textAndImage), stream: true });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    assert.equal(text, 'Echo: the login page [image:image/png]');
    const result = (lastBody(t.anthropic.requests)['messages'] as { content: { content: unknown }[] }[]).at(-1)?.content[0];
    assert.deepEqual(result?.content, [
      { type: 'text', text: 'the login page' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
    ]);
  });

  it('Gemini 3: the screenshot goes inline in functionResponse.parts, the text in its response', async () => {
    const response = await client.responses.create(screenshotTurn(GEMINI_3, textAndImage));
    assert.equal(response.output_text, 'Echo: the login page [image:image/png]');
    const contents = lastBody(t.google.requests)['contents'] as { role: string; parts: unknown[] }[];
    assert.deepEqual(contents.at(-1), {
      role: 'user',
      parts: [
        {
          functionResponse: {
            name: 'screenshot',
            response: { content: 'the login page' },
            parts: [{ inlineData: { mimeType: 'image/png', data: PNG_DATA } }],
          },
        },
      ],
    });
  });

  it('OpenAI (native path): the body reaches OpenAI unchanged, images and all', async () => {
    const body = screenshotTurn(MODELS.openai, textAndImage);
    const response = await client.responses.create(body);
    assert.equal(response.status, 'completed');
    const input = lastBody(t.openai.requests)['input'] as unknown[];
    assert.deepEqual(input, body.input);
  });

  const textOnly: [string, string, string, RegExp][] = [
    ['Gemini 2.5', MODELS.google, 'input[2].output[1]', /input\[2\]\.output\[1\]: Gemini models before Gemini 3 take no image in a function response/],
    ['an OpenAI-compatible Custom row', CUSTOM_MODEL, 'input[2].output[1]', /input\[2\]\.output\[1\]: The OpenAI chat-completions API takes no image in a tool result: a 'tool' message holds text only/],
    // Cohere's class says vision: false, so the model row's check answers first (as for a user image).
    ['Cohere', MODELS.cohere, 'input', /The model 'e2e-command' does not support image input \(vision\)/],
  ];
  for (const [vendor, model, param, message] of textOnly) {
    it(`${vendor}: 400 unsupported_feature naming the image, and no upstream call`, async () => {
      const upstream = [t.google.requests, t.cohere.requests, t.openai.requests];
      const before = upstream.map((requests) => requests.length);
      await assert.rejects(client.responses.create(screenshotTurn(model, textAndImage)), refused(param, message));
      assert.deepEqual(upstream.map((requests) => requests.length), before, 'no upstream call');
    });
  }

  it('Gemini 3: an image by URL or of another type is refused, naming it (the API takes png/jpeg/webp inline data only)', async () => {
    const before = t.google.requests.length;
    await assert.rejects(
      client.responses.create(screenshotTurn(GEMINI_3, [{ type: 'input_image', image_url: 'https://example.com/shot.png', detail: 'auto' }])),
      refused('input[2].output[0]', /inline data only: send it as a base64 data: URL/),
    );
    await assert.rejects(
      client.responses.create(screenshotTurn(GEMINI_3, [{ type: 'input_text', text: 'x' }, { type: 'input_image', image_url: 'data:image/gif;base64,R0lGOD', detail: 'auto' }])),
      refused('input[2].output[1]', /not image\/gif/),
    );
    assert.equal(t.google.requests.length, before, 'no upstream call');
  });

  it('input_file stays refused off the native path, naming the part', async () => {
    const before = t.anthropic.requests.length;
    await assert.rejects(
      client.responses.create(screenshotTurn(MODELS.anthropic, [{ type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' }])),
      refused('input[2].output[0].type', /'input_file' parts are not supported in a function_call_output/),
    );
    assert.equal(t.anthropic.requests.length, before, 'no upstream call');
  });

  it('a text-only output array is still one text result', async () => {
    const response = await client.responses.create(screenshotTurn(MODELS.anthropic, [{ type: 'input_text', text: 'no ' }, { type: 'input_text', text: 'picture' }]));
    assert.equal(response.output_text, 'Echo: no picture');
    const result = (lastBody(t.anthropic.requests)['messages'] as { content: { content: unknown }[] }[]).at(-1)?.content[0];
    assert.equal(result?.content, 'no picture');
  });
});
