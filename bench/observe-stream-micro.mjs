#!/usr/bin/env node
// The ledger's watch on a stream, alone: 20,000 streams of 22 parts (a start, 20 text deltas, a
// finish) from an UpstreamParts whose body answers at once, read bare and through observeStream.
//
//   taskset -c 1 node bench/observe-stream-micro.mjs [root=.] [wrap]
// root: a checkout's build (compare two commits); wrap: hide the UpstreamParts behind a plain
// iterator, so observeStream wraps it as it does a provider class of one's own.
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');
const wrap = process.argv[3] === 'wrap';
const { UpstreamParts } = await import(`${root}/dist/providers/shared/upstream-parts.js`);
const { observeStream } = await import(`${root}/dist/usage/observe-stream.js`);
const { UsageAttempt } = await import(`${root}/dist/usage/usage-attempt.js`);
const { defaultUpstreamLimits } = await import(`${root}/dist/providers/shared/upstream-limits.js`);

const PARTS = [{ type: 'stream-start', id: 'chatcmpl-1', model: 'm', created: 1 }];
for (let i = 0; i < 20; i++) PARTS.push({ type: 'text-delta', text: `token ${i}` });
PARTS.push({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 20, totalTokens: 25 } });
const CHUNK = Uint8Array.of(0);
const MESSAGES = [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }];
const CALLER = { requestId: 'r', projectId: null, apiKeyId: null, receivedAt: undefined, signal: undefined };

/** One stream: a body of one chunk per part, each decoded into the next part. */
function upstream() {
  let index = 0;
  const chunks = {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.resolve(index < PARTS.length ? { done: false, value: CHUNK } : { done: true, value: undefined }),
    }),
  };
  return new UpstreamParts({
    open: () => Promise.resolve({ status: 200, headers: {}, limits: defaultUpstreamLimits, chunks, text: async () => undefined, release() {}, discard() {} }),
    decoder: () => ({
      chunk: (_bytes, out) => {
        out.push(PARTS[index++]);
        return false;
      },
      end() {},
    }),
    failure: (error) => {
      throw error;
    },
  });
}

async function drain(iterator) {
  for (;;) if ((await iterator.next()).done) return;
}

async function bare() {
  await drain(upstream());
}

async function observed() {
  const attempt = new UsageAttempt(CALLER, 'm', 'chat', true, {}, {}, () => {});
  const parts = upstream();
  const inner = wrap ? { next: () => parts.next(), return: () => parts.return() } : parts;
  await drain(observeStream(inner, attempt, { messages: MESSAGES }));
}

for (const [label, run] of [['bare', bare], [wrap ? 'observed (wrapped)' : 'observed', observed]]) {
  let perStream = 0;
  for (let round = 0; round < 3; round++) {
    const streams = 20_000;
    const started = performance.now();
    for (let k = 0; k < streams; k++) await run();
    perStream = ((performance.now() - started) * 1000) / streams;
  }
  console.log(`${label}: ${perStream.toFixed(2)} µs per stream (the last of 3 rounds)`);
}
