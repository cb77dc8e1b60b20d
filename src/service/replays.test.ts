import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ReadyParts, takeReady } from '../providers/shared/ready-parts.js';
import type { StreamPart } from '../providers/spec/index.js';
import { replayFirst } from './call-parts.js';
import { commitStream } from './stream-commit.js';
import type { Route } from './ai-service.js';

const delta = (text: string): StreamPart => ({ type: 'text-delta', text });
const finish: StreamPart = { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } };

/** Parts of which the first `readyCount` after each next() are "already decoded" (takeReady gives them). */
function source(parts: readonly StreamPart[], readyCount: number): AsyncIterator<StreamPart> & ReadyParts & { nextCalls: number } {
  let index = 0;
  let ready = 0;
  return {
    nextCalls: 0,
    next() {
      this.nextCalls += 1;
      ready = readyCount;
      return Promise.resolve(index < parts.length ? { done: false, value: parts[index++] as StreamPart } : { done: true, value: undefined });
    },
    takeReady() {
      if (ready === 0 || index >= parts.length) return undefined;
      ready -= 1;
      return parts[index++];
    },
  };
}

/** Everything `iterator` yields, taking ready parts first, and how many next() calls it took. */
async function drain(iterator: AsyncIterator<StreamPart>): Promise<{ texts: string[]; nexts: number }> {
  const texts: string[] = [];
  let nexts = 0;
  for (;;) {
    let part = takeReady(iterator);
    if (part === undefined) {
      nexts += 1;
      const next = await iterator.next();
      if (next.done) break;
      part = next.value;
    }
    texts.push(part.type === 'text-delta' ? part.text : part.type);
  }
  return { texts, nexts };
}

const parts = [delta('a'), delta('b'), delta('c'), delta('d'), finish];
const route = {} as Route;

describe('replays pass ready parts on', () => {
  test('replayFirst: the first part, then the source, ready parts without next()', async () => {
    const inner = source(parts, 2);
    const first = await inner.next();
    const { texts, nexts } = await drain(replayFirst(first, inner)[Symbol.asyncIterator]());
    assert.deepEqual(texts, ['a', 'b', 'c', 'd', 'finish']);
    // 'a' replayed by next(); 'b' 'c' ready; 'd' by next(), 'finish' ready; the end by next().
    assert.equal(nexts, 3);
    assert.equal(inner.nextCalls, 3);
  });

  test('commitStream: the held parts, then the source, in order', async () => {
    const inner = source([{ type: 'stream-start', id: 'x', created: 0, model: 'm' }, ...parts], 1);
    const committed = await commitStream(inner, undefined, route, performance.now());
    const { texts } = await drain(committed.parts[Symbol.asyncIterator]());
    assert.deepEqual(texts, ['stream-start', 'a', 'b', 'c', 'd', 'finish']);
    assert.equal(committed.empty, false);
  });

  test('a source without takeReady is read by next() alone', async () => {
    const inner = source(parts, 0);
    const first = await inner.next();
    const { texts, nexts } = await drain(replayFirst(first, { next: () => inner.next() })[Symbol.asyncIterator]());
    assert.deepEqual(texts, ['a', 'b', 'c', 'd', 'finish']);
    assert.equal(nexts, 6);
  });
});
