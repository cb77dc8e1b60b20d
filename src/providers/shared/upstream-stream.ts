import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { errors as undiciErrors } from './undici.js';
import { SignalBoundHandler } from './signal-bound-handler.js';
import { decodeText, readBodyText } from './body-text.js';
import { bodyChunks, discardBody, dispatchUpstream, errorBodyLimit, parseTarget, releaseBody, sendUpstream, type UpstreamRequest } from './http.js';
import { defaultUpstreamLimits, type UpstreamLimits } from './upstream-limits.js';
import type { CancelSignal } from '../../cancel.js';
import { ProviderError } from '../../errors.js';

/** An upstream answer whose body is read as it arrives (Server-Sent Events). */
export interface UpstreamStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body's chunks in order (read once); throws the error that broke the body off. */
  chunks: AsyncIterable<Uint8Array>;
  /** The call's caps (the SSE parser takes `maxEventBytes`). */
  limits: UpstreamLimits;
  /**
   * The whole body as text, for an error status; undefined when it could not be read or passed
   * errorBodyLimit (as readErrorBody).
   */
  text(): Promise<string | undefined>;
  /** After the content was read to its end (the last event): as releaseBody. */
  release(): void;
  /** Stops reading; aborts the upstream request if its answer is not complete (as discardBody). */
  discard(): void;
}

/**
 * Whether a successful answer to a stream request is one JSON body (`content-type:
 * application/json`) instead of an event stream: a server that failed after its 200 (vLLM, LiteLLM
 * proxies, OpenRouter answer `{"error": …}` so) or that does not stream. Read as events, it was a
 * stream without any, and its message was lost.
 */
export function isJsonAnswer(stream: UpstreamStream): boolean {
  const type = stream.headers['content-type'];
  return typeof type === 'string' && JSON_TYPE.test(type);
}

const JSON_TYPE = /^\s*application\/json/i;

/** The provider's 502 for a stream request answered with one JSON body that is no error. */
export function notAStreamError(provider: string): ProviderError {
  return new ProviderError('provider_error', `Provider '${provider}' answered a stream request with one JSON body, not an event stream`, { provider, status: 502 });
}

/** A body's chunk iterator that can give up a chunk it already holds without a promise (the dispatcher's). */
export interface QueuedChunks {
  /** The chunk the next `next()` would resolve with, when it is already here; undefined otherwise (the end and errors included). */
  takeQueued(): Uint8Array | undefined;
  /**
   * Optional: `wake` is called once, from a tick (process.nextTick), when the next chunk, the end or a failure
   * arrives; false (nothing registered) when one of them is already here or a `next()` is waiting.
   */
  whenQueued?(wake: () => void): boolean;
}

/** The chunk `chunks` already holds for its next `next()`, or undefined (also for iterators without takeQueued). */
export function takeQueuedChunk(chunks: AsyncIterator<Uint8Array>): Uint8Array | undefined {
  const take = (chunks as Partial<QueuedChunks>).takeQueued;
  return typeof take === 'function' ? take.call(chunks) : undefined;
}

/** Registers `wake` through `chunks`' whenQueued; false when it has none or refuses. */
export function whenChunkQueued(chunks: AsyncIterator<Uint8Array>, wake: () => void): boolean {
  const when = (chunks as Partial<QueuedChunks>).whenQueued;
  return typeof when === 'function' ? when.call(chunks, wake) : false;
}

/** Bytes buffered before the upstream socket is paused (undici's response stream default). */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

/**
 * sendUpstream for an answer read as it arrives: the same request, timeouts, abort signal and
 * errors, but on undici's dispatcher with a small handler that queues the body's chunks, instead
 * of a response stream and its async iterator per call (which cost more than the parsing of the
 * events for a short SSE answer). Backpressure: the socket is paused while 64 KiB wait unread.
 */
export function sendUpstreamForStream(call: UpstreamRequest): Promise<UpstreamStream> {
  const target = parseTarget(call.url);
  if (!target) return streamThroughRequest(call);
  const limits = call.limits ?? defaultUpstreamLimits;
  return dispatchUpstream<UpstreamStream>(call, target, (resolve, reject) => new StreamHandler(call.signal, limits, resolve, reject));
}

/** sendUpstreamForStream for a URL the dispatcher cannot take as parsed: through undici's `request`. */
async function streamThroughRequest(call: UpstreamRequest): Promise<UpstreamStream> {
  const response = await sendUpstream(call);
  const { body, limits } = response;
  return {
    status: response.status,
    headers: response.headers,
    chunks: bodyChunks(body),
    limits,
    text: async () => (await readBodyText(body, errorBodyLimit(limits)).catch(() => undefined))?.text,
    release: () => releaseBody(body),
    discard: () => discardBody(body),
  };
}

/** Queues one answer's body for its reader (see sendUpstreamForStream). */
class StreamHandler extends SignalBoundHandler implements Dispatcher.DispatchHandler {
  #resolve: ((stream: UpstreamStream) => void) | undefined;
  /** Until the answer's head: the caller's callbacks (they may hold the request) are dropped then. */
  #reject: ((error: unknown) => void) | undefined;
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | undefined;
  #dropped = false;
  /** The reader waiting for the next chunk, end or error. */
  #waiter: { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: unknown) => void } | undefined;
  /** The reader to wake (whenQueued) when the next chunk, end or error arrives. */
  #wake: (() => void) | undefined;

  readonly #limits: UpstreamLimits;

  constructor(signal: CancelSignal, limits: UpstreamLimits, resolve: (stream: UpstreamStream) => void, reject: (error: unknown) => void) {
    super(signal);
    this.#limits = limits;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200 || !this.#resolve) return; // 1xx: informational, the answer follows
    this.forgetRawHeaders(controller);
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#reject = undefined;
    resolve({
      status: statusCode,
      headers,
      chunks: { [Symbol.asyncIterator]: () => this.#iterator() },
      limits: this.#limits,
      text: () => this.#text(),
      release: () => this.#release(),
      discard: () => this.#discard(),
    });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#dropped) return;
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued >= STREAM_HIGH_WATER_MARK) controller.pause();
    this.#wakeReader();
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.stopListening();
    this.#wakeReader();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.stopListening();
    const reject = this.#reject;
    if (this.#resolve && reject) {
      this.#resolve = undefined;
      this.#reject = undefined;
      reject(error);
      return;
    }
    this.#error = error;
    this.#wakeReader();
  }

  #iterator(): AsyncIterator<Uint8Array> & QueuedChunks {
    return {
      // A reader waiting in next() is handed the first chunk to arrive; the rest wait here.
      takeQueued: () => (this.#waiter === undefined ? this.#shift() : undefined),
      whenQueued: (wake: () => void): boolean => {
        if (this.#waiter !== undefined || this.#queue.length > 0 || this.#finished() || this.#dropped) return false;
        this.#wake = wake;
        return true;
      },
      // Not an async function: a read that waits costs one promise, resolved by #wakeReader.
      next: (): Promise<IteratorResult<Uint8Array>> => {
        let result: IteratorResult<Uint8Array> | undefined;
        try {
          result = this.#poll();
        } catch (error) {
          return Promise.reject(error);
        }
        if (result !== undefined) return Promise.resolve(result);
        return new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
          this.#waiter = { resolve, reject };
        });
      },
      // Stopping early leaves the answer as it is: release() or discard() decides.
      return: (): Promise<IteratorResult<Uint8Array>> => Promise.resolve({ done: true, value: undefined }),
    };
  }

  /** The reader's next result if there is one yet: a chunk, else the end; throws the error that broke the body off. */
  #poll(): IteratorResult<Uint8Array> | undefined {
    const chunk = this.#shift();
    if (chunk !== undefined) return { done: false, value: chunk };
    if (this.#error) throw this.#error;
    if (this.#ended || this.#dropped) return { done: true, value: undefined };
    return undefined;
  }

  /** The oldest queued chunk, taken (the socket resumes once the queue is under the mark again). */
  #shift(): Buffer | undefined {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queued -= chunk.length;
      if (this.#queued < STREAM_HIGH_WATER_MARK && this.controller?.paused) this.controller.resume();
    }
    return chunk;
  }

  async #text(): Promise<string | undefined> {
    const chunks: Buffer[] = [];
    let length = 0;
    const cap = errorBodyLimit(this.#limits);
    try {
      for await (const chunk of { [Symbol.asyncIterator]: () => this.#iterator() }) {
        length += chunk.length;
        if (length > cap) {
          this.#discard();
          return undefined;
        }
        chunks.push(chunk as Buffer);
      }
    } catch {
      return undefined;
    }
    return decodeText(chunks, length);
  }

  #release(): void {
    if (this.#finished()) return this.#drop();
    // The rest (usually just the end of the body) may still be on its way: let it come, unread.
    this.#drop();
    setImmediate(() => {
      if (!this.#finished()) this.abortRequest(new undiciErrors.RequestAbortedError());
    });
  }

  #discard(): void {
    if (!this.#finished()) this.abortRequest(new undiciErrors.RequestAbortedError());
    this.#drop();
  }

  #finished(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** Forgets what is queued and what still arrives; the socket is not held paused for it. */
  #drop(): void {
    this.#dropped = true;
    this.#queue.length = 0;
    this.#queued = 0;
    if (this.controller?.paused) this.controller.resume();
    this.#wakeReader();
  }

  /** A complete answer is not aborted (its connection stays reusable). */
  protected override abortRequest(reason: unknown): void {
    if (!this.#finished()) super.abortRequest(reason);
  }

  #wakeReader(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      // Not from inside undici's parser callback: the reader may write to its client or abort this
      // request. A tick, not queueMicrotask, which makes an AsyncResource and a bound function per call.
      this.#wake = undefined;
      process.nextTick(wake);
    }
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    let result: IteratorResult<Uint8Array> | undefined;
    try {
      result = this.#poll();
    } catch (error) {
      this.#waiter = undefined;
      waiter.reject(error);
      return;
    }
    if (result === undefined) return;
    this.#waiter = undefined;
    waiter.resolve(result);
  }
}
