/**
 * Writing a stream's items (parts, or a native API's events) to the client once its head is sent,
 * shared by every streaming surface. The items of one upstream read are framed in a synchronous
 * loop (`takeReady`) and handed to the response as one write (one chunk of the chunked answer,
 * not one per item: Node's HTTP writer frames and buffers every write, several objects each), which
 * leaves in one write syscall when the writer goes back to waiting; for the next read the writer is woken by the body (`whenReady`, no promise per
 * item), or awaits `next()` where the iterator cannot wake it. When the end came with the last
 * read, it leaves in that same write. A client slow to read is waited for (`drained`, so backpressure reaches the
 * upstream, and one that stops reading is cut: client-stall.ts); a client that goes away, or a
 * failure, closes the iterator, which aborts the upstream.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { takeReady, whenReady } from '../providers/shared/ready-parts.js';
import { drained } from './client-stall.js';
import type { Exchange } from './exchange.js';

/** How a surface writes its items. */
export interface ItemFrames<Item> {
  /** The frames of one item (`''` for none); throws to end the stream with that failure (e.g. an error part). */
  frames(item: Item): string;
  /** The items are over: the closing frames and the end of the answer. */
  end(response: ServerResponse): void;
  /** A failure after the head: the surface's error frames and the end. A client already gone gets nothing. */
  failed(error: unknown): void;
  /**
   * Optional: the stream is over, however it ended (before `failed`; after `end`, in the same
   * tick). What the request's log and metrics read when the answer finishes is set here.
   */
  over?(): void;
}

/**
 * Writes `first` (its end, when done; undefined: nothing in hand yet) and the iterator's items
 * after it, once the head is sent. Once the
 * iterator is closed, `exchange.upstreamMs` is `upstreamMs` plus the time spent waiting for the
 * upstream here, and the promise resolves; it rejects only when `failed` or `over` throws. Callers
 * hand the promise back rather than await it (no async frame of theirs outlives the stream).
 */
export function writeItems<Item>(
  exchange: Exchange,
  response: ServerResponse,
  iterator: AsyncIterator<Item>,
  first: IteratorResult<Item> | undefined,
  frames: ItemFrames<Item>,
  options: { stallMs: number; upstreamMs: number },
): Promise<void> {
  return new ItemWriter(exchange, response, iterator, frames, options).start(first);
}

class ItemWriter<Item> {
  readonly #exchange: Exchange;
  readonly #response: ServerResponse;
  readonly #iterator: AsyncIterator<Item>;
  readonly #frames: ItemFrames<Item>;
  readonly #stallMs: number;
  #upstreamMs: number;
  /** performance.now() when the current wait for the upstream began. */
  #waitStarted = 0;
  #settle: (() => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  /** The writer holds a cork on the response (its frames wait in the socket's buffer). */
  #corked = false;
  /** The frames of the items taken in this synchronous run, not yet written (see #flush). */
  #pending = '';

  constructor(exchange: Exchange, response: ServerResponse, iterator: AsyncIterator<Item>, frames: ItemFrames<Item>, options: { stallMs: number; upstreamMs: number }) {
    this.#exchange = exchange;
    this.#response = response;
    this.#iterator = iterator;
    this.#frames = frames;
    this.#stallMs = options.stallMs;
    this.#upstreamMs = options.upstreamMs;
  }

  start(first: IteratorResult<Item> | undefined): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.#settle = resolve;
      this.#reject = reject;
    });
    // An iterator is not asked again once it said it is done (a second `done` may be told twice to its observers).
    if (first?.done === true) this.#end();
    else this.#write(first?.value);
    return done;
  }

  /**
   * Writes `item` (when given) and every item already here after it, until the iterator has none
   * ready: then waits for the next read and comes back through #wake or #onNext.
   */
  #write(item: Item | undefined): void {
    const exchange = this.#exchange;
    const iterator = this.#iterator;
    try {
      for (;;) {
        if (item === undefined) {
          item = takeReady(iterator);
          if (item === undefined) break;
        }
        if (exchange.clientGone) return this.#close(undefined, false);
        this.#pending += this.#frames.frames(item);
        item = undefined;
      }
    } catch (error) {
      // The items framed before the failing one are sent, then the failure's frames.
      if (!exchange.clientGone) this.#flush();
      return this.#close({ error }, false);
    }
    if (!this.#flush()) {
      this.#uncork();
      return void drained(this.#response, this.#stallMs).then(this.#onDrained, this.#onFailure);
    }
    if (exchange.clientGone) return this.#close(undefined, false);
    this.#wait();
  }

  /**
   * Writes the pending frames as one chunk into the corked response; false when the response's
   * buffer is full (the client reads slower than the upstream answers). The frames of one run are
   * bounded by what the upstream body had buffered, which its own high-water mark bounds.
   */
  #flush(): boolean {
    const frames = this.#pending;
    if (frames === '') return true;
    this.#pending = '';
    if (!this.#corked) {
      this.#corked = true;
      this.#response.cork();
    }
    return this.#response.write(frames);
  }

  /**
   * Nothing more is here: waits for the next read. Woken (whenReady), the frames written so far
   * leave now. Through `next()`, they leave once this turn's microtasks have run: after the
   * answer of a `next()` that is already settled (the end or a failure that came with the last
   * read), so its closing frames join the same write; without delay when the read is still to come.
   */
  #wait(): void {
    this.#waitStarted = performance.now();
    const iterator = this.#iterator;
    if (whenReady(iterator, this.#wake)) return this.#uncork();
    iterator.next().then(this.#onNext, this.#onFailure);
    if (this.#corked) settled.then(this.#uncorkLater);
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#response.uncork();
  }

  readonly #uncorkLater = (): void => this.#uncork();

  readonly #wake = (): void => {
    this.#upstreamMs += performance.now() - this.#waitStarted;
    this.#write(undefined);
  };

  readonly #onNext = (next: IteratorResult<Item>): void => {
    this.#upstreamMs += performance.now() - this.#waitStarted;
    if (next.done) this.#end();
    else this.#write(next.value);
  };

  readonly #onDrained = (): void => {
    // Destroyed (cut by the stall guard, or reset): gone now, not once its 'close' comes, which
    // would let the upstream be read on into an answer that is dropped.
    if (this.#response.destroyed) this.#exchange.markClientGone();
    if (this.#exchange.clientGone) this.#close(undefined, false);
    else this.#write(undefined);
  };

  readonly #onFailure = (error: unknown): void => {
    this.#close({ error }, false);
  };

  #end(): void {
    try {
      this.#frames.end(this.#response);
    } catch (error) {
      return this.#close({ error }, true);
    }
    this.#close(undefined, true);
  }

  /**
   * The iterator closed (unless exhausted), then `failure` answered. Its error goes to `return()`:
   * the usage ledger records the failure the client is answered, not a client's cut.
   */
  #close(failure: { error: unknown } | undefined, exhausted: boolean): void {
    // What was written leaves now, whatever the iterator's return() does (after end(), which
    // already flushed the socket and let go of every cork, this does nothing).
    this.#uncork();
    let returned: Promise<unknown> | undefined;
    try {
      returned = exhausted ? undefined : this.#iterator.return?.(failure?.error);
    } catch {
      returned = undefined;
    }
    if (returned === undefined) return this.#settleWith(failure);
    returned.then(
      () => this.#settleWith(failure),
      () => this.#settleWith(failure),
    );
  }

  #settleWith(failure: { error: unknown } | undefined): void {
    const settle = this.#settle;
    const reject = this.#reject;
    this.#settle = undefined;
    this.#reject = undefined;
    this.#exchange.upstreamMs = this.#upstreamMs;
    try {
      this.#frames.over?.();
      if (failure !== undefined) this.#frames.failed(failure.error);
    } catch (error) {
      reject?.(error);
      return;
    }
    settle?.();
  }
}

/** A settled promise: a reaction to it runs after the microtasks already queued in this turn. */
const settled = Promise.resolve();

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
