// Issue 11, retries and fallbacks: a primary failing with 500, 529, 429 (+ retry-after), a timeout
// before headers and a refused connection is served by the fallback, and every attempt is a ledger
// row (embeddings too); a 400 comes back as is without a retry; a 401 blocks the primary's credential, a 403 does not. Real gateway,
// real database, strict vendor mocks.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { attemptRows, chat, createRoute, startInstance, startWorld, type Instance, type RoutingWorld } from './routing-harness.js';

describe('a route falls back before the first byte and records every attempt', () => {
  let world: RoutingWorld;
  let gw: Instance;

  before(async () => {
    world = await startWorld();
    await createRoute(world.db, 'ab-500', { 'model-a': [1, 0], 'model-b': [1, 1] });
    await createRoute(world.db, 'ab-529', { 'model-claude': [1, 0], 'model-b': [1, 1] });
    await createRoute(world.db, 'ab-429', { 'model-a': [1, 0], 'model-b': [1, 1] }, { max_retry_wait_ms: 2000 });
    await createRoute(world.db, 'ab-slow', { 'model-slow': [1, 0], 'model-b': [1, 1] });
    await createRoute(world.db, 'ab-refused', { 'model-refused': [1, 0], 'model-b': [1, 1] });
    await createRoute(world.db, 'ab-401', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
    await createRoute(world.db, 'ab-403', { 'model-a': [1, 0], 'model-b': [1, 1] }, { sticky_key: 'none' });
    gw = await startInstance(world);
  });
  after(async () => {
    await gw?.close();
    await world?.close();
  });
  beforeEach(() => {
    world.a.requests.length = 0;
    world.b.requests.length = 0;
  });

  async function served(route: string): Promise<{ answer: Awaited<ReturnType<typeof chat>>; rows: Awaited<ReturnType<typeof attemptRows>> }> {
    const requestId = randomUUID();
    const answer = await chat(gw.origin, world.apiKey, { model: route }, { 'x-request-id': requestId });
    return { answer, rows: await attemptRows(gw, world.db, requestId) };
  }

  it('500 from the primary: the fallback serves, two ledger rows, headers say so', async () => {
    world.a.failNext({ status: 500 });
    const { answer, rows } = await served('ab-500');
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.equal(answer.headers.get('x-switchboard-route'), 'ab-500');
    assert.equal(answer.headers.get('x-switchboard-arm'), 'model-a');
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-b');
    assert.equal(answer.headers.get('x-switchboard-attempts'), '2');
    assert.match(answer.headers.get('x-switchboard-route-version') ?? '', /^\d+$/);
    assert.deepEqual(
      rows.map((row) => [row.attempt, row.model_name, row.status, row.route_name, row.arm, row.served_arm, row.fallback]),
      [
        [1, 'model-a', 500, 'ab-500', 'model-a', 'model-a', false],
        [2, 'model-b', 200, 'ab-500', 'model-a', 'model-b', true],
      ],
    );
  });

  it("Anthropic's 529 (overloaded): the fallback serves", async () => {
    world.claude.failNext({ status: 529 });
    const { answer, rows } = await served('ab-529');
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.deepEqual(rows.map((row) => [row.model_name, row.status]), [['model-claude', 503], ['model-b', 200]]);
  });

  it('429 with a short retry-after: waits and retries the same target', async () => {
    world.a.failNext({ status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const { answer, rows } = await served('ab-429');
    const elapsed = Date.now() - started;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchboard-target'), 'model-a');
    assert.ok(elapsed >= 950, `waited ${elapsed} ms for retry-after: 1`);
    assert.deepEqual(rows.map((row) => [row.attempt, row.model_name, row.status, row.fallback]), [[1, 'model-a', 429, false], [2, 'model-a', 200, false]]);
    assert.equal(world.b.requests.length, 0);
  });

  it('429 with a long retry-after: moves on to the fallback at once', async () => {
    world.a.failNext({ status: 429, headers: { 'retry-after': '30' } });
    const started = Date.now();
    const { answer, rows } = await served('ab-429');
    assert.ok(Date.now() - started < 900, 'did not wait');
    assert.equal(answer.status, 200);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status]), [['model-a', 429], ['model-b', 200]]);
  });

  it('a timeout before headers: the fallback serves', async () => {
    const { answer, rows } = await served('ab-slow');
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.deepEqual(rows.map((row) => [row.model_name, row.status, row.error_code]), [['model-slow', 504, 'provider_timeout'], ['model-b', 200, null]]);
  });

  it('a refused connection: the fallback serves', async () => {
    const { answer, rows } = await served('ab-refused');
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.deepEqual(rows.map((row) => [row.model_name, row.status]), [['model-refused', 502], ['model-b', 200]]);
  });

  it('a 400 from the primary comes back as is, not retried', async () => {
    world.a.failNext({ status: 400, body: { error: { message: 'Invalid value for temperature.', type: 'invalid_request_error', param: 'temperature', code: null } } });
    const { answer, rows } = await served('ab-500');
    assert.equal(answer.status, 400);
    assert.equal((answer.json['error'] as Record<string, unknown>)['param'], 'temperature');
    assert.equal(answer.headers.get('x-switchboard-attempts'), '1');
    assert.equal(world.b.requests.length, 0);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status]), [['model-a', 400]]);
  });

  it('embeddings through a route: a 500 from the primary falls back like chat, each attempt a ledger row', async () => {
    world.a.failNext({ status: 500 });
    const requestId = randomUUID();
    const response = await fetch(`${gw.origin}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: 'ab-500', input: ['route me'] }),
    });
    const json = (await response.json()) as { data?: { embedding: number[] }[]; model?: string };
    assert.equal(response.status, 200, JSON.stringify(json));
    assert.equal(json.model, 'ab-500');
    assert.equal(json.data?.length, 1);
    assert.equal(response.headers.get('x-switchboard-target'), 'model-b');
    assert.equal(response.headers.get('x-switchboard-attempts'), '2');
    assert.equal(world.b.requests.length, 1);
    assert.match(world.b.requests[0]?.url ?? '', /\/embeddings$/);
    await gw.switchboard.service.usage?.flush();
    const rows = await world.db.query<{ attempt: number; model_name: string; status: number; endpoint: string; fallback: boolean }>(
      `select attempt, model_name, status, endpoint, fallback from ai_usage where request_id = $1 order by attempt`,
      [requestId],
    );
    assert.deepEqual(
      rows.rows.map((row) => [row.attempt, row.model_name, row.status, row.endpoint, row.fallback]),
      [
        [1, 'model-a', 500, 'embeddings', false],
        [2, 'model-b', 200, 'embeddings', true],
      ],
    );
  });

  it('a 403 (this resource, not the credential) falls back without blocking: the next request goes to the primary again', async () => {
    world.a.failNext({ status: 403 });
    const first = await served('ab-403');
    assert.equal(first.answer.status, 200);
    assert.deepEqual(first.rows.map((row) => [row.model_name, row.status]), [['model-a', 403], ['model-b', 200]]);
    const second = await served('ab-403');
    assert.deepEqual(second.rows.map((row) => [row.model_name, row.status, row.attempt]), [['model-a', 200, 1]]);
    assert.equal(gw.switchboard.service.router?.credentials.list(Date.now()).length, 0, 'no credential is blocked');
  });

  it('a 401 from the primary blocks its credential: this request and the next are served by the fallback', async () => {
    world.a.failNext({ status: 401 });
    const first = await served('ab-401');
    assert.equal(first.answer.status, 200);
    assert.deepEqual(first.rows.map((row) => [row.model_name, row.status]), [['model-a', 401], ['model-b', 200]]);
    world.a.requests.length = 0;
    const second = await served('ab-401');
    assert.equal(second.answer.status, 200);
    assert.equal(world.a.requests.length, 0, 'the blocked credential is never retried');
    assert.deepEqual(second.rows.map((row) => [row.model_name, row.status, row.attempt]), [['model-b', 200, 1]]);
    assert.ok(gw.switchboard.service.router?.credentials.list(Date.now()).length === 1);
  });
});
