/**
 * Writes an SSE answer from an async source of items: the head once the first item is here (so a
 * failure before it still gets a proper HTTP status), then each item's frames as they arrive,
 * waiting for `drain` when the client is slow. A failure after the head becomes the frames of
 * `fail` and ends the answer; a client that goes away stops the loop, and the source is closed
 * with `return()` (which aborts the upstream).
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { takeReady } from '../../providers/shared/ready-parts.js';
import { toHttpError, type OpenAIErrorBody } from '../openai-error.js';
import { writeSseHead } from '../send.js';
import { drained } from '../client-stall.js';
import { writeBatched } from '../stream-parts.js';

/** How to turn the source's items into frames. */
export interface SseEncoding<Item> {
  /** The frames for one item; throws to fail the stream (e.g. an error part). */
  encode(item: Item): string;
  /** The frames that report a failure after the head. */
  fail(error: OpenAIErrorBody['error']): string;
}

/** Pumps `source` to `response`; returns the milliseconds spent waiting on the source. */
export async function pumpSse<Item>(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  source: AsyncIterable<Item>,
  encoding: SseEncoding<Item>,
): Promise<number> {
  const iterator = source[Symbol.asyncIterator]();
  let waitedMs = 0;
  let exhausted = false;
  try {
    let next = await iterator.next();
    // The first frames are encoded before the head, so an error in first place gets a status.
    let frames = next.done ? '' : encoding.encode(next.value);
    if (exchange.clientGone) return waitedMs;
    writeSseHead(gateway, exchange, response);
    while (!next.done) {
      if (exchange.clientGone) return waitedMs;
      if (!writeBatched(exchange, response, frames)) await drained(response, gateway.config.clientStallMs);
      if (exchange.clientGone) return waitedMs;
      // Items that came with the same upstream read are taken without a promise each.
      const ready = takeReady(iterator);
      if (ready !== undefined) {
        frames = encoding.encode(ready);
        continue;
      }
      const waitStarted = performance.now();
      next = await iterator.next();
      waitedMs += performance.now() - waitStarted;
      if (!next.done) frames = encoding.encode(next.value);
    }
    exhausted = true;
    response.end();
  } catch (error) {
    if (!response.headersSent) throw error;
    if (!exchange.clientGone) {
      const http = toHttpError(error, exchange.requestId);
      exchange.errorCode = http.code;
      if (!response.writableEnded) response.end(encoding.fail(http.body.error));
    }
  } finally {
    if (!exhausted) await iterator.return?.().catch(() => undefined);
  }
  return waitedMs;
}
