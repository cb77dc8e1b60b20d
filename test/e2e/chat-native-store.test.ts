// Secure defaults of the native-fields rule on /v1/chat/completions to OpenAI-family rows: `store`
// and `metadata` are not sent unless the row passes them (OpenAI's default is false, so completions
// are not kept in the gateway's OpenAI project), and a priced service tier or web search is a 400
// before any upstream call. The strict mock records what OpenAI received.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/** An OpenAI row that passes store, metadata and the priority tier. */
const KEEPING = 'e2e-gpt-store-pass';

type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startTestGateway();
  client = t.client();
  const rules = { store: 'pass', metadata: 'pass', service_tier: 'pass' };
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id, features)
     select $1, id, 'gpt-4o-mini', $2::jsonb from public.ai_providers where name = 'e2e-openai'`,
    [KEEPING, JSON.stringify({ native_fields: rules })],
  );
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
});

const ask = (model: string, extra: Record<string, unknown>): Params => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }) as Params;

/** The body of the last request OpenAI received. */
function sent(): Record<string, unknown> {
  const request = t.openai.requests.at(-1);
  assert.ok(request, 'OpenAI was called');
  return request.body as Record<string, unknown>;
}

describe('store and metadata on chat completions', () => {
  it('store: true and metadata are not sent to an OpenAI row without a rule, streamed or not; they are sent when the row passes them', async () => {
    const completion = await client.chat.completions.create(ask(MODELS.openai, { store: true, metadata: { team: 'a' } }));
    assert.equal(completion.choices[0]?.message.content, 'Echo: hi');
    assert.equal('store' in sent() || 'metadata' in sent(), false);
    const stream = await client.chat.completions.create({ ...ask(MODELS.openai, { store: true }), stream: true });
    for await (const chunk of stream) void chunk;
    assert.equal('store' in sent(), false);
    await client.chat.completions.create(ask(KEEPING, { store: true, metadata: { team: 'a' } }));
    assert.equal(sent()['store'], true);
    assert.deepEqual(sent()['metadata'], { team: 'a' });
  });
});

describe('priced fields on chat completions', () => {
  it('service_tier "priority" and web_search_options are 400s naming the field, before any upstream call; the row rule passes priority', async () => {
    for (const [extra, param] of [[{ service_tier: 'priority' }, 'service_tier'], [{ web_search_options: {} }, 'web_search_options']] as const) {
      const before = t.openai.requests.length;
      await assert.rejects(client.chat.completions.create(ask(MODELS.openai, extra)), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 400);
        assert.equal(error.code, 'unsupported_feature');
        assert.equal(error.param, param);
        assert.match(error.message, /is not enabled for the model 'e2e-gpt'/);
        return true;
      });
      assert.equal(t.openai.requests.length, before, param);
    }
    await client.chat.completions.create(ask(KEEPING, { service_tier: 'priority' }));
    assert.equal(sent()['service_tier'], 'priority');
  });
});
