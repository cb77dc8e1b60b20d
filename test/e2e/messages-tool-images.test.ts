// Screenshots in tool results on /v1/messages (a tool_result whose content holds image blocks, as
// Claude Code's and the Agent SDK's screenshot tools send): an Anthropic model gets the body
// unchanged, a Gemini 3 model gets the images inline in functionResponse.parts, and vendors whose
// tool results are text only answer 400 naming the block, before any upstream call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { addMessagesModels, anthropicClient, MESSAGES_MODELS } from '../helpers/messages-gateway.js';

const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const GEMINI_3 = 'e2e-gemini-3';

let t: TestGateway;
let client: Anthropic;

before(async () => {
  t = await startTestGateway();
  await addMessagesModels(t);
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id)
     select $1, id, 'gemini-3-flash-preview' from public.ai_providers where name = 'e2e-google'`,
    [GEMINI_3],
  );
  await t.watcher.refresh();
  client = anthropicClient(t);
});
after(async () => {
  await t.close();
});

const screenshot: Anthropic.ImageBlockParam = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } };

/** A tool loop whose last turn answers a screenshot call with `content`. */
function screenshotTurn(model: string, content: Anthropic.ToolResultBlockParam['content'], isError?: boolean): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model,
    max_tokens: 64,
    tools: [{ name: 'screenshot', description: 'Takes a screenshot', input_schema: { type: 'object', properties: {} } }],
    messages: [
      { role: 'user', content: 'open the login page' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_shot1', name: 'screenshot', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_shot1', content, ...(isError === undefined ? {} : { is_error: isError }) }] },
    ],
  };
}

function lastBody(requests: { body: unknown }[]): Record<string, unknown> {
  const last = requests.at(-1);
  assert.ok(last, 'an upstream request was made');
  return last.body as Record<string, unknown>;
}

describe('/v1/messages: images in a tool_result', () => {
  it('Gemini 3: the screenshot goes inline in functionResponse.parts, the text in its response', async () => {
    const message = await client.messages.create(screenshotTurn(GEMINI_3, [{ type: 'text', text: 'the login page' }, screenshot]));
    assert.deepEqual(message.content, [{ type: 'text', text: 'Echo: the login page [image:image/png]', citations: null }]);
    const contents = lastBody(t.google.requests)['contents'] as unknown[];
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

  it('Gemini 3: is_error marks the text; an image-only result still reaches the model', async () => {
    await client.messages.create(screenshotTurn(GEMINI_3, [screenshot], true));
    const contents = lastBody(t.google.requests)['contents'] as { parts: { functionResponse: unknown }[] }[];
    assert.deepEqual(contents.at(-1)?.parts[0]?.functionResponse, {
      name: 'screenshot',
      response: { content: 'Error: ' },
      parts: [{ inlineData: { mimeType: 'image/png', data: PNG_DATA } }],
    });
  });

  const refusals: [string, string, RegExp][] = [
    ['OpenAI', MODELS.openai, /The OpenAI chat-completions API takes no image in a tool result/],
    ['an OpenAI-compatible Custom row', MESSAGES_MODELS.custom, /The OpenAI chat-completions API takes no image in a tool result/],
    ['Gemini 2.5', MODELS.google, /Gemini models before Gemini 3 take no image in a function response/],
  ];
  for (const [vendor, model, why] of refusals) {
    it(`${vendor}: 400 invalid_request_error naming the image block, and no upstream call`, async () => {
      const upstream = [t.openai.requests, t.google.requests];
      const before = upstream.map((requests) => requests.length);
      await assert.rejects(client.messages.create(screenshotTurn(model, [{ type: 'text', text: 'the login page' }, screenshot])), (error: unknown) => {
        assert.ok(error instanceof Anthropic.BadRequestError, `expected BadRequestError, got ${String(error)}`);
        const body = error.error as { type: string; error: { type: string; message: string } };
        assert.equal(body.error.type, 'invalid_request_error');
        assert.match(body.error.message, /^messages\.2\.content\.0\.content\.1: /);
        assert.match(body.error.message, why);
        assert.match(body.error.message, /The request was not sent\.$/);
        return true;
      });
      assert.deepEqual(upstream.map((requests) => requests.length), before, 'no upstream call');
    });
  }

  it('what a tool_result holds besides text and images stays refused for other vendors', async () => {
    const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hi' } } as unknown as Anthropic.DocumentBlockParam;
    await assert.rejects(
      client.messages.create(screenshotTurn(GEMINI_3, [screenshot, document])),
      (error: unknown) =>
        error instanceof Anthropic.BadRequestError &&
        /^messages\.2\.content\.0\.content\.1\.type: a 'document' block inside a tool_result is only supported when an Anthropic model serves the request/.test(
          (error.error as { error: { message: string } }).error.message,
        ),
    );
  });

  it('Anthropic: the body reaches Anthropic unchanged (native path)', async () => {
    const body = screenshotTurn(MODELS.anthropic, [{ type: 'text', text: 'the login page' }, screenshot]);
    const message = await client.messages.create(body);
    assert.deepEqual(message.content, [{ type: 'text', text: 'Echo: the login page [image:image/png]', citations: null }]);
    assert.deepEqual(lastBody(t.anthropic.requests)['messages'], body.messages);
  });
});
