import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { Cancel } from '../../cancel.js';
import type { StreamPart } from '../spec/index.js';
import { whenReady } from './ready-parts.js';
import { UpstreamParts, type PartsDecoder, type PartsTap } from './upstream-parts.js';
import { sendUpstreamForStream } from './upstream-stream.js';

/**
 * Waiting for a slow stream's next read without a promise (ReadyParts.whenReady), on undici's
 * dispatcher and a real HTTP server that writes each chunk when the test says so.
 */

/** Words separated by spaces; a chunk without a space completes nothing yet. */
class WordDecoder implements PartsDecoder {
  #partial = '';
  chunk(bytes: Uint8Array, out: StreamPart[]): boolean {
    const words = (this.#partial + Buffer.from(bytes).toString('utf8')).split(' ');
    this.#partial = words.pop() ?? '';
    for (const word of words) out.push({ type: 'text-delta', text: word });
    return false;
  }
  end(out: StreamPart[]): void {
    out.push({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } });
  }
}

let server: http.Server;
let origin: string;
/** The answer being written, for the test to send chunks on. */
let answer: http.ServerResponse | undefined;
let answered: (() => void) | undefined;
const agent = new Agent();

before(async () => {
  server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.flushHeaders();
    answer = response;
    answered?.();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function open(tap?: PartsTap): { parts: UpstreamParts; cancel: Cancel; answering: Promise<void> } {
  const cancel = new Cancel();
  const answering = new Promise<void>((resolve) => (answered = resolve));
  const parts = new UpstreamParts({
    open: () =>
      sendUpstreamForStream({
        provider: 'p',
        url: `${origin}/stream`,
        headers: {},
        body: {},
        signal: cancel.signal,
        timeouts: { firstByteMs: 5_000, idleMs: 5_000 },
        dispatcher: agent,
      }),
    decoder: () => new WordDecoder(),
    failure: (error) => {
      throw error;
    },
  });
  if (tap) parts.tap(tap);
  return { parts, cancel, answering };
}

/** Resolves once the reader is woken (registered through whenReady, which must accept). */
function woken(parts: UpstreamParts): Promise<void> {
  return new Promise((resolve) => assert.equal(whenReady(parts, resolve), true, 'whenReady registers'));
}

const words = (parts: UpstreamParts): string[] => {
  const seen: string[] = [];
  for (let part = parts.takeReady(); part !== undefined; part = parts.takeReady()) seen.push(part.type === 'text-delta' ? part.text : part.type);
  return seen;
};

describe('whenReady on the dispatcher', () => {
  test('wakes the reader once per read, from a tick, and takeReady then hands over what that read completed', async () => {
    const { parts, answering } = open();
    const first = parts.next();
    await answering;
    answer?.write('a ');
    const result = await first;
    assert.equal(result.done ? 'done' : result.value.type === 'text-delta' && result.value.text, 'a');
    assert.deepEqual(words(parts), [], 'nothing more yet');

    let calledInside = false;
    let inside = true;
    const wake = new Promise<void>((resolve) =>
      whenReady(parts, () => {
        calledInside = inside;
        resolve();
      }),
    );
    answer?.write('b c ');
    inside = false;
    await wake;
    assert.equal(calledInside, false);
    assert.deepEqual(words(parts), ['b', 'c']);

    // Half a word: the wake comes, takeReady has nothing, and the reader asks again.
    let next = woken(parts);
    answer?.write('d');
    await next;
    assert.deepEqual(words(parts), []);
    next = woken(parts);
    answer?.write('e ');
    await next;
    assert.deepEqual(words(parts), ['de']);

    // The end: the wake comes, takeReady gives nothing, whenReady refuses, next() tells the end.
    next = woken(parts);
    answer?.end();
    await next;
    assert.deepEqual(words(parts), []);
    assert.equal(whenReady(parts, () => assert.fail('no wake once the end is here')), false);
    const finish = await parts.next();
    assert.equal(!finish.done && finish.value.type, 'finish');
    assert.equal((await parts.next()).done, true);
  });

  test('refuses while a next() is pending or parts are queued, and before the stream is open', async () => {
    const { parts, answering } = open();
    assert.equal(whenReady(parts, () => assert.fail('not open yet')), false);
    const first = parts.next();
    assert.equal(whenReady(parts, () => assert.fail('a next() is pending')), false);
    await answering;
    answer?.write('a b ');
    await first;
    assert.equal(whenReady(parts, () => assert.fail('b is queued')), false);
    assert.deepEqual(words(parts), ['b']);
    answer?.end();
    await parts.return();
  });

  test('an abort while waiting wakes the reader; next() then rejects with it', async () => {
    const { parts, cancel, answering } = open();
    const first = parts.next();
    await answering;
    answer?.write('a ');
    await first;
    const wake = woken(parts);
    cancel.abort(new Error('client went away'));
    await wake;
    assert.equal(parts.takeReady(), undefined);
    assert.equal(whenReady(parts, () => assert.fail('the failure is here')), false);
    await assert.rejects(parts.next(), /client went away/);
  });

  test('the tap is told each wait, once the reader is back', async () => {
    const waits: number[] = [];
    const tap: PartsTap = { part: () => {}, waited: (ms) => void waits.push(ms), ended: () => {}, failed: () => {}, returned: () => {} };
    const { parts, answering } = open(tap);
    const first = parts.next();
    await answering;
    answer?.write('a ');
    await first;
    assert.equal(waits.length, 1, 'the opening next() waited');
    const wake = woken(parts);
    await new Promise((resolve) => setTimeout(resolve, 30));
    answer?.write('b ');
    await wake;
    assert.equal(waits.length, 1, 'not before the reader is back');
    assert.deepEqual(words(parts), ['b']);
    assert.equal(waits.length, 2);
    assert.ok((waits[1] as number) >= 25, `the wait took about 30 ms (${waits[1]})`);
    answer?.end();
    await parts.return();
  });
});
