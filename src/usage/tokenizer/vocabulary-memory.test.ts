import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readTiktoken } from './vocabulary.js';

// Its own file, so its own process: nothing else has grown this heap yet.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;

/** Two full collections a turn apart: array buffers' memory is freed after the sweep. */
async function collect(): Promise<void> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

test("loading o200k's vocabulary leaves no garbage: V8's heap does not grow to hold it", async () => {
  const file = readFileSync(createRequire(import.meta.url).resolve('gpt-tokenizer/data/o200k_base.tiktoken'));
  await collect();
  const before = process.memoryUsage();
  const vocabulary = readTiktoken(file);
  await collect();
  const after = process.memoryUsage();
  assert.equal(vocabulary.size, 199_998);
  assert.equal(vocabulary.rank(Buffer.from('hello'), 0, 5), 24_912);
  // Typed arrays outside the heap (~6 MB). JS arrays grown one token at a time made ~15 MB of
  // garbage, and V8 grew its young generation by 28 MB to hold it, and kept it (4 MB now).
  assert.ok(after.heapTotal - before.heapTotal < 12 * MB, `heap grew ${((after.heapTotal - before.heapTotal) / MB).toFixed(1)} MB`);
  assert.ok(after.arrayBuffers - before.arrayBuffers < 7 * MB, `array buffers grew ${((after.arrayBuffers - before.arrayBuffers) / MB).toFixed(1)} MB`);
});
