/**
 * Writing a service stream as Server-Sent Events, shared by every streaming surface: the head
 * once the first part is here, each part's frames as they arrive (batched per burst, waiting for
 * `drain` when the client is slow, so backpressure reaches the upstream, and cutting a client that
 * stops reading: client-stall.ts), and the upstream aborted when the client goes away or the stream fails.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { takeReady, whenReady } from '../providers/shared/ready-parts.js';
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
 * parsed request) would live as long as the stream. Past the head, the parts are written by a
 * PartWriter, which waits for a slow stream's next part without a promise per part.
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
  const writer = new PartWriter(gateway, exchange, response, iterator, end, failAfterHead, outcome.route.upstreamMs);
  if (exchange.clientGone) return writer.close(undefined, false);
  writeSseHead(gateway, exchange, response);
  return writer.start(makeEncoder(), first.done ? undefined : first.value);
}

/**
 * Writes a stream's parts after its head, as they come: the parts of one upstream read in a
 * synchronous loop, then, for the next read, a wake-up from the body (`whenReady`, no promise) or,
 * where the iterator cannot wake it, `next()`; a client that is slow to read is waited for
 * (`drained`). Settles once the iterator is closed (and `failAfterHead` called, for a failure).
 */
class PartWriter {
  readonly #gateway: GatewayContext;
  readonly #exchange: Exchange;
  readonly #response: ServerResponse;
  readonly #iterator: AsyncIterator<StreamPart>;
  readonly #end: string;
  readonly #failAfterHead: FailAfterHead;
  #encoder: PartEncoder | undefined;
  #upstreamMs: number;
  /** performance.now() when the current wait for the upstream began. */
  #waitStarted = 0;
  #settle: (() => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  constructor(
    gateway: GatewayContext,
    exchange: Exchange,
    response: ServerResponse,
    iterator: AsyncIterator<StreamPart>,
    end: string,
    failAfterHead: FailAfterHead,
    upstreamMs: number,
  ) {
    this.#gateway = gateway;
    this.#exchange = exchange;
    this.#response = response;
    this.#iterator = iterator;
    this.#end = end;
    this.#failAfterHead = failAfterHead;
    this.#upstreamMs = upstreamMs;
  }

  /** Writes `first` (undefined: the stream had no part) and the rest; settles when the stream is over. */
  start(encoder: PartEncoder, first: StreamPart | undefined): Promise<void> {
    this.#encoder = encoder;
    const done = new Promise<void>((resolve, reject) => {
      this.#settle = resolve;
      this.#reject = reject;
    });
    if (first === undefined) this.#finish();
    else this.#write(first);
    return done;
  }

  /**
   * Writes `part` (when given) and every part already here after it, until the iterator has none
   * ready: then waits for the next one and comes back through #wake or #onNext.
   */
  #write(part: StreamPart | undefined): void {
    const exchange = this.#exchange;
    const iterator = this.#iterator;
    try {
      for (;;) {
        if (part === undefined) {
          // Parts decoded from the same upstream read are taken without a promise each.
          part = takeReady(iterator);
          if (part === undefined) {
            this.#waitStarted = performance.now();
            if (!whenReady(iterator, this.#wake)) iterator.next().then(this.#onNext, this.#onFailure);
            return;
          }
        }
        if (part.type === 'error') throw part.error;
        if (part.type === 'finish') {
          exchange.inputTokens = part.usage.inputTokens;
          exchange.outputTokens = part.usage.outputTokens;
        }
        if (exchange.clientGone) return void this.close(undefined, false);
        const flowing = writeBatched(exchange, this.#response, (this.#encoder as PartEncoder).encode(part));
        part = undefined;
        if (!flowing) return void drained(this.#response, this.#gateway.config.clientStallMs).then(this.#onDrained, this.#onFailure);
        if (exchange.clientGone) return void this.close(undefined, false);
      }
    } catch (error) {
      void this.close({ error }, false);
    }
  }

  readonly #wake = (): void => {
    this.#upstreamMs += performance.now() - this.#waitStarted;
    this.#write(undefined);
  };

  readonly #onNext = (next: IteratorResult<StreamPart>): void => {
    this.#upstreamMs += performance.now() - this.#waitStarted;
    if (next.done) this.#finish();
    else this.#write(next.value);
  };

  readonly #onDrained = (): void => {
    if (this.#exchange.clientGone) void this.close(undefined, false);
    else this.#write(undefined);
  };

  readonly #onFailure = (error: unknown): void => {
    void this.close({ error }, false);
  };

  /** The iterator is exhausted: the closing frame and the end of the answer. */
  #finish(): void {
    try {
      const text = (this.#encoder as PartEncoder).text;
      if (text !== undefined) this.#exchange.responseText = text;
      this.#response.end(this.#end);
    } catch (error) {
      void this.close({ error }, true);
      return;
    }
    void this.close(undefined, true);
  }

  /** Ends the stream: the iterator closed unless `exhausted`, then `failure` answered after the head (rejected before it). */
  async close(failure: { error: unknown } | undefined, exhausted: boolean): Promise<void> {
    this.#exchange.upstreamMs = this.#upstreamMs;
    if (!exhausted) await this.#iterator.return?.().catch(() => undefined);
    const settle = this.#settle;
    const reject = this.#reject;
    this.#settle = undefined;
    this.#reject = undefined;
    try {
      if (failure !== undefined) {
        if (!this.#response.headersSent) throw failure.error;
        this.#failAfterHead(this.#gateway, this.#exchange, this.#response, failure.error);
      }
    } catch (error) {
      if (reject === undefined) throw error;
      reject(error);
      return;
    }
    settle?.();
  }
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
