// An error a server sends after its 200 (OpenRouter's `data: {"error": {"code": 429, …}}` inside a
// stream, or a whole answer `{"error": {"code": 401, …}}`) carries its HTTP status in `code`. Until
// 2026-12-08 an in-stream one was a 500 whatever its code (a server error: next target at once,
// against the breaker) and a whole one a plain 502, so a rate limit went to targets that accept only
// `rate_limited`, and a refused key was never blocked. Now a route acts on it as on that status
// (docs/routing.md). Real gateway, real database, strict mocks, the openai SDK.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { attemptRows, createRoute, eventually, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

/** A stream whose first data line is the error `{code, message}`, as OpenRouter words it. */
const errorStream = (code: number): string => `data: ${JSON.stringify({ error: { code, message: 'Provider returned error', metadata: { provider_name: 'Lambda' } } })}\n\n`;

describe('a route acts on the HTTP status an error after the 200 carries in its code', () => {
  let world: RoutingWorld;
  let gw: Instance;
  let client: OpenAI;

  /** A fresh instance, without the blocks an earlier test left in another one's memory. */
  async function restart(): Promise<void> {
    await gw?.close();
    await world.db.query('delete from ai_credential_blocks');
    gw = await startInstance(world);
    client = new OpenAI({ baseURL: `${gw.origin}/v1`, apiKey: world.apiKey, maxRetries: 0 });
  }

  before(async () => {
    world = await startWorld();
    // model-b takes only a rate limit: a server error on model-a does not reach it.
    await createRoute(world.db, 'limited', { 'model-a': [1, 0], 'model-b': [1, 1, ['rate_limited']] }, { sticky_key: 'none' });
    await createRoute(world.db, 'refused', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
  });
  beforeEach(restart);
  after(async () => {
    await gw?.close();
    await world?.close();
  });

  async function streamed(model: string): Promise<{ text: string; target: string | null; requestId: string }> {
    const requestId = randomUUID();
    const { data, response } = await client.chat.completions
      .create({ model, stream: true, messages: [{ role: 'user', content: 'hello there' }] }, { headers: { 'x-request-id': requestId } })
      .withResponse();
    let text = '';
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
    return { text, target: response.headers.get('x-switchboard-target'), requestId };
  }

  const blocks = async (): Promise<string[]> =>
    (await world.db.query<{ name: string }>('select p.name from ai_credential_blocks b join ai_providers p on p.id = b.provider_id')).rows.map((row) => row.name);

  it('code 429 in a stream is rate_limited: the target that accepts only rate_limited serves', async () => {
    world.a.replayNextStream(errorStream(429));
    const answer = await streamed('limited');
    assert.deepEqual([answer.target, answer.text], ['model-b', 'Echo: hello there']);
    const rows = await attemptRows(gw, world.db, answer.requestId);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status, row.error_code]), [['model-a', 429, 'rate_limited'], ['model-b', 200, null]]);
  });

  it('code 401 in a stream blocks the credential, as a 401 status does; 403 only moves on', async () => {
    world.a.replayNextStream(errorStream(401));
    const answer = await streamed('refused');
    assert.equal(answer.target, 'model-b');
    const rows = await attemptRows(gw, world.db, answer.requestId);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status, row.error_code]), [['model-a', 401, 'authentication_failed'], ['model-b', 200, null]]);
    assert.deepEqual(await eventually(async () => ((await blocks()).length > 0 ? blocks() : undefined), 'the shared credential block'), ['route-a']);

    await restart();
    world.a.replayNextStream(errorStream(403));
    const moved = await streamed('refused');
    assert.equal(moved.target, 'model-b');
    const movedRows = await attemptRows(gw, world.db, moved.requestId);
    assert.deepEqual(movedRows.map((row) => [row.model_name, row.status]), [['model-a', 403], ['model-b', 200]]);
    await gw.switchboard.service.router?.flush();
    assert.deepEqual(await blocks(), [], 'a 403 does not block the credential');
  });

  it('a whole 200 answer {"error": {"code": 401}} blocks the credential too', async () => {
    world.a.replayNext({ error: { code: 401, message: 'No auth credentials found' } });
    const requestId = randomUUID();
    const { response } = await client.chat.completions
      .create({ model: 'refused', messages: [{ role: 'user', content: 'hello there' }] }, { headers: { 'x-request-id': requestId } })
      .withResponse();
    assert.equal(response.headers.get('x-switchboard-target'), 'model-b');
    const rows = await attemptRows(gw, world.db, requestId);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status]), [['model-a', 401], ['model-b', 200]]);
    assert.deepEqual(await eventually(async () => ((await blocks()).length > 0 ? blocks() : undefined), 'the shared credential block'), ['route-a']);
  });

  it('a direct stream answers the status: the SDK gets a RateLimitError for code 429', async () => {
    world.a.replayNextStream(errorStream(429));
    const failure = await client.chat.completions.create({ model: 'model-a', stream: true, messages: [{ role: 'user', content: 'hello there' }] }).catch((error: unknown) => error);
    assert.ok(failure instanceof OpenAI.RateLimitError, String(failure));
    assert.equal(failure.status, 429);
    assert.ok(!failure.message.includes('Provider returned error'), 'an account error\'s message is withheld');
  });
});
