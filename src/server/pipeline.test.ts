// admitPipelined on a real node:http server: how many pipelined requests a connection gets started,
// when the rest start, and that the socket stops being read once `limit` more are held.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { admitPipelined } from './pipeline.js';

const LIMIT = 3;

interface Started {
  path: string;
  response: ServerResponse;
}

let server: ReturnType<typeof createServer>;
let port: number;
/** Every request the server emitted ('request' events), started or held. */
let seen = 0;
const started: Started[] = [];
const left: string[] = [];
/** Requests held (not started at once): told by the gate. */
let held = 0;
const gate = { limit: LIMIT, onLeft: (waiting: ServerResponse) => left.push(waiting.req.url ?? ''), onHeld: () => void (held += 1) };

before(async () => {
  server = createServer((request, response) => {
    seen += 1;
    const start = (): void => void started.push({ path: request.url ?? '', response });
    if (response.socket === null) admitPipelined(request, response, gate, start);
    else start();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function reset(): void {
  seen = 0;
  held = 0;
  started.length = 0;
  left.length = 0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) assert.fail('not within the time');
    await sleep(10);
  }
}

async function open(): Promise<{ socket: Socket; text: () => string }> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, text: () => received };
}

const get = (n: number): string => `GET /${n} HTTP/1.1\r\nhost: x\r\n\r\n`;
const answer = (entry: Started | undefined): void => void entry?.response.end(`answer ${entry.path}`);

describe('pipelined requests on one connection', () => {
  it('start at most `limit` at once, the rest in order as earlier answers are written', async () => {
    reset();
    const { socket, text } = await open();
    socket.write(Array.from({ length: 7 }, (_, i) => get(i)).join(''));
    await eventually(() => seen === 7);
    await sleep(50);
    assert.deepEqual(started.map((entry) => entry.path), ['/0', '/1', '/2']);
    assert.equal(held, 4);
    // An answer behind the first one frees nothing: it is in progress until it is written.
    answer(started[2]);
    await sleep(50);
    assert.equal(started.length, 3);
    // The first answer written: /1 is being answered, /2 waits behind it, so one more starts.
    answer(started[0]);
    await eventually(() => started.length === 4);
    await sleep(50);
    assert.equal(started.length, 4);
    // /1 written, then /2 (already answered): two more start.
    answer(started[1]);
    await eventually(() => started.length === 6);
    for (const index of [3, 4, 5]) answer(started[index]);
    await eventually(() => started.length === 7);
    answer(started[6]);
    await eventually(() => (text().match(/answer \/\d/g) ?? []).length === 7);
    assert.deepEqual(text().match(/answer \/\d/g), ['/0', '/1', '/2', '/3', '/4', '/5', '/6'].map((path) => `answer ${path}`));
    socket.destroy();
  });

  it('stop reading the connection once `limit` requests are held, and read on when they start', async () => {
    reset();
    const { socket, text } = await open();
    // One request per write, so each arrives in a read of its own.
    for (let i = 0; i < 12; i++) {
      socket.write(get(i));
      await sleep(15);
    }
    await sleep(100);
    // 3 started (the first and two behind it) and 3 held, then the socket is no longer read.
    assert.equal(started.length, LIMIT);
    assert.equal(seen, 2 * LIMIT);
    answer(started[0]);
    for (let done = 1; done < 12; done++) {
      await eventually(() => started.length > done);
      answer(started[done]);
    }
    await eventually(() => (text().match(/answer \/\d+/g) ?? []).length === 12);
    assert.equal(seen, 12);
    socket.destroy();
  });

  it('tell the owner of every started response still waiting when the connection closes, and drop the held ones', async () => {
    reset();
    const { socket } = await open();
    socket.write(Array.from({ length: 5 }, (_, i) => get(i)).join(''));
    await eventually(() => seen === 5);
    socket.destroy();
    await eventually(() => left.length === 2);
    await sleep(50);
    assert.deepEqual(left.sort(), ['/1', '/2']);
    assert.equal(started.length, 3);
  });
});
