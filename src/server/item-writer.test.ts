import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ReadyParts } from '../providers/shared/ready-parts.js';
import { Exchange } from './exchange.js';
import { type ItemFrames, writeItems } from './item-writer.js';

/**
 * An iterator of words fed by the test, with takeReady and (unless `wakes` is false) whenReady,
 * counting how it was read.
 */
function source({ wakes = true } = {}) {
  const queue: (string | null | Error)[] = [];
  let wake: (() => void) | undefined;
  let waiting: ((result: IteratorResult<string>) => void) | undefined;
  let failing: ((error: unknown) => void) | undefined;
  const counts = { next: 0, wakes: 0, returned: 0 };
  const settle = (): void => {
    const item = queue.shift();
    if (item === undefined) return;
    const resolve = waiting;
    const reject = failing;
    waiting = undefined;
    failing = undefined;
    if (item instanceof Error) reject?.(item);
    else resolve?.(item === null ? { done: true, value: undefined } : { done: false, value: item });
  };
  const iterator: AsyncIterator<string> & ReadyParts<string> = {
    takeReady: () => (typeof queue[0] === 'string' ? (queue.shift() as string) : undefined),
    ...(wakes
      ? {
          whenReady: (callback: () => void): boolean => {
            if (queue.length > 0) return false;
            wake = callback;
            return true;
          },
        }
      : {}),
    next: () => {
      counts.next += 1;
      return new Promise<IteratorResult<string>>((resolve, reject) => {
        waiting = resolve;
        failing = reject;
        settle();
      });
    },
    return: async () => {
      counts.returned += 1;
      return { done: true, value: undefined };
    },
  };
  const push = (...items: (string | null | Error)[]): void => {
    queue.push(...items);
    if (wake !== undefined) {
      const callback = wake;
      wake = undefined;
      counts.wakes += 1;
      process.nextTick(callback);
    } else if (waiting !== undefined) settle();
  };
  return { iterator, counts, push };
}

let server: http.Server;
let origin: string;
let onRequest: (response: http.ServerResponse) => void = () => {};

before(async () => {
  server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    onRequest(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

/** A request whose answer the test writes: the response, and the text the client reads. */
async function exchangeWithClient(): Promise<{ response: http.ServerResponse; exchange: Exchange; text: Promise<string>; abort: () => void }> {
  const responding = new Promise<http.ServerResponse>((resolve) => (onRequest = resolve));
  const controller = new AbortController();
  const answer = fetch(`${origin}/`, { signal: controller.signal });
  const response = await responding;
  const exchange = new Exchange({ method: 'GET', headers: {} } as http.IncomingMessage);
  response.once('close', () => {
    if (!response.writableFinished) exchange.markClientGone();
  });
  const text = answer.then((result) => result.text());
  return { response, exchange, text, abort: () => controller.abort() };
}

/** Counts the writes (write syscalls, one per flush) of `response`'s socket. */
function countSocketWrites(response: http.ServerResponse): { count: number } {
  const counter = { count: 0 };
  const socket = response.socket as unknown as { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method];
    socket[method] = (...args: unknown[]) => {
      counter.count += 1;
      original.apply(socket, args);
    };
  }
  return counter;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function frames(log: string[]): ItemFrames<string> {
  return {
    frames(word) {
      if (word === 'boom') throw new Error('boom');
      return `data: ${word}\n\n`;
    },
    end: (response) => void (log.push('end'), response.end('data: [DONE]\n\n')),
    failed: (error) => void log.push(`failed: ${(error as Error).message}`),
    over: () => void log.push('over'),
  };
}

describe('writeItems', () => {
  test('writes each read as it arrives, woken without next(), then the end; the waits count as upstream time', async () => {
    const { response, exchange, text } = await exchangeWithClient();
    const { iterator, counts, push } = source();
    const log: string[] = [];
    const writing = writeItems(exchange, response, iterator, { done: false, value: 'a' }, frames(log), { stallMs: 5_000, upstreamMs: 7 });
    for (const read of [['b', 'c'], ['d']]) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      push(...read);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    push(null);
    await writing;
    assert.equal(await text, 'data: a\n\ndata: b\n\ndata: c\n\ndata: d\n\ndata: [DONE]\n\n');
    assert.equal(counts.wakes, 3, 'woken for each read and the end');
    assert.equal(counts.next, 1, 'next() only for the end, which whenReady does not take');
    assert.equal(counts.returned, 0, 'an exhausted iterator is not closed again');
    assert.deepEqual(log, ['end', 'over']);
    assert.ok((exchange.upstreamMs ?? 0) >= 7 + 55, `upstreamMs ${exchange.upstreamMs} holds the three waits of ~20 ms`);
  });

  test('without whenReady, each read is awaited through next()', async () => {
    const { response, exchange, text } = await exchangeWithClient();
    const { iterator, counts, push } = source({ wakes: false });
    const writing = writeItems(exchange, response, iterator, undefined, frames([]), { stallMs: 5_000, upstreamMs: 0 });
    for (const item of ['a', 'b', null]) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      push(item);
    }
    await writing;
    assert.equal(await text, 'data: a\n\ndata: b\n\ndata: [DONE]\n\n');
    assert.equal(counts.next, 3, 'one next() per read');
  });

  test('the end that came with the last read leaves in the same write as its items', async () => {
    const { response, exchange, text } = await exchangeWithClient();
    const writes = countSocketWrites(response);
    const { iterator, push } = source();
    const writing = writeItems(exchange, response, iterator, { done: false, value: 'a' }, frames([]), { stallMs: 5_000, upstreamMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = writes.count;
    push('b', 'c', null);
    await writing;
    assert.equal(await text, 'data: a\n\ndata: b\n\ndata: c\n\ndata: [DONE]\n\n');
    assert.equal(writes.count - before, 1, 'b, c, [DONE] and the chunked terminator in one write');
  });

  test('the items of one read reach the response as one write (one chunk), each read its own', async () => {
    const { response, exchange, text } = await exchangeWithClient();
    const written: string[] = [];
    const write = response.write.bind(response) as (chunk: string) => boolean;
    response.write = ((chunk: string) => (written.push(chunk), write(chunk))) as typeof response.write;
    const { iterator, push } = source();
    const writing = writeItems(exchange, response, iterator, { done: false, value: 'a' }, frames([]), { stallMs: 5_000, upstreamMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    push('b', 'c', 'd');
    await new Promise((resolve) => setTimeout(resolve, 20));
    push(null);
    await writing;
    assert.deepEqual(written, ['data: a\n\n', 'data: b\n\ndata: c\n\ndata: d\n\n']);
    assert.equal(await text, 'data: a\n\ndata: b\n\ndata: c\n\ndata: d\n\ndata: [DONE]\n\n');
  });

  test('an item that fails after others of its read: those reach the client before the failure', async () => {
    const { response, exchange, text } = await exchangeWithClient();
    const { iterator, push } = source();
    const failing: ItemFrames<string> = {
      ...frames([]),
      failed: (error) => void response.end(`data: {"error":"${(error as Error).message}"}\n\n`),
    };
    const writing = writeItems(exchange, response, iterator, { done: false, value: 'a' }, failing, { stallMs: 5_000, upstreamMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    push('b', 'c', 'boom', 'd');
    await writing;
    assert.equal(await text, 'data: a\n\ndata: b\n\ndata: c\n\ndata: {"error":"boom"}\n\n');
  });

  test('through next(), what was written leaves before the next read is asked for', async () => {
    const responding = new Promise<http.ServerResponse>((resolve) => (onRequest = resolve));
    let received = '';
    const client = http.get(origin, (answer) => answer.setEncoding('utf8').on('data', (chunk: string) => (received += chunk)));
    const response = await responding;
    const exchange = new Exchange({ method: 'GET', headers: {} } as http.IncomingMessage);
    const { iterator, push } = source({ wakes: false });
    const writing = writeItems(exchange, response, iterator, undefined, frames([]), { stallMs: 5_000, upstreamMs: 0 });
    // Each item reaches the client while the writer waits in next() for the one after it.
    push('a');
    await until(() => received.includes('data: a'));
    push('b');
    await until(() => received.includes('data: b'));
    push(null);
    await writing;
    await until(() => received.endsWith('data: [DONE]\n\n'));
    client.destroy();
  });

  test('a first result that is the end ends the answer without asking the iterator again', async () => {
    const { response, exchange, text } = await exchangeWithClient();
    const { iterator, counts } = source();
    const log: string[] = [];
    await writeItems(exchange, response, iterator, { done: true, value: undefined }, frames(log), { stallMs: 5_000, upstreamMs: 0 });
    assert.equal(await text, 'data: [DONE]\n\n');
    assert.deepEqual(counts, { next: 0, wakes: 0, returned: 0 });
    assert.deepEqual(log, ['end', 'over']);
  });

  test('an item that fails (an error part) closes the iterator, then over and failed', async () => {
    const { response, exchange } = await exchangeWithClient();
    const { iterator, counts, push } = source();
    const log: string[] = [];
    const writing = writeItems(exchange, response, iterator, { done: false, value: 'a' }, frames(log), { stallMs: 5_000, upstreamMs: 0 });
    push('b', 'boom', 'c');
    await writing;
    assert.equal(counts.returned, 1);
    assert.deepEqual(log, ['over', 'failed: boom']);
    response.end();
  });

  test('a failed read (next() rejects) is answered by failed once the iterator is closed', async () => {
    const { response, exchange } = await exchangeWithClient();
    const { iterator, counts, push } = source({ wakes: false });
    const log: string[] = [];
    const writing = writeItems(exchange, response, iterator, undefined, frames(log), { stallMs: 5_000, upstreamMs: 0 });
    push(new Error('reset'));
    await writing;
    assert.equal(counts.returned, 1);
    assert.deepEqual(log, ['over', 'failed: reset']);
    response.end();
  });

  test('a client gone while waiting: the next read closes the iterator; nothing else is written', async () => {
    const { response, exchange, text, abort } = await exchangeWithClient();
    const { iterator, counts, push } = source();
    const log: string[] = [];
    const writing = writeItems(exchange, response, iterator, { done: false, value: 'a' }, frames(log), { stallMs: 5_000, upstreamMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort();
    await assert.rejects(text);
    await new Promise((resolve) => response.once('close', resolve));
    assert.equal(exchange.clientGone, true);
    push('b');
    await writing;
    assert.equal(counts.returned, 1);
    assert.deepEqual(log, ['over']);
  });
});
