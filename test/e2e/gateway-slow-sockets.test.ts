// Issue 17, item 5: slow sockets are not held for minutes. headersTimeout bounds receiving a head,
// requestTimeout bounds receiving a whole request (never the answer: a long stream is not cut),
// and maxConnections caps open connections. Timeouts here are shortened to keep the test quick.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const HEADERS_TIMEOUT = 1000;
const REQUEST_TIMEOUT = 2000;
const MAX_CONNECTIONS = 12;
/** Node checks the timeouts every headersTimeout/4 (at least 100 ms); allow for that and a busy machine. */
const SLACK = 1500;

let t: TestGateway;
let port: number;

before(async () => {
  t = await startTestGateway({
    // Gemini stream frames 500 ms apart: an answer that outlasts requestTimeout.
    googleChunkDelayMs: 500,
    config: { headersTimeoutMs: HEADERS_TIMEOUT, requestTimeoutMs: REQUEST_TIMEOUT, maxConnections: MAX_CONNECTIONS },
  });
  port = Number(new URL(t.origin).port);
});
after(async () => {
  await t.close();
});

interface Outcome {
  answer: string;
  /** ms from connect until the gateway ended the connection, or undefined if it never did. */
  closedAfterMs: number | undefined;
}

/** Opens a raw connection, runs `send` on it, and reports what came back and when it closed (gives up after `waitMs`). */
function rawConnection(send: (socket: Socket) => void, waitMs: number): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => send(socket));
    const done = (closed: boolean): void => {
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ answer, closedAfterMs: closed ? performance.now() - started : undefined });
    };
    const giveUp = setTimeout(() => done(false), waitMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => done(true));
    socket.on('close', () => done(true));
  });
}

/** Writes `text` one byte every `everyMs` until the socket closes. */
function dribble(socket: Socket, text: string, everyMs: number): void {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || index >= text.length) return void clearInterval(timer);
    socket.write(text[index++] as string);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

describe('slow sockets', () => {
  it('a head sent one byte at a time is cut at headersTimeout', async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${t.apiKey}\r\n${'x-padding: 1\r\n'.repeat(50)}\r\n`;
    const outcome = await rawConnection((socket) => dribble(socket, head, 100), HEADERS_TIMEOUT + SLACK + 3000);
    assert.ok(outcome.closedAfterMs !== undefined, 'the gateway closed the connection');
    assert.ok(outcome.closedAfterMs < HEADERS_TIMEOUT + SLACK, `closed after ${Math.round(outcome.closedAfterMs)} ms`);
  });

  it('a silent connection is cut at headersTimeout', async () => {
    const outcome = await rawConnection(() => undefined, HEADERS_TIMEOUT + SLACK + 3000);
    assert.ok(outcome.closedAfterMs !== undefined && outcome.closedAfterMs < HEADERS_TIMEOUT + SLACK, `closed after ${outcome.closedAfterMs} ms`);
  });

  it('a body sent one byte at a time is cut at requestTimeout with a 408', async () => {
    const outcome = await rawConnection((socket) => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${t.apiKey}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n`,
      );
      dribble(socket, ' '.repeat(1000), 100);
    }, REQUEST_TIMEOUT + SLACK + 3000);
    assert.ok(outcome.closedAfterMs !== undefined, 'the gateway closed the connection');
    assert.ok(outcome.closedAfterMs < REQUEST_TIMEOUT + SLACK, `closed after ${Math.round(outcome.closedAfterMs)} ms`);
    assert.match(outcome.answer, /^HTTP\/1\.1 408/);
  });

  it('a streamed answer longer than requestTimeout is not cut', async () => {
    const started = performance.now();
    const stream = await t.client({ timeout: 20_000 }).chat.completions.create({
      model: MODELS.google,
      messages: [{ role: 'user', content: 'one two three four five six seven' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Echo: one two three four five six seven');
    assert.ok(performance.now() - started > REQUEST_TIMEOUT + SLACK, `the stream lasted ${Math.round(performance.now() - started)} ms`);
  });

  it('an idle keep-alive connection outlives headersTimeout and serves the next request', async () => {
    const request = `GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n`;
    const outcome = await rawConnection((socket) => {
      socket.write(request);
      setTimeout(() => socket.write(request), HEADERS_TIMEOUT + SLACK);
    }, HEADERS_TIMEOUT + SLACK + 1000);
    assert.equal(outcome.closedAfterMs, undefined, 'still open');
    assert.equal(outcome.answer.match(/HTTP\/1\.1 200/g)?.length, 2, outcome.answer);
  });
});

describe('maxConnections', () => {
  it('connections over the cap are closed at once; once some close, new ones are served', async () => {
    const held: Socket[] = [];
    try {
      for (let index = 0; index < MAX_CONNECTIONS; index++) {
        held.push(await new Promise<Socket>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.on('error', () => undefined);
        }));
      }
      // Let the gateway accept all of them.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const extra = await rawConnection((socket) => socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n'), 1000);
      assert.ok(extra.closedAfterMs !== undefined, 'the connection over the cap was closed');
      assert.equal(extra.answer, '', 'and got no answer');
    } finally {
      for (const socket of held) socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await fetch(`${t.origin}/healthz`);
    assert.equal(response.status, 200);
  });
});
