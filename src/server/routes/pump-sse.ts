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
import { upstreamFailure } from '../../providers/shared/upstream-limits.js';
import { toHttpError, type OpenAIErrorBody } from '../openai-error.js';
import { writeSseHead } from '../send.js';
import { drained } from '../client-stall.js';
import { type ItemFrames, writeBatched, writeItems } from '../item-writer.js';

/** How to turn the source's items into frames. */
export interface SseEncoding<Item> {
  /** The frames for one item; throws to fail the stream (e.g. an error part). */
  encode(item: Item): string;
  /** The frames that report a failure after the head. */
  fail(error: OpenAIErrorBody['error']): string;
  /** Optional: the stream is over, however it ended; what the request's log reads is set here (ItemFrames.over). */
  over?(): void;
}

/**
 * Pumps `source` to `response`. `exchange.upstreamMs` grows by the time spent waiting on the source
 * after its first item. Callers hand the promise back rather than await it.
 */
export async function pumpSse<Item>(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  source: AsyncIterable<Item>,
  encoding: SseEncoding<Item>,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  const stallMs = gateway.config.clientStallMs;
  // `reason`: the failure the client is answered instead (for the usage ledger), if any.
  const stop = async (reason?: unknown): Promise<void> => {
    await iterator.return?.(reason).catch(() => undefined);
    encoding.over?.();
  };
  let first: IteratorResult<Item>;
  let frames: string;
  try {
    first = await iterator.next();
    // The first frames are encoded before the head, so an error in first place gets a status.
    frames = first.done ? '' : encoding.encode(first.value);
  } catch (error) {
    await stop(error);
    throw error;
  }
  if (exchange.clientGone) return stop();
  writeSseHead(gateway, exchange, response);
  if (!first.done) {
    if (!writeBatched(exchange, response, frames)) await drained(response, stallMs);
    if (exchange.clientGone) return stop();
  }
  const items: ItemFrames<Item> = {
    frames: (item) => encoding.encode(item),
    end: (answer) => answer.end(),
    failed(error) {
      if (exchange.clientGone) return;
      // As on chat streams (and in the ledger's row): a stack overflow on the vendor's data is the provider's.
      const http = toHttpError(exchange.provider === undefined ? error : upstreamFailure(exchange.provider, error), exchange.requestId);
      exchange.errorCode = http.code;
      if (!response.writableEnded) response.end(encoding.fail(http.body.error));
    },
    ...(encoding.over ? { over: encoding.over } : {}),
  };
  return writeItems(exchange, response, iterator, first.done ? first : undefined, items, { stallMs, upstreamMs: exchange.upstreamMs ?? 0 });
}
