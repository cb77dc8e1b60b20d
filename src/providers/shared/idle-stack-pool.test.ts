import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { IdleStackPool } from './idle-stack-pool.js';
import { UpstreamAgent } from './upstream-agent.js';
import { dispatchRequest, errors } from './undici.js';

const options = { connectTimeoutMs: 2_000, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 };

/** A local server that records the client port of every request; `hold` keeps answers back until released. */
async function startServer(handle?: (request: IncomingMessage, response: ServerResponse) => void): Promise<{
  server: Server;
  origin: string;
  ports: number[];
  connections: () => number;
}> {
  const ports: number[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    ports.push(request.socket.remotePort ?? 0);
    if (handle) handle(request, response);
    else response.end('ok');
  });
  server.on('connection', () => {
    connections += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, ports, connections: () => connections };
}

async function get(pool: IdleStackPool | UpstreamAgent, origin: string): Promise<string> {
  const answer = await dispatchRequest(pool, { origin, path: '/', method: 'GET' });
  return answer.body.text();
}

/**
 * A request after the previous one's answer, one event-loop turn later: undici's client says it is
 * free again (`drain`) after its answer's body was read, so a request made in the same turn takes
 * another connection (undici's Pool behaves alike).
 */
async function getNext(pool: IdleStackPool | UpstreamAgent, origin: string): Promise<string> {
  await new Promise((resolve) => setImmediate(resolve));
  return get(pool, origin);
}

test('sequential requests share one keep-alive connection', async () => {
  const { server, origin, ports, connections } = await startServer();
  const pool = new IdleStackPool(origin, options);
  try {
    for (let i = 0; i < 5; i++) assert.equal(await getNext(pool, origin), 'ok');
    assert.equal(connections(), 1);
    assert.equal(new Set(ports).size, 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(pool.size, { clients: 1, idle: 1 });
  } finally {
    await pool.close();
    server.close();
  }
});

test('concurrent requests each get a connection at once, and later ones reuse the connection freed last', async () => {
  const held: ServerResponse[] = [];
  const count = 40;
  let release: () => void = () => {};
  const allArrived = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { server, origin, ports, connections } = await startServer((_request, response) => {
    // Answers only once all are in: a request queued behind another would never arrive.
    if (held.length < count) {
      held.push(response);
      if (held.length === count) release();
    } else response.end('ok');
  });
  const pool = new IdleStackPool(origin, options);
  try {
    const answers = Array.from({ length: count }, () => get(pool, origin));
    await allArrived;
    assert.deepEqual(pool.size, { clients: count, idle: 0 });
    // Freed in order: the last one freed is the one the next requests take.
    for (const response of held) {
      response.end('ok');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    assert.deepEqual(await Promise.all(answers), Array(count).fill('ok'));
    assert.equal(connections(), count);
    assert.equal(pool.size.idle, count);
    const lastFreed = ports[count - 1];
    for (let i = 0; i < 3; i++) assert.equal(await getNext(pool, origin), 'ok');
    assert.equal(connections(), count, 'no new connection for the requests after');
    assert.deepEqual(ports.slice(count), [lastFreed, lastFreed, lastFreed]);
  } finally {
    await pool.close();
    server.close();
  }
});

test("a client whose connection the server closed is dropped, not kept, and the pool goes on", async () => {
  const { server, origin, connections } = await startServer((_request, response) => {
    response.setHeader('connection', 'close');
    response.end('ok');
  });
  const pool = new IdleStackPool(origin, options);
  try {
    // 100 at once: enough dropped clients on the stack to compact it.
    assert.deepEqual(await Promise.all(Array.from({ length: 100 }, () => get(pool, origin))), Array(100).fill('ok'));
    for (let i = 0; i < 50 && pool.size.clients > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(pool.size, { clients: 0, idle: 0 });
    assert.equal(await get(pool, origin), 'ok');
    assert.equal(connections(), 101);
  } finally {
    await pool.close();
    server.close();
  }
});

test('a connection that cannot be made fails its request and leaves no client behind', async () => {
  const { server, origin } = await startServer();
  server.close();
  await once(server, 'close');
  const pool = new IdleStackPool(origin, options);
  try {
    await assert.rejects(get(pool, origin), (error: Error & { code?: string }) => error.code === 'ECONNREFUSED');
    assert.deepEqual(pool.size, { clients: 0, idle: 0 });
  } finally {
    await pool.close();
  }
});

test('close waits for the request in flight, then refuses new ones; destroy cuts them', async () => {
  let answer: ServerResponse | undefined;
  let onArrived: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    onArrived = resolve;
  });
  const { server, origin } = await startServer((_request, response) => {
    answer = response;
    onArrived();
  });
  const pool = new IdleStackPool(origin, options);
  const inFlight = get(pool, origin);
  await arrived;
  let closed = false;
  const closing = pool.close().then(() => {
    closed = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(closed, false, 'close waits for the answer in flight');
  answer?.end('late');
  assert.equal(await inFlight, 'late');
  await closing;
  assert.equal(pool.closed, true);
  await assert.rejects(get(pool, origin), errors.ClientClosedError);

  const second = new IdleStackPool(origin, options);
  const cut = get(second, origin);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await second.destroy(new Error('going away'));
  await assert.rejects(cut, /going away/);
  assert.equal(second.destroyed, true);
  server.close();
});

test('the UpstreamAgent serves through the idle stack and still refuses requests over its limit', async () => {
  const held: ServerResponse[] = [];
  const { server, origin, connections } = await startServer((_request, response) => {
    held.push(response);
    if (held.length === 2) for (const waiting of held) waiting.end('ok');
  });
  const agent = new UpstreamAgent({ maxConnections: 2 });
  try {
    const answers = [get(agent, origin), get(agent, origin)];
    await assert.rejects(get(agent, origin), (error: Error) => error.name === 'UpstreamConnectionLimitError');
    assert.deepEqual(await Promise.all(answers), ['ok', 'ok']);
    assert.equal(connections(), 2);
    assert.equal(agent.inFlight(origin), 0);
  } finally {
    await agent.close();
    server.close();
  }
});
