// A key holder leaving many request bodies one byte short (found by an attack review): each body
// is kept in memory until its last byte or requestTimeout (60 s), and budgets and rate limits are
// only checked once the body is parsed, so nothing bounded the total: 24 bodies of 24 MiB grew the
// gateway by 553 MiB, for free, repeatable every minute. Now the bytes of bodies still arriving
// count against SWITCHBOARD_MAX_BUFFERED_BODY_BYTES_PER_KEY (429) and
// SWITCHBOARD_MAX_BUFFERED_BODY_BYTES (503), given back when a read ends either way. Small bounds
// here, so the test holds a few MiB, not hundreds.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { generateApiKey } from '../../src/crypto/api-key.js';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const KiB = 1024;
const PER_KEY = 1024 * KiB;
const IN_ALL = 1536 * KiB;
const BODY = 400 * KiB;

let t: TestGateway;
let port: number;
let otherKey: string;
before(async () => {
  t = await startTestGateway({ config: { maxBufferedBodyBytesPerKey: PER_KEY, maxBufferedBodyBytes: IN_ALL } });
  port = Number(new URL(t.origin).port);
  const key = generateApiKey();
  await t.db.query(`insert into public.api_keys (project_id, name, prefix, key_hash) select id, 'second', $1, $2 from public.projects where name = 'e2e'`, [
    key.prefix,
    key.hash,
  ]);
  await t.watcher.refresh();
  otherKey = key.key;
});
after(async () => {
  await t.close();
});

const payload = Buffer.alloc(BODY, 'a');
payload.write(`{"model":"${MODELS.openai}","messages":[{"role":"user","content":"`, 0);
payload.write('"}]}', BODY - 4);

interface Held {
  socket: Socket;
  /** What the gateway answered so far (a refused body is answered at once). */
  answer: () => string;
}

/** A chat request whose body arrives in two writes, all of it but the last byte. */
function holdBody(apiKey: string): Promise<Held> {
  let text = '';
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${BODY}\r\n\r\n`);
      socket.write(payload.subarray(0, 1000), () => setTimeout(() => socket.write(payload.subarray(1000, BODY - 1), () => setTimeout(() => resolve({ socket, answer: () => text }), 100)), 30));
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
  });
}

describe('request bodies still arriving, per key and in all', () => {
  it("one key's unfinished bodies past its bound are refused with 429; another key is not", async () => {
    const held: Held[] = [];
    for (let index = 0; index < 4; index++) held.push(await holdBody(t.apiKey));
    const answers = held.map((body) => body.answer());
    // 400 KiB each: two fit in 1 MiB, the third and fourth do not.
    assert.deepEqual(answers.map((text) => (text === '' ? 'held' : /^HTTP\/1\.1 (\d+)/.exec(text)?.[1])), ['held', 'held', '429', '429'], answers.join('\n'));
    assert.match(answers[2] ?? '', /"code":"rate_limit_exceeded"/);
    assert.match(answers[2] ?? '', /SWITCHBOARD_MAX_BUFFERED_BODY_BYTES_PER_KEY/);
    // Another key of the same project still sends a body; the whole instance's bound (1.5 MiB) then refuses with 503.
    const other = await holdBody(otherKey);
    assert.equal(other.answer(), '', 'a body of another key is read');
    const overAll = await holdBody(otherKey);
    assert.match(overAll.answer(), /^HTTP\/1\.1 503 /);
    assert.match(overAll.answer(), /"code":"rate_limit_exceeded"/);
    assert.match(overAll.answer(), /\(SWITCHBOARD_MAX_BUFFERED_BODY_BYTES\)/);
    // A small request is not counted at all (one chunk), and is served meanwhile.
    const completion = await t.client().chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: 'still here' }] });
    assert.ok(completion.choices[0]?.message.content);
    for (const body of [...held, other, overAll]) body.socket.destroy();
  });

  it('the bytes are given back when a body ends either way: cut by its client, or completed', async () => {
    // The sockets of the test before were destroyed: their bytes are free again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = await holdBody(t.apiKey);
    const second = await holdBody(t.apiKey);
    assert.equal(first.answer() + second.answer(), '', 'both fit again');
    // The first completes: answered 200, its bytes given back, so two more fit beside the second.
    first.socket.write('}');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.match(first.answer(), /^HTTP\/1\.1 200/, first.answer().slice(0, 300));
    const third = await holdBody(t.apiKey);
    assert.equal(third.answer(), '', 'the completed body gave its bytes back');
    for (const body of [first, second, third]) body.socket.destroy();
  });
});
