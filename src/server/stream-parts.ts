/**
 * Writing a service stream's parts as Server-Sent Events (chat completions, and Messages served by
 * the normalized path): the head once the first part is here, then the parts through writeItems
 * (item-writer.ts), which every streaming surface shares.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { StreamPart } from '../providers/spec/index.js';
import type { StreamOutcome } from '../service/ai-service.js';
import type { Exchange } from './exchange.js';
import type { GatewayContext } from './gateway-context.js';
import { writeSseHead } from './send.js';
import { type ItemFrames, writeItems } from './item-writer.js';

/** A surface's encoding of parts into SSE frames. */
export interface PartEncoder {
  /** The frames for one part (`''` for none). */
  encode(part: StreamPart): string;
  /** Text streamed so far, when kept (request logs with bodies). */
  readonly text: string | undefined;
}

/** Answers a failure after the head in a surface's shape (its error frame, then the end). */
export type FailAfterHead = (gateway: GatewayContext, exchange: Exchange, response: ServerResponse, error: unknown) => void;

/**
 * Writes `outcome`'s parts through the encoder made once the head is sent, then `end`
 * (`requestIdHeader`: the head also says `request-id`, see writeSseHead). An `error`
 * part's error, or the iterator's, rejects before the head (the caller answers with a status) and
 * goes to `failAfterHead` after it, once the iterator is closed.
 *
 * Callers hand back this promise rather than await it: a suspended async function per level
 * (its frame, registers and promise, ~400 bytes, and whatever it still references, such as the
 * parsed request) would live as long as the stream. Past the head, the parts are written by
 * writeItems, which waits for a slow stream's next part without a promise per part.
 */
export async function pumpParts(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  outcome: StreamOutcome,
  makeEncoder: () => PartEncoder,
  end: string,
  failAfterHead: FailAfterHead,
  requestIdHeader = false,
): Promise<void> {
  const iterator = outcome.parts[Symbol.asyncIterator]();
  let first: IteratorResult<StreamPart>;
  try {
    // The first part is already here (the service waited for it); an error part in first place
    // still gets a proper HTTP status.
    first = await iterator.next();
    if (!first.done && first.value.type === 'error') throw first.value.error;
  } catch (error) {
    exchange.upstreamMs = outcome.route.upstreamMs;
    await iterator.return?.().catch(() => undefined);
    throw error;
  }
  if (exchange.clientGone) {
    exchange.upstreamMs = outcome.route.upstreamMs;
    await iterator.return?.().catch(() => undefined);
    return;
  }
  writeSseHead(gateway, exchange, response, 'no-cache', requestIdHeader);
  const encoder = makeEncoder();
  const frames: ItemFrames<StreamPart> = {
    frames(part) {
      if (part.type === 'error') throw part.error;
      if (part.type === 'finish') {
        exchange.inputTokens = part.usage.inputTokens;
        exchange.outputTokens = part.usage.outputTokens;
      }
      return encoder.encode(part);
    },
    end(answer) {
      if (encoder.text !== undefined) exchange.responseText = encoder.text;
      answer.end(end);
    },
    failed(error) {
      failAfterHead(gateway, exchange, response, error);
    },
  };
  return writeItems(exchange, response, iterator, first, frames, {
    stallMs: gateway.config.clientStallMs,
    upstreamMs: outcome.route.upstreamMs,
  });
}
