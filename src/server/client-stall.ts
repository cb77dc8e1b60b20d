/**
 * Clients that stop reading. An answer the client does not read waits in the process: a stream's
 * frames, or the whole text of a long answer. So every answer larger than a socket buffer is
 * written with backpressure, and a client that reads nothing for `config.clientStallMs`
 * (SWITCHBOARD_CLIENT_STALL_MS) has its connection cut: its 'close' ends the call like a
 * disconnect, and what waited for it is freed.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';

/**
 * Resolves on `drain`, or on `close` when the client went away instead; a client that reads
 * nothing for `stallMs` has its connection destroyed (its 'close' then ends the call).
 */
export function drained(response: Pick<ServerResponse, 'destroyed' | 'destroy' | 'on' | 'off'>, stallMs: number): Promise<void> {
  // 'close' may have fired already; it does not fire twice.
  if (response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(stalled);
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    const stalled = setTimeout(() => {
      response.destroy();
      done();
    }, stallMs);
    response.on('drain', done);
    response.on('close', done);
  });
}

/**
 * Answers longer than this are written in slices of this size, each once the one before has been
 * taken by the socket. One `end(text)` hands the whole text to the socket at once; Node then keeps
 * it until the client has read it all, with no sign of progress to time, so a client that never
 * reads would hold it for as long as it keeps the connection open.
 */
export const ANSWER_SLICE_BYTES = 64 * 1024;

/**
 * Writes `bytes` and ends the answer, a slice at a time under the stall guard (`drained`): a client
 * that reads nothing for `stallMs` has its connection cut and the answer is dropped.
 */
export async function endInSlices(response: ServerResponse, bytes: Buffer, stallMs: number): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += ANSWER_SLICE_BYTES) {
    if (response.destroyed) return;
    if (!response.write(bytes.subarray(offset, offset + ANSWER_SLICE_BYTES))) await drained(response, stallMs);
  }
  if (!response.destroyed) response.end();
}
