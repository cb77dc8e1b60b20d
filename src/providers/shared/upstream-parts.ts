import { ProviderError } from '../../errors.js';
import type { StreamPart, Usage } from '../spec/index.js';
import { networkError } from './http.js';
import { upstreamFailure } from './upstream-limits.js';
import type { ReadyParts } from './ready-parts.js';
import { takeQueuedChunk, whenChunkQueued, type UpstreamStream } from './upstream-stream.js';
import type { CancelSignal } from '../../cancel.js';

/** Turns an upstream body into stream parts (or a native API's events), synchronously, chunk by chunk. */
export interface PartsDecoder<Part = StreamPart> {
  /** Decodes one body chunk, appending its parts to `out`; true once the rest of the body is not needed. */
  chunk(bytes: Uint8Array, out: Part[]): boolean;
  /** The body ended, or is not needed any more: appends the closing parts (e.g. `finish`). */
  end(out: Part[]): void;
  /**
   * Optional: a failure is about to end the stream with `failure`'s part; appends what the stream
   * owes before it (a `stream-start` not given yet). Not called when `failure` rejects instead.
   */
  beforeFailure?(out: Part[]): void;
  /**
   * Optional: the usage the vendor reported so far (Anthropic's `message_start`, Gemini's cumulative
   * `usageMetadata`), undefined for none; the ledger starts from it when the final report never comes.
   */
  reported?(): Usage | undefined;
}

export interface UpstreamPartsOptions<Part = StreamPart> {
  /** Sends the request; called on the first `next()`, whose promise rejects with its error. */
  open: () => Promise<UpstreamStream>;
  decoder: (stream: UpstreamStream) => PartsDecoder<Part>;
  /** A failure while reading or decoding the body: the part ending the stream, or throws to reject `next()`. */
  failure: (error: unknown) => Part;
}

const done: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Watches an UpstreamParts from inside (the usage ledger): what a wrapping iterator would see,
 * without a promise and a `then` of its own per part. Called synchronously; must not throw.
 */
export interface PartsTap<Part = StreamPart> {
  /** A part is handed out. */
  part(part: Part): void;
  /** A `next()` that had to wait resolved or rejected after `ms` (the request's opening included). */
  waited(ms: number): void;
  /** `next()` handed out the end. */
  ended(): void;
  /** `next()` rejects with `error`. */
  failed(error: unknown): void;
  /**
   * `return()` stopped the stream early; `reason`: the failure its consumer answered the client
   * with instead of the rest (what it passed to `return()`), undefined for a plain stop.
   */
  returned(reason: unknown): void;
}

/**
 * The usual `failure`: a network failure, a timeout or a provider error (e.g. an event over the
 * size cap, or a chunk nested too deeply for its decoder to re-encode) ends the stream as an
 * `error` part; an abort of `signal` rejects with its reason.
 */
export function networkFailure(provider: string, signal: CancelSignal): (error: unknown) => StreamPart {
  return (error) => {
    const mapped = networkError(provider, upstreamFailure(provider, error), signal);
    if (!(mapped instanceof ProviderError)) throw mapped;
    return { type: 'error', error: mapped };
  };
}

/**
 * A stream's parts read straight off its upstream body: each body chunk is decoded synchronously
 * (PartsDecoder) into a queue the iterator hands out. Waiting for the next chunk costs one promise
 * from the body and one `then`, where a chain of async generators (body → SSE events → parts)
 * costs a few promises and result objects per level; at thousands of slow streams those
 * outlive young-generation collections (a chunk's wait is hundreds of milliseconds) and fill
 * the old space (docs/benchmark-history.md, held streams).
 *
 * Same contract as an async generator over the body: the request goes out on the first `next()`
 * (its error rejects it); a read failure becomes `failure(error)`'s part (after the parts decoded
 * before it) or rejects; a body read to its end (or no longer needed) is released, one stopped
 * early (`return()`, or a failure) is discarded, which aborts the upstream request. Calls to
 * `next()` made while one is pending are answered in order.
 */
export class UpstreamParts<Part = StreamPart> implements AsyncIterableIterator<Part>, ReadyParts<Part> {
  /**
   * Until the answer's head: `open` holds the request (its body), and so may `decoder` (closures
   * made in one scope share it), so neither outlives its one call.
   */
  #send: UpstreamPartsOptions<Part>['open'] | undefined;
  #makeDecoder: UpstreamPartsOptions<Part>['decoder'] | undefined;
  readonly #failure: UpstreamPartsOptions<Part>['failure'];
  #stream: UpstreamStream | undefined;
  #chunks: AsyncIterator<Uint8Array> | undefined;
  #decoder: PartsDecoder<Part> | undefined;
  readonly #queue: Part[] = [];
  #head = 0;
  /** No more parts will be decoded (the queue may still hold some). */
  #finished = false;
  /** The stream was released or discarded. */
  #closed = false;
  /** An error to reject with once the queue is empty. */
  #rejection: { error: unknown } | undefined;
  /** The pending `next()`, while a chunk is awaited. */
  #pending: Promise<IteratorResult<Part>> | undefined;
  #tap: PartsTap<Part> | undefined;
  /** performance.now() when the pending `next()` began (with a tap). */
  #waitStarted = 0;
  /** performance.now() when a wait through whenReady began (with a tap), until its end is reported; -1 for none. */
  #wakeWaitStarted = -1;

  constructor(options: UpstreamPartsOptions<Part>) {
    this.#send = options.open;
    this.#makeDecoder = options.decoder;
    this.#failure = options.failure;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Attaches `tap` (one per stream), before the first `next()`. */
  tap(tap: PartsTap<Part>): void {
    if (this.#tap !== undefined || this.#pending !== undefined || this.#chunks !== undefined || this.#finished) throw new Error('UpstreamParts: tap before the first next(), once');
    this.#tap = tap;
  }

  /** The usage the vendor reported so far, when the decoder keeps it (PartsDecoder.reported). */
  reportedUsage(): Usage | undefined {
    return this.#decoder?.reported?.();
  }

  next(): Promise<IteratorResult<Part>> {
    if (this.#pending !== undefined) return this.#pending.then(this.#again, this.#again);
    this.#wakeWaitEnded();
    const ready = this.#ready();
    if (ready !== undefined) return ready;
    if (this.#tap !== undefined) this.#waitStarted = performance.now();
    const pending = this.#chunks === undefined ? this.#open() : this.#read();
    this.#pending = pending;
    return pending;
  }

  takeReady(): Part | undefined {
    if (this.#pending !== undefined) return undefined;
    this.#wakeWaitEnded();
    let part = this.#takePart();
    // Body chunks that arrived with the last one (undici hands over each HTTP chunk of a read
    // apart) are decoded now rather than through a promise each.
    while (part === undefined && !this.#finished && this.#chunks !== undefined) {
      const chunk = takeQueuedChunk(this.#chunks);
      if (chunk === undefined) return undefined;
      this.#decode({ done: false, value: chunk });
      part = this.#takePart();
    }
    return part;
  }

  /**
   * Waits for the body's next read without a promise (ReadyParts.whenReady): only once the stream
   * is open, with nothing queued, no `next()` pending, and a body that can wake a reader.
   */
  whenReady(wake: () => void): boolean {
    if (this.#pending !== undefined || this.#head < this.#queue.length || this.#finished || this.#rejection !== undefined) return false;
    const chunks = this.#chunks;
    if (chunks === undefined || !whenChunkQueued(chunks, wake)) return false;
    if (this.#tap !== undefined && this.#wakeWaitStarted < 0) this.#wakeWaitStarted = performance.now();
    return true;
  }

  /** Stops the stream; `reason` (optional) goes to the tap (PartsTap.returned). */
  return(reason?: unknown): Promise<IteratorResult<Part>> {
    this.#tap?.returned(reason);
    this.#finish(false);
    this.#queue.length = 0;
    this.#head = 0;
    this.#rejection = undefined;
    return Promise.resolve(done);
  }

  readonly #again = (): Promise<IteratorResult<Part>> => this.next();

  /** What `next()` answers without reading: a queued part, the end, or the rejection. */
  #ready(): Promise<IteratorResult<Part>> | undefined {
    if (this.#head === this.#queue.length && this.#rejection === undefined && !this.#finished) return undefined;
    try {
      return Promise.resolve(this.#result());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Once something is ready: the next queued part, else the rejection (thrown), else the end. */
  #result(): IteratorResult<Part> {
    const result = this.#take();
    if (result !== undefined) return result;
    if (this.#rejection !== undefined) {
      const { error } = this.#rejection;
      this.#rejection = undefined;
      this.#tap?.failed(error);
      throw error;
    }
    this.#tap?.ended();
    return done;
  }

  #take(): IteratorResult<Part> | undefined {
    const value = this.#takePart();
    return value === undefined ? undefined : { done: false, value };
  }

  /** The next queued part (given to the tap), or undefined. */
  #takePart(): Part | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const value = this.#queue[this.#head] as Part;
    this.#head += 1;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    this.#tap?.part(value);
    return value;
  }

  /** A wait through whenReady is over (the reader is back): its time, for the tap. */
  #wakeWaitEnded(): void {
    if (this.#wakeWaitStarted < 0) return;
    (this.#tap as PartsTap<Part>).waited(performance.now() - this.#wakeWaitStarted);
    this.#wakeWaitStarted = -1;
  }

  /** The pending `next()` is over: its wait, for the tap. */
  #waitEnded(): void {
    if (this.#tap !== undefined) this.#tap.waited(performance.now() - this.#waitStarted);
  }

  #open(): Promise<IteratorResult<Part>> {
    const open = this.#send as UpstreamPartsOptions<Part>['open'];
    // The request is on its way: a held stream keeps nothing of it (a long prompt is most of it).
    this.#send = undefined;
    let opening: Promise<UpstreamStream>;
    try {
      opening = open();
    } catch (error) {
      // An `open` that throws before its first await rejects next(), like one that rejects.
      opening = Promise.reject(error);
    }
    return opening.then(
      (stream) => {
        this.#stream = stream;
        const makeDecoder = this.#makeDecoder as UpstreamPartsOptions<Part>['decoder'];
        this.#makeDecoder = undefined;
        if (this.#finished) {
          // return() came while the request was on its way.
          stream.discard();
          this.#pending = undefined;
          this.#waitEnded();
          return done;
        }
        this.#decoder = makeDecoder(stream);
        this.#chunks = stream.chunks[Symbol.asyncIterator]();
        return this.#read();
      },
      (error: unknown) => {
        this.#makeDecoder = undefined;
        this.#finished = true;
        this.#pending = undefined;
        this.#waitEnded();
        this.#tap?.failed(error);
        throw error;
      },
    );
  }

  #read(): Promise<IteratorResult<Part>> {
    return (this.#chunks as AsyncIterator<Uint8Array>).next().then(this.#onChunk, this.#onFailure);
  }

  readonly #onChunk = (result: IteratorResult<Uint8Array>): IteratorResult<Part> | Promise<IteratorResult<Part>> => {
    if (this.#finished) return this.#settled();
    this.#decode(result);
    // A chunk may complete no part (half a line): read on.
    return this.#queue.length > this.#head || this.#finished ? this.#settled() : this.#read();
  };

  readonly #onFailure = (error: unknown): IteratorResult<Part> => {
    this.#fail(error);
    return this.#settled();
  };

  /** Decodes one read of the body into the queue; a decoding failure ends the stream as #fail says. */
  #decode(result: IteratorResult<Uint8Array>): void {
    try {
      if (result.done || (this.#decoder as PartsDecoder<Part>).chunk(result.value, this.#queue)) {
        (this.#decoder as PartsDecoder<Part>).end(this.#queue);
        this.#finish(true);
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  /** A failure while reading or decoding: `failure`'s part queued after the parts before it, or the rejection kept. */
  #fail(error: unknown): void {
    if (this.#finished) return;
    this.#finish(false);
    try {
      const part = this.#failure(error);
      this.#decoder?.beforeFailure?.(this.#queue);
      this.#queue.push(part);
    } catch (thrown) {
      this.#rejection = { error: thrown };
    }
  }

  /** Ends the pending `next()` with what is ready (throws the rejection). */
  #settled(): IteratorResult<Part> {
    this.#pending = undefined;
    this.#waitEnded();
    return this.#result();
  }

  /** No more reading: a complete body is released, anything else discarded (aborting the request). */
  #finish(complete: boolean): void {
    this.#finished = true;
    if (this.#closed || this.#stream === undefined) return;
    this.#closed = true;
    if (complete) this.#stream.release();
    else this.#stream.discard();
  }
}
