import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProviderError } from '../../errors.js';
import type { StreamPart } from '../spec/index.js';
import { UpstreamParts, type PartsDecoder, type PartsTap } from './upstream-parts.js';
import { defaultUpstreamLimits } from './upstream-limits.js';
import type { UpstreamStream } from './upstream-stream.js';

/**
 * A body fed by the test: `send` a chunk, `end` it or `fail` it; records release/discard. With
 * `queued`, its iterator hands over chunks already sent through takeQueued, as the dispatcher's does.
 */
function fakeBody({ queued = false } = {}) {
  const queue: (Uint8Array | Error | null)[] = [];
  let wake: (() => void) | undefined;
  let reading = false;
  const closed: string[] = [];
  const stream: UpstreamStream = {
    status: 200,
    headers: {},
    limits: defaultUpstreamLimits,
    chunks: {
      [Symbol.asyncIterator]: () => ({
        ...(queued ? { takeQueued: () => (!reading && queue[0] instanceof Uint8Array ? (queue.shift() as Uint8Array) : undefined) } : {}),
        next: async (): Promise<IteratorResult<Uint8Array>> => {
          // Like the real body (one reader at a time): a second read while one waits is a bug.
          if (reading) throw new Error('concurrent read of the body');
          reading = true;
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          reading = false;
          const item = queue.shift() as Uint8Array | Error | null;
          if (item instanceof Error) throw item;
          return item === null ? { done: true, value: undefined } : { done: false, value: item };
        },
      }),
    },
    text: async () => undefined,
    release: () => void closed.push('release'),
    discard: () => {
      closed.push('discard');
      push(null);
    },
  };
  const push = (item: Uint8Array | Error | null): void => {
    queue.push(item);
    wake?.();
  };
  return { stream, closed, send: (text: string) => push(new TextEncoder().encode(text)), end: () => push(null), fail: (error: Error) => push(error) };
}

/** Words separated by spaces; a chunk without a space completes nothing yet. "!" means the rest is not needed. */
class WordDecoder implements PartsDecoder {
  #partial = '';
  ended = 0;
  chunk(bytes: Uint8Array, out: StreamPart[]): boolean {
    const words = (this.#partial + new TextDecoder().decode(bytes)).split(' ');
    this.#partial = words.pop() ?? '';
    for (const word of words) {
      if (word === '!') return true;
      if (word === 'boom') throw new ProviderError('provider_error', 'boom', { provider: 'p', status: 502 });
      out.push({ type: 'text-delta', text: word });
    }
    return false;
  }
  end(out: StreamPart[]): void {
    this.ended += 1;
    out.push({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } });
  }
}

const failurePart = (error: unknown): StreamPart => {
  if (!(error instanceof ProviderError)) throw error;
  return { type: 'error', error };
};

function parts(body: ReturnType<typeof fakeBody>, decoder = new WordDecoder(), opened: { count: number } = { count: 0 }): UpstreamParts {
  return new UpstreamParts({
    open: async () => {
      opened.count += 1;
      return body.stream;
    },
    decoder: () => decoder,
    failure: failurePart,
  });
}

/** Parts whose request is refused (its opening rejects with HTTP 401). */
const refusedParts = (): UpstreamParts =>
  new UpstreamParts({
    open: async () => {
      throw new Error('HTTP 401');
    },
    decoder: () => new WordDecoder(),
    failure: failurePart,
  });

const text = (result: IteratorResult<StreamPart>): string =>
  result.done ? 'done' : result.value.type === 'text-delta' ? result.value.text : result.value.type;

describe('UpstreamParts', () => {
  test('opens on the first next(), decodes across chunks, ends with the decoder and releases the body', async () => {
    const body = fakeBody();
    const opened = { count: 0 };
    const decoder = new WordDecoder();
    const iterator = parts(body, decoder, opened);
    assert.equal(opened.count, 0);
    body.send('hel');
    body.send('lo wor');
    body.send('ld ');
    body.end();
    const seen: string[] = [];
    for await (const part of iterator) seen.push(text({ done: false, value: part }));
    assert.deepEqual(seen, ['hello', 'world', 'finish']);
    assert.equal(opened.count, 1);
    assert.equal(decoder.ended, 1);
    assert.deepEqual(body.closed, ['release']);
    assert.equal(text(await iterator.next()), 'done');
  });

  test('a decoder that needs no more of the body ends the stream at once and releases it', async () => {
    const body = fakeBody();
    const iterator = parts(body);
    body.send('a ! b c ');
    assert.equal(text(await iterator.next()), 'a');
    assert.equal(text(await iterator.next()), 'finish');
    assert.equal(text(await iterator.next()), 'done');
    assert.deepEqual(body.closed, ['release']);
  });

  test('a failure to open rejects the first next(); the stream is then over', async () => {
    const iterator = refusedParts();
    await assert.rejects(iterator.next(), /HTTP 401/);
    assert.equal(text(await iterator.next()), 'done');
  });

  test('an open that throws before its first await rejects the first next() (next() itself does not throw)', async () => {
    const iterator = new UpstreamParts({
      open: () => {
        throw new Error('request body cannot be converted');
      },
      decoder: () => new WordDecoder(),
      failure: failurePart,
    });
    let pending: Promise<IteratorResult<StreamPart>> | undefined;
    assert.doesNotThrow(() => (pending = iterator.next()));
    await assert.rejects(pending as Promise<IteratorResult<StreamPart>>, /cannot be converted/);
    assert.equal(text(await iterator.next()), 'done');
  });

  test('a provider error while reading becomes an error part after the parts before it; the body is discarded', async () => {
    const body = fakeBody();
    const iterator = parts(body);
    body.send('one two boom three ');
    assert.deepEqual([text(await iterator.next()), text(await iterator.next())], ['one', 'two']);
    const failed = await iterator.next();
    assert.ok(!failed.done && failed.value.type === 'error' && failed.value.error.message === 'boom');
    assert.equal(text(await iterator.next()), 'done');
    assert.deepEqual(body.closed, ['discard']);
  });

  test('another failure (an abort) rejects next() once the parts before it are out', async () => {
    const body = fakeBody();
    const iterator = parts(body);
    body.send('one ');
    assert.equal(text(await iterator.next()), 'one');
    const waiting = iterator.next();
    body.fail(new Error('aborted by the client'));
    await assert.rejects(waiting, /aborted by the client/);
    assert.equal(text(await iterator.next()), 'done');
    assert.deepEqual(body.closed, ['discard']);
  });

  test('return() while a chunk is awaited discards the body and ends the pending next()', async () => {
    const body = fakeBody();
    const decoder = new WordDecoder();
    const iterator = parts(body, decoder);
    body.send('one ');
    assert.equal(text(await iterator.next()), 'one');
    const waiting = iterator.next();
    assert.equal(text(await iterator.return()), 'done');
    assert.equal(text(await waiting), 'done');
    assert.equal(decoder.ended, 0);
    assert.deepEqual(body.closed, ['discard']);
  });

  test('return() before the request is answered discards the answer when it comes', async () => {
    const body = fakeBody();
    let answer: ((stream: UpstreamStream) => void) | undefined;
    const iterator = new UpstreamParts({
      open: () => new Promise<UpstreamStream>((resolve) => (answer = resolve)),
      decoder: () => new WordDecoder(),
      failure: failurePart,
    });
    const first = iterator.next();
    await iterator.return();
    answer?.(body.stream);
    assert.equal(text(await first), 'done');
    assert.deepEqual(body.closed, ['discard']);
  });

  test('next() calls made while one is pending are answered in order', async () => {
    const body = fakeBody();
    const iterator = parts(body);
    const results = [iterator.next(), iterator.next(), iterator.next(), iterator.next()];
    body.send('a b');
    body.send(' c ');
    body.end();
    assert.deepEqual((await Promise.all(results)).map(text), ['a', 'b', 'c', 'finish']);
  });

  test("a decoder's beforeFailure parts come before failure's part, and are skipped when failure rejects", async () => {
    class OwingDecoder extends WordDecoder {
      beforeFailure(out: StreamPart[]): void {
        out.push({ type: 'text-delta', text: 'owed' });
      }
    }
    const failing = fakeBody();
    const iterator = parts(failing, new OwingDecoder());
    failing.send('one boom ');
    assert.deepEqual([text(await iterator.next()), text(await iterator.next()), text(await iterator.next())], ['one', 'owed', 'error']);
    assert.equal(text(await iterator.next()), 'done');

    const aborted = fakeBody();
    const rejecting = parts(aborted, new OwingDecoder());
    aborted.fail(new Error('aborted by the client'));
    await assert.rejects(rejecting.next(), /aborted by the client/);
    assert.equal(text(await rejecting.next()), 'done');
  });

  describe('takeReady', () => {
    test('hands over the parts already decoded, in next() order, and nothing while a next() waits or at the end', async () => {
      const body = fakeBody();
      const iterator = parts(body);
      assert.equal(iterator.takeReady(), undefined, 'nothing before the first next()');
      body.send('a b c ');
      assert.equal(text(await iterator.next()), 'a');
      assert.equal(text({ done: false, value: iterator.takeReady() as StreamPart }), 'b');
      assert.equal(text(await iterator.next()), 'c');
      assert.equal(iterator.takeReady(), undefined, 'the queue is empty');
      const waiting = iterator.next();
      body.send('d e ');
      assert.equal(iterator.takeReady(), undefined, 'a next() is pending: it takes the next part');
      assert.equal(text(await waiting), 'd');
      assert.equal(text({ done: false, value: iterator.takeReady() as StreamPart }), 'e');
      body.end();
      assert.equal(text(await iterator.next()), 'finish');
      assert.equal(iterator.takeReady(), undefined, 'the end is only told by next()');
      assert.equal(text(await iterator.next()), 'done');
      assert.deepEqual(body.closed, ['release']);
    });

    test('the parts before a failure come out; the failure is only told by next()', async () => {
      const body = fakeBody();
      const iterator = parts(body);
      body.send('a b boom ');
      assert.equal(text(await iterator.next()), 'a');
      assert.equal(text({ done: false, value: iterator.takeReady() as StreamPart }), 'b');
      const failure = iterator.takeReady();
      assert.equal(failure?.type, 'error', 'the error part is a part like any other');
      assert.equal(iterator.takeReady(), undefined);
      assert.equal(text(await iterator.next()), 'done');
      const cutBody = fakeBody();
      const rejecting = parts(cutBody);
      cutBody.send('x ');
      cutBody.fail(new Error('aborted'));
      assert.equal(text(await rejecting.next()), 'x');
      assert.equal(rejecting.takeReady(), undefined);
      await assert.rejects(rejecting.next(), /aborted/);
    });

    test('decodes the body chunks that already arrived, one by one, when the source can hand them over', async () => {
      for (const queued of [true, false]) {
        const body = fakeBody({ queued });
        const iterator = parts(body);
        body.send('a ');
        body.send('b c');
        body.send(' d ');
        body.fail(new Error('aborted'));
        const seen = [text(await iterator.next())];
        for (let part = iterator.takeReady(); part !== undefined; part = iterator.takeReady()) seen.push(text({ done: false, value: part }));
        // Without takeQueued each further chunk needs a next().
        assert.deepEqual(seen, queued ? ['a', 'b', 'c', 'd'] : ['a'], `queued: ${queued}`);
        if (!queued) for (const word of ['b', 'c', 'd']) assert.equal(text(await iterator.next()), word);
        await assert.rejects(iterator.next(), /aborted/);
        assert.deepEqual(body.closed, ['discard']);
      }
    });

    test('a queued chunk that fails to decode ends the stream with its error part', async () => {
      const body = fakeBody({ queued: true });
      const iterator = parts(body);
      body.send('a ');
      body.send('b boom c ');
      assert.equal(text(await iterator.next()), 'a');
      assert.equal(text({ done: false, value: iterator.takeReady() as StreamPart }), 'b');
      assert.equal(iterator.takeReady()?.type, 'error');
      assert.equal(iterator.takeReady(), undefined);
      assert.equal(text(await iterator.next()), 'done');
      assert.deepEqual(body.closed, ['discard']);
    });

    test('return() drops what was decoded', async () => {
      const body = fakeBody();
      const iterator = parts(body);
      body.send('a b c ');
      assert.equal(text(await iterator.next()), 'a');
      await iterator.return();
      assert.equal(iterator.takeReady(), undefined);
      assert.deepEqual(body.closed, ['discard']);
    });
  });

  describe('tap', () => {
    /** A tap that writes down what it sees, one word per call. */
    function recordingTap(): PartsTap & { seen: string[]; waitedMs: number } {
      const seen: string[] = [];
      const tap = {
        seen,
        waitedMs: 0,
        part: (part: StreamPart) => void seen.push(text({ done: false, value: part })),
        waited: (ms: number) => {
          seen.push('waited');
          tap.waitedMs += ms;
        },
        ended: () => void seen.push('ended'),
        failed: (error: unknown) => void seen.push(`failed: ${(error as Error).message}`),
        returned: () => void seen.push('returned'),
      };
      return tap;
    }

    test('sees each part as it is handed out, each wait on the upstream, and the end', async () => {
      const body = fakeBody();
      const iterator = parts(body);
      const tap = recordingTap();
      iterator.tap(tap);
      const first = iterator.next();
      await new Promise((resolve) => setTimeout(resolve, 5));
      body.send('a b ');
      assert.equal(text(await first), 'a');
      assert.equal(text(await iterator.next()), 'b');
      const third = iterator.next();
      body.end();
      assert.equal(text(await third), 'finish');
      assert.equal(text(await iterator.next()), 'done');
      // One wait for the opening and the first chunk, none for the queued 'b', one for the end.
      assert.deepEqual(tap.seen, ['waited', 'a', 'b', 'waited', 'finish', 'ended']);
      // A part taken by takeReady is seen as one handed out by next().
      const readyTap = recordingTap();
      const readyBody = fakeBody();
      const taken = parts(readyBody);
      taken.tap(readyTap);
      readyBody.send('x y ');
      assert.equal(text(await taken.next()), 'x');
      assert.equal(text({ done: false, value: taken.takeReady() as StreamPart }), 'y');
      assert.deepEqual(readyTap.seen, ['waited', 'x', 'y']);
      assert.ok(tap.waitedMs >= 4, `waited ${tap.waitedMs} ms`);
    });

    test('a failure to open, a rejected read and return() reach the tap', async () => {
      const refused = refusedParts();
      const refusedTap = recordingTap();
      refused.tap(refusedTap);
      await assert.rejects(refused.next(), /HTTP 401/);
      assert.deepEqual(refusedTap.seen, ['waited', 'failed: HTTP 401']);

      const aborted = fakeBody();
      const abortedParts = parts(aborted);
      const abortedTap = recordingTap();
      abortedParts.tap(abortedTap);
      aborted.send('one ');
      assert.equal(text(await abortedParts.next()), 'one');
      const waiting = abortedParts.next();
      aborted.fail(new Error('aborted by the client'));
      await assert.rejects(waiting, /aborted by the client/);
      assert.deepEqual(abortedTap.seen, ['waited', 'one', 'waited', 'failed: aborted by the client']);

      const cut = fakeBody();
      const cutParts = parts(cut);
      const cutTap = recordingTap();
      cutParts.tap(cutTap);
      cut.send('one ');
      assert.equal(text(await cutParts.next()), 'one');
      await cutParts.return();
      assert.deepEqual(cutTap.seen, ['waited', 'one', 'returned']);
    });

    test('is attached once, before the first next()', async () => {
      const body = fakeBody();
      const iterator = parts(body);
      iterator.tap(recordingTap());
      assert.throws(() => iterator.tap(recordingTap()), /once/);
      const started = parts(fakeBody());
      void started.next();
      assert.throws(() => started.tap(recordingTap()), /before the first next/);
      await started.return();
    });
  });
});
