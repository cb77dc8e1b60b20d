// Issue 11, a route's deadline: it aborts the upstream attempt in flight (the client gets a 504
// `provider_timeout` soon after deadline_ms, the attempt is a ledger row with that code, and the
// upstream sees its connection close), before a stream's commit point too; a stream already
// delivering is not cut by it. Real gateway, real database, strict vendor mocks.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { attemptRows, chat, createRoute, ENV, eventually, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

const DEADLINE_MS = 400;

describe("a route's deadline cuts the attempt in flight", () => {
  let world: RoutingWorld;
  let slow: OpenAIMock;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    // An upstream that streams a frame every 150 ms: its answer outlasts the deadline.
    slow = await startOpenAIMock({ apiKeys: [ENV.ROUTE_A_API_KEY], chunkDelayMs: 150 });
    // The hanging upstream with the default provider timeouts (minutes): only the deadline stops it.
    await world.db.query(
      `insert into ai_providers (name, provider_class, api_base_url, required_env_vars) values
         ('route-hang', 'OpenAIProvider', $1, '["ROUTE_A_API_KEY"]'::jsonb),
         ('route-trickle', 'OpenAIProvider', $2, '["ROUTE_A_API_KEY"]'::jsonb)`,
      [`${world.hanging.origin}/v1`, slow.baseUrl],
    );
    await world.db.exec(`
insert into ai_models (name, provider_id, model_id) values
  ('model-hang', (select id from ai_providers where name = 'route-hang'), 'gpt-4o-mini'),
  ('model-trickle', (select id from ai_providers where name = 'route-trickle'), 'gpt-4o-mini');`);
    await createRoute(world.db, 'dl-hang', { 'model-hang': [1, 0], 'model-b': [1, 1] }, { deadline_ms: DEADLINE_MS });
    await createRoute(world.db, 'dl-stream', { 'model-a': [1, 0] }, { deadline_ms: DEADLINE_MS });
    await createRoute(world.db, 'dl-trickle', { 'model-trickle': [1, 0] }, { deadline_ms: DEADLINE_MS });
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await slow?.close();
    await world?.close();
  });
  beforeEach(() => {
    world.hanging.requests.length = 0;
    world.b.requests.length = 0;
  });

  it('a non-streaming attempt that never answers: 504 near the deadline, the upstream connection closed, one ledger row', async () => {
    const requestId = randomUUID();
    const started = Date.now();
    const answer = await chat(gw.origin, world.apiKey, { model: 'dl-hang' }, { 'x-request-id': requestId });
    const elapsed = Date.now() - started;
    assert.equal(answer.status, 504, JSON.stringify(answer.json));
    const error = answer.json['error'] as Record<string, unknown>;
    assert.equal(error['code'], 'provider_timeout');
    assert.match(String(error['message']), /deadline of 400 ms/);
    assert.ok(elapsed >= DEADLINE_MS - 20 && elapsed < DEADLINE_MS + 1500, `answered after ${elapsed} ms`);
    assert.equal(answer.headers.get('x-switchboard-attempts'), '1');
    assert.equal(world.b.requests.length, 0, 'no attempt starts after the deadline');
    await eventually(() => world.hanging.requests[0]?.aborted === true, 'the upstream to see its connection close', 2000);
    const rows = await attemptRows(gw, world.db, requestId);
    assert.deepEqual(rows.map((row) => [row.attempt, row.model_name, row.status, row.error_code, row.incomplete]), [[1, 'model-hang', 504, 'provider_timeout', false]]);
  });

  it('a stream that hangs before its first delta: a 504 error answer (no stream), the upstream connection closed', async () => {
    world.a.hangNextStream({ afterChunks: 0 });
    world.a.requests.length = 0;
    const requestId = randomUUID();
    const started = Date.now();
    const response = await fetch(`${gw.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: 'dl-stream', stream: true, messages: [{ role: 'user', content: 'hello there' }] }),
    });
    const body = (await response.json()) as { error: { code: string } };
    const elapsed = Date.now() - started;
    assert.equal(response.status, 504);
    assert.equal(body.error.code, 'provider_timeout');
    assert.ok(elapsed < DEADLINE_MS + 1500, `answered after ${elapsed} ms`);
    await eventually(() => world.a.requests[0]?.aborted === true, 'the upstream stream to be closed', 2000);
    const rows = await attemptRows(gw, world.db, requestId);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status, row.error_code, row.incomplete, row.streamed]), [['model-a', 504, 'provider_timeout', false, true]]);
  });

  it('a stream past its commit point is not cut: it outlasts the deadline and ends with [DONE]', async () => {
    const requestId = randomUUID();
    const started = Date.now();
    const response = await fetch(`${gw.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: 'dl-trickle', stream: true, messages: [{ role: 'user', content: 'hello there friend' }] }),
    });
    const text = await response.text();
    const elapsed = Date.now() - started;
    assert.equal(response.status, 200);
    assert.ok(elapsed > DEADLINE_MS, `the stream lasted ${elapsed} ms, longer than the deadline`);
    assert.doesNotMatch(text, /"error"/);
    assert.ok(text.trimEnd().endsWith('data: [DONE]'));
    const rows = await attemptRows(gw, world.db, requestId);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status, row.incomplete]), [['model-trickle', 200, false]]);
  });
});
