// /v1/chat/completions served by Anthropic, through the real openai SDK: request fields an OpenAI
// client sends as a matter of course must reach the strict Anthropic mock in a form the API takes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let client: OpenAI;

// A 1×1 PNG, and the first bytes of a JPEG (the mock reads only the signature).
const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const JPEG_DATA = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/';

const lastBody = (): Record<string, unknown> => (t.anthropic.requests.at(-1)?.body ?? {}) as Record<string, unknown>;

before(async () => {
  t = await startTestGateway();
  client = t.client();
  await t.db.exec(`
insert into public.ai_models (name, provider_id, model_id, max_tokens)
  select 'e2e-claude-4-5', id, 'claude-sonnet-4-5-20250929', 64000 from public.ai_providers where name = 'e2e-anthropic';`);
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
});

describe('chat completions on Anthropic: what OpenAI clients send', () => {
  it('temperature with top_p on a one-sampler Claude (4.1 to 4.6) sends the temperature only, streamed or not', async () => {
    const params = { model: 'e2e-claude-4-5', messages: [{ role: 'user' as const, content: 'hello there' }], temperature: 0.7, top_p: 0.9 };
    const completion = await client.chat.completions.create(params);
    assert.equal(completion.choices[0]?.message.content, 'Echo: hello there');
    assert.equal(lastBody()['temperature'], 0.7);
    assert.equal(lastBody()['top_p'], undefined);
    const stream = await client.chat.completions.create({ ...params, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Echo: hello there');
    // A model that takes both still gets both.
    await client.chat.completions.create({ ...params, model: MODELS.anthropic });
    assert.equal(lastBody()['temperature'], 0.7);
    assert.equal(lastBody()['top_p'], 0.9);
  });

  it("image data URLs are sent with the media type of their bytes: image/jpg and a PNG labelled image/jpeg are accepted", async () => {
    const images = [`data:image/jpg;base64,${JPEG_DATA}`, `data:image/jpeg;base64,${PNG_DATA}`, `data:IMAGE/PNG;base64,${PNG_DATA}`];
    const completion = await client.chat.completions.create({
      model: MODELS.anthropic,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'describe' }, ...images.map((url) => ({ type: 'image_url' as const, image_url: { url } }))] }],
    });
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    const content = (lastBody()['messages'] as { content: { source?: { media_type?: string } }[] }[])[0]?.content ?? [];
    assert.deepEqual(
      content.slice(1).map((block) => block.source?.media_type),
      ['image/jpeg', 'image/png', 'image/png'],
    );
  });
});
