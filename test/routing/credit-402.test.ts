// OpenRouter answers 402 both when an account is out of credit and when one request asks for more
// than the credit left affords ("This request requires more credits, or fewer max_tokens. You
// requested up to 32000 tokens, but can only afford 27342"). Every 402 blocked the project's
// credential for 5 minutes, so any client of a project (an app's end user who sets max_tokens) could
// have the project's OpenRouter credential blocked on every instance with one request. Now a 402
// that says the request costs more than the credit left (some is left) is that request's failure:
// the route moves on without a block, and the client is told to ask for less. A 402 with nothing
// left ("can only afford 0") or any other 402 still blocks. Real gateway, database and strict mocks.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { attemptRows, createRoute, eventually, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

/** OpenRouter's 402 body, as its API sends it. */
const creditBody = (requested: number, affordable: number): unknown => ({
  error: {
    message: `This request requires more credits, or fewer max_tokens. You requested up to ${requested} tokens, but can only afford ${affordable}. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account`,
    code: 402,
    metadata: { provider_name: null },
  },
  user_id: 'user_2abc',
});

describe('a 402 for one costly request does not block the credential', () => {
  let world: RoutingWorld;
  let gw: Instance;
  let client: OpenAI;

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'credit', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
  });
  beforeEach(async () => {
    await gw?.close();
    await world.db.query('delete from ai_credential_blocks');
    gw = await startInstance(world);
    client = new OpenAI({ baseURL: `${gw.origin}/v1`, apiKey: world.apiKey, maxRetries: 0 });
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });

  const blocks = async (): Promise<string[]> =>
    (await world.db.query<{ name: string }>('select p.name from ai_credential_blocks b join ai_providers p on p.id = b.provider_id')).rows.map((row) => row.name);

  async function viaRoute(): Promise<{ target: string | null; requestId: string }> {
    const requestId = randomUUID();
    const { response } = await client.chat.completions
      .create({ model: 'credit', max_tokens: 32000, messages: [{ role: 'user', content: 'hello there' }] }, { headers: { 'x-request-id': requestId } })
      .withResponse();
    return { target: response.headers.get('x-switchboard-target'), requestId };
  }

  it('"can only afford 27342": the route moves on, no block, and the next request still tries the first target', async () => {
    world.a.failNext({ status: 402, body: creditBody(32000, 27342) });
    const first = await viaRoute();
    assert.equal(first.target, 'model-b');
    const rows = await attemptRows(gw, world.db, first.requestId);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status]), [['model-a', 402], ['model-b', 200]]);
    await gw.switchboard.service.router?.flush();
    assert.deepEqual(await blocks(), [], 'no shared block');
    const before = world.a.requests.length;
    const second = await viaRoute();
    assert.equal(second.target, 'model-a', 'the credential is not blocked on this instance either');
    assert.equal(world.a.requests.length, before + 1);
  });

  it('a direct call gets the 402 with a message saying to ask for less, without the account figures', async () => {
    world.a.failNext({ status: 402, body: creditBody(32000, 27342) });
    const failure = await client.chat.completions.create({ model: 'model-a', max_tokens: 32000, messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    assert.ok(failure instanceof OpenAI.APIError, String(failure));
    assert.equal(failure.status, 402);
    assert.match(failure.message, /lower max_tokens/);
    assert.ok(!failure.message.includes('27342'), 'the credit left is the account\'s, not shown');
  });

  it('"can only afford 0" (nothing left) blocks the credential as before', async () => {
    world.a.failNext({ status: 402, body: creditBody(4096, 0) });
    const answer = await viaRoute();
    assert.equal(answer.target, 'model-b');
    assert.deepEqual(await eventually(async () => ((await blocks()).length > 0 ? blocks() : undefined), 'the shared credential block'), ['route-a']);
  });

  it('a plain 402 (insufficient credits) blocks the credential as before', async () => {
    world.a.failNext({ status: 402, body: { error: { message: 'Insufficient credits. Add more using https://openrouter.ai/credits', code: 402 } } });
    const answer = await viaRoute();
    assert.equal(answer.target, 'model-b');
    assert.deepEqual(await eventually(async () => ((await blocks()).length > 0 ? blocks() : undefined), 'the shared credential block'), ['route-a']);
  });
});
