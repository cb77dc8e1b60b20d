// HTTP/1.1 pipelining: a client may send several requests on one connection before reading any
// answer. Node answers them in order and keeps the later responses waiting without a socket; if the
// client closes the connection first, Node never emits their 'close'. Each must still give back its
// key slot and in-flight count, and its upstream call must be aborted: the gateway cleans up every
// waiting response when the connection closes.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;

before(async () => {
  // Gemini stream frames 300 ms apart: every stream is still running when the client leaves.
  t = await startTestGateway({ googleChunkDelayMs: 300, config: { maxConcurrentPerKey: 3 } });
});
after(async () => {
  await t.close();
});

/** Requests in flight, the /metrics request itself left out. */
async function inFlight(): Promise<number> {
  const text = await (await fetch(`${t.origin}/metrics`)).text();
  return Number(/^switchboard_requests_in_flight (\d+)$/m.exec(text)?.[1]) - 1;
}

async function eventually(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > until) assert.fail('not within the time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('pipelined requests on a connection the client closes', () => {
  it('give back their key slots and in-flight count, and their upstream calls are aborted', async () => {
    const body = JSON.stringify({ model: MODELS.google, stream: true, messages: [{ role: 'user', content: 'one two three four five six' }] });
    const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${t.apiKey}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const before = t.google.requests.length;
    const socket = connect(Number(new URL(t.origin).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write((head + body).repeat(3));
    await eventually(() => Promise.resolve(t.google.requests.length === before + 3), 5000);
    assert.equal(await inFlight(), 3);
    socket.destroy();

    await eventually(async () => (await inFlight()) === 0, 3000);
    const upstream = t.google.requests.slice(before);
    await eventually(() => Promise.resolve(upstream.every((request) => request.aborted)), 3000);
    // The key holds 3 slots at most: all three are free again.
    const answers = await Promise.all([1, 2, 3].map(() => t.client().chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: 'hi' }] })));
    assert.equal(answers.length, 3);
  });
});
