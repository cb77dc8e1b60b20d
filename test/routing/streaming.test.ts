// Issue 11, the streaming contract: headers are held until the first content delta (the commit
// point). A stream that fails before it falls back invisibly; one that fails after it ends with an
// in-band error event and no [DONE], and its ledger row is incomplete.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { attemptRows, createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

describe('routed streams commit at the first content delta', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'stream-ab', { 'model-a': [1, 0], 'model-b': [1, 1] });
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });

  async function stream(body: Record<string, unknown>): Promise<{ status: number; headers: Headers; text: string; requestId: string }> {
    const requestId = randomUUID();
    const response = await fetch(`${gw.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hello there friend' }], stream: true, ...body }),
    });
    return { status: response.status, headers: response.headers, text: await response.text(), requestId };
  }

  function contentOf(sse: string): string {
    let text = '';
    for (const line of sse.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const chunk = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] };
      text += chunk.choices?.[0]?.delta?.content ?? '';
    }
    return text;
  }

  it('a stream that fails before its first delta falls back invisibly', async () => {
    world.a.failNextStream({ afterChunks: 0 });
    const answer = await stream({ model: 'stream-ab' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-b');
    assert.equal(answer.headers.get('x-switchboard-attempts'), '2');
    assert.equal(contentOf(answer.text), 'Echo: hello there friend');
    assert.ok(answer.text.trimEnd().endsWith('data: [DONE]'));
    assert.doesNotMatch(answer.text, /"error"/);
    const rows = await attemptRows(gw, world.db, answer.requestId);
    assert.deepEqual(
      rows.map((row) => [row.attempt, row.model_name, row.status >= 400, row.incomplete, row.fallback, row.streamed]),
      [
        [1, 'model-a', true, false, false, true],
        [2, 'model-b', false, false, true, true],
      ],
    );
  });

  it('a stream that fails after its first delta ends with an in-band error, no [DONE], and an incomplete ledger row', async () => {
    world.a.failNextStream({ afterChunks: 2 });
    world.b.requests.length = 0;
    const answer = await stream({ model: 'stream-ab' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-a');
    assert.equal(answer.headers.get('x-switchboard-attempts'), '1');
    assert.equal(contentOf(answer.text), 'Echo: hello');
    assert.match(answer.text, /data: \{"error":\{/);
    assert.doesNotMatch(answer.text, /\[DONE\]/);
    assert.equal(world.b.requests.length, 0, 'nothing is replayed after the commit point');
    const rows = await attemptRows(gw, world.db, answer.requestId);
    assert.deepEqual(rows.map((row) => [row.attempt, row.model_name, row.incomplete]), [[1, 'model-a', true]]);
  });

  it('a clean routed stream carries the route headers and ends with [DONE]', async () => {
    const answer = await stream({ model: 'stream-ab' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchboard-route'), 'stream-ab');
    assert.equal(answer.headers.get('x-switchboard-arm'), 'model-a');
    assert.ok(answer.text.trimEnd().endsWith('data: [DONE]'));
    const rows = await attemptRows(gw, world.db, answer.requestId);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status, row.incomplete]), [['model-a', 200, false]]);
  });

  it('/v1/messages and /v1/responses serve a route through the same service path', async () => {
    world.a.failNext({ status: 500 });
    const messages = await fetch(`${gw.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': world.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'stream-ab', max_tokens: 50, messages: [{ role: 'user', content: 'hi messages' }] }),
    });
    const message = (await messages.json()) as { content?: { text?: string }[] };
    assert.equal(messages.status, 200, JSON.stringify(message));
    assert.equal(messages.headers.get('x-switchboard-target'), 'model-b');
    assert.equal(message.content?.[0]?.text, 'Echo: hi messages');
    const responses = await fetch(`${gw.origin}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'stream-ab', input: 'hi responses', stream: true }),
    });
    const text = await responses.text();
    assert.equal(responses.status, 200, text);
    assert.equal(responses.headers.get('x-switchboard-route'), 'stream-ab');
    assert.match(text, /response\.completed/);
  });
});
