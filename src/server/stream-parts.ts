/**
 * Writing a service stream as Server-Sent Events, shared by every streaming surface: the head
 * once the first part is here, each part's frames as they arrive (batched per burst, waiting for
 * `drain` when the client is slow, so backpressure reaches the upstream, and cutting a client that
 * stops reading: client-stall.ts), and the upstream aborted when the client goes away or the stream fails.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { takeReady } from '../providers/shared/ready-parts.js';
import type { StreamPart } from '../providers/spec/index.js';
import type { StreamOutcome } from '../service/ai-service.js';
import type { Exchange } from './exchange.js';
import type { GatewayContext } from './gateway-context.js';
import { writeSseHead } from './send.js';
import { drained } from './client-stall.js';

export { drained } from './client-stall.js';

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
 * Writes `outcome`'s parts through the encoder made once the head is sent, then `end`. An `error`
 * part's error, or the iterator's, rejects before the head (the caller answers with a status) and
 * goes to `failAfterHead` after it, once the iterator is closed.
 *
 * Callers hand back this promise rather than await it: a suspended async function per level
 * (its frame, registers and promise, ~400 bytes, and whatever it still references, such as the
 * parsed request) would live as long as the stream.
 */
export async function pumpParts(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  outcome: StreamOutcome,
  makeEncoder: () => PartEncoder,
  end: string,
  failAfterHead: FailAfterHead,
): Promise<void> {
  const iterator = outcome.parts[Symbol.asyncIterator]();
  let upstreamMs = outcome.route.upstreamMs;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  try {
    // The first part is already here (the service waited for it); an error part in first place
    // still gets a proper HTTP status.
    const first = await iterator.next();
    if (!first.done && first.value.type === 'error') throw first.value.error;
    if (exchange.clientGone) return;
    writeSseHead(gateway, exchange, response);
    const encoder = makeEncoder();
    let part: StreamPart | undefined = first.done ? undefined : first.value;
    while (part !== undefined) {
      if (part.type === 'error') throw part.error;
      if (part.type === 'finish') {
        exchange.inputTokens = part.usage.inputTokens;
        exchange.outputTokens = part.usage.outputTokens;
      }
      if (exchange.clientGone) return;
      if (!writeBatched(exchange, response, encoder.encode(part))) await drained(response, gateway.config.clientStallMs);
      if (exchange.clientGone) return;
      // Parts decoded from the same upstream read are taken without a promise each.
      part = takeReady(iterator);
      if (part === undefined) {
        const waitStarted = performance.now();
        const next = await iterator.next();
        upstreamMs += performance.now() - waitStarted;
        part = next.done ? undefined : next.value;
      }
    }
    exhausted = true;
    if (encoder.text !== undefined) exchange.responseText = encoder.text;
    response.end(end);
  } catch (error) {
    if (!response.headersSent) throw error;
    failure = { error };
  } finally {
    exchange.upstreamMs = upstreamMs;
    if (!exhausted) await iterator.return?.().catch(() => undefined);
  }
  if (failure !== undefined) failAfterHead(gateway, exchange, response, failure.error);
}

/**
 * Writes a frame, corking the socket until the current burst of microtasks is over: the parts
 * decoded from one upstream read leave in one write syscall instead of one each, with no added
 * latency (the uncork runs before the event loop goes back to I/O).
 */
export function writeBatched(exchange: Exchange, response: ServerResponse, frame: string): boolean {
  if (!exchange.corked) {
    exchange.corked = true;
    response.cork();
    process.nextTick(uncork, exchange, response);
  }
  return response.write(frame);
}

function uncork(exchange: Exchange, response: ServerResponse): void {
  exchange.corked = false;
  response.uncork();
}
