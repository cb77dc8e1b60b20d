// HTTP/1.1 pipelining bounded per connection (SWITCHBOARD_MAX_CONCURRENT_PER_CONNECTION): requests
// written in one go on one socket reach the upstream at most `limit` at a time, and every one of
// them is still answered, in order.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const LIMIT = 2;
const COUNT = 6;
let t: TestGateway;

before(async () => {
  // Gemini stream frames 40 ms apart: each stream lasts long enough to overlap the next ones.
  t = await startTestGateway({ googleChunkDelayMs: 40, config: { maxConcurrentPerConnection: LIMIT } });
});
after(async () => {
  await t.close();
});

/** Requests in flight, the /metrics request itself left out. */
async function inFlight(): Promise<number> {
  const text = await (await fetch(`${t.origin}/metrics`)).text();
  return Number(/^switchboard_requests_in_flight (\d+)$/m.exec(text)?.[1]) - 1;
}

describe('pipelined requests on one connection', () => {
  it(`reach the upstream at most ${LIMIT} at a time and are all answered in order`, async () => {
    const bodies = Array.from({ length: COUNT }, (_, i) =>
      JSON.stringify({ model: MODELS.google, stream: true, messages: [{ role: 'user', content: `request ${i}: one two three four` }] }),
    );
    const raw = bodies
      .map((body) => `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${t.apiKey}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
      .join('');
    const before = t.google.requests.length;
    const socket = connect(Number(new URL(t.origin).port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(raw);

    let most = 0;
    const until = performance.now() + 20_000;
    while ((received.match(/data: \[DONE\]/g) ?? []).length < COUNT) {
      if (performance.now() > until) assert.fail(`only ${(received.match(/data: \[DONE\]/g) ?? []).length} of ${COUNT} answers within 20 s`);
      most = Math.max(most, await inFlight());
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    socket.destroy();

    assert.equal(most, LIMIT, `at most ${LIMIT} requests of the connection in flight (sampled ${most})`);
    // The first is answered at once, the second starts behind it, the other four are held.
    const metrics = await (await fetch(`${t.origin}/metrics`)).text();
    assert.match(metrics, new RegExp(`^switchboard_pipelined_requests_held_total ${COUNT - LIMIT}$`, 'm'));
    assert.equal((received.match(/^HTTP\/1\.1 200 /gm) ?? []).length, COUNT);
    const upstream = t.google.requests.slice(before);
    assert.equal(upstream.length, COUNT);
    // Each one once; the first two written were the first two started (two at a time, so the
    // next two may reach the mock in either order).
    const sent = upstream.map((request) => /request (\d)/.exec(request.text)?.[1]);
    assert.deepEqual([...sent].sort(), ['0', '1', '2', '3', '4', '5']);
    assert.deepEqual(sent.slice(0, LIMIT).sort(), ['0', '1']);
  });
});
