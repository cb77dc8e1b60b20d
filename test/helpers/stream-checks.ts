/**
 * Checks shared by the vendors' stream tests: a PartsDecoder driven as UpstreamParts drives it,
 * over body bytes cut at awkward places, and the connection contract of a stream (one read to its
 * end leaves its connection to the next call; one stopped early aborts its request).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { Agent, buildConnector } from 'undici';
import type { PartsDecoder } from '../../src/providers/shared/upstream-parts.js';
import type { StreamPart } from '../../src/providers/spec/index.js';
import type { RecordedRequest } from './mock-server.js';

/** Every part `decoder` gives for the body `chunks`: read until it needs no more, then ended. */
export function decodeParts(decoder: PartsDecoder, chunks: Iterable<Uint8Array>): StreamPart[] {
  const out: StreamPart[] = [];
  for (const chunk of chunks) {
    if (decoder.chunk(chunk, out)) break;
  }
  decoder.end(out);
  return out;
}

/** `text` as UTF-8 in pieces of `size` bytes: a piece may end inside a line, or inside a character. */
export function byteChunks(text: string, size: number): Uint8Array[] {
  const bytes = Buffer.from(text);
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
  return chunks;
}

/** Text deltas whose UTF-8 a cut can split inside a character (2-, 3- and 4-byte ones). */
export const multibyteTexts: readonly string[] = ['Grüße, ', '✓ 🙂'];

/**
 * The parts of `body` decoded whole, having checked that the body cut in two at every byte, and
 * in pieces of 1, 2, 3 and 5 bytes, decodes to the same parts.
 */
export function decodedWhereverCut(decoder: () => PartsDecoder, body: string): StreamPart[] {
  const bytes = Buffer.from(body);
  const whole = decodeParts(decoder(), [bytes]);
  for (let at = 1; at < bytes.length; at++) {
    assert.deepEqual(decodeParts(decoder(), [bytes.subarray(0, at), bytes.subarray(at)]), whole, `cut at byte ${at}`);
  }
  for (const size of [1, 2, 3, 5]) assert.deepEqual(decodeParts(decoder(), byteChunks(body, size)), whole, `${size}-byte pieces`);
  return whole;
}

/** An undici Agent with one connection per origin, counting the connections it opens. */
export function countingAgent(): { agent: Agent; connections: () => number } {
  const connect = buildConnector({});
  let connections = 0;
  const agent = new Agent({
    connections: 1,
    connect: (options, callback) => {
      connections += 1;
      connect(options, callback);
    },
  });
  return { agent, connections: () => connections };
}

/** A strict vendor mock, as far as the connection check needs it. */
interface HangingMock {
  requests: RecordedRequest[];
  hangNextStream(options: { afterChunks: number }): void;
}

/**
 * Two streams read to their end share one connection (neither aborts its request); a third,
 * stopped after its first delta, aborts its request, which closes the connection. `stream` starts
 * a call through a provider on `counting`'s agent; the mock has seen no request yet.
 */
export async function assertConnectionContract(mock: HangingMock, counting: ReturnType<typeof countingAgent>, stream: () => AsyncIterable<StreamPart>): Promise<void> {
  const collect = async (): Promise<StreamPart[]> => {
    const parts: StreamPart[] = [];
    for await (const part of stream()) parts.push(part);
    return parts;
  };
  for (let call = 0; call < 2; call++) assert.equal((await collect()).at(-1)?.type, 'finish');
  assert.equal(counting.connections(), 1, 'streams read to their end share one connection');
  mock.hangNextStream({ afterChunks: 1 });
  for await (const part of stream()) if (part.type === 'text-delta') break;
  for (let wait = 0; wait < 300 && mock.requests[2]?.aborted !== true; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal((await collect()).at(-1)?.type, 'finish');
  assert.deepEqual(
    mock.requests.map((request) => request.aborted),
    [false, false, true, false],
  );
  assert.ok(counting.connections() > 1, 'the aborted request closed its connection');
}
