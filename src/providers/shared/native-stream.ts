/**
 * A vendor's SSE answer passed through unchanged for a native call: events are handed out as they
 * arrive, each one also shown to an observer that reads the usage from it.
 *
 * @module
 */
import type { NativeEvent, NativeStreamAnswer, Usage } from '../spec/index.js';
import { ProviderError } from '../../errors.js';
import { failureEventStatus, scrubFailureEvent } from './native-failure.js';
import { SseDecoder, type SseSink } from './sse-decoder.js';
import { UpstreamParts, type PartsDecoder } from './upstream-parts.js';
import type { UpstreamStream } from './upstream-stream.js';

/** Reads usage from the events one by one; `usage()` is the total so far. */
export interface UsageObserver {
  observe(event: NativeEvent): void;
  usage(): Usage;
  /** Whether the event carrying the final usage has been seen. */
  complete(): boolean;
}

/**
 * Wraps a streamed answer as a native answer. Its events come off the body through UpstreamParts,
 * as a normalized stream's parts do: decoded synchronously per chunk, those of one read handed over
 * without a promise each (`takeReady`), the body released once read to its end; `return()` on the
 * iterator, or a failure, discards it (which aborts the upstream). A read failure or an event over
 * the size cap rejects `next()` after the events before it. The vendor's in-stream failures (an
 * `error` event, Responses' `response.failed`, an unnamed `{"error": …}`) are passed on with
 * `secrets` (the call's key) redacted from their words and an account error's message withheld,
 * like an error status's body (native-failure.ts); an unnamed `[DONE]` line is left out.
 */
export function nativeStreamAnswer(provider: string, stream: UpstreamStream, observer: UsageObserver, secrets: readonly (string | undefined)[]): NativeStreamAnswer {
  const decoder = new NativeEventDecoder(provider, stream.limits.maxEventBytes, observer, secrets);
  const events = new UpstreamParts<NativeEvent>({
    open: () => Promise.resolve(stream),
    decoder: () => decoder,
    failure: (error) => {
      throw error;
    },
  });
  return {
    type: 'stream',
    status: stream.status,
    events,
    usage: () => observer.usage(),
    usageComplete: () => observer.complete(),
    failureStatus: () => decoder.failureStatus,
  };
}

/**
 * Each complete event of a chunk, shown to the observer and queued unchanged; one sent without an
 * `event:` line is named by its data's `type` (the client then gets the line too).
 */
class NativeEventDecoder implements PartsDecoder<NativeEvent>, SseSink {
  readonly #provider: string;
  readonly #sse: SseDecoder;
  readonly #observer: UsageObserver;
  readonly #secrets: readonly (string | undefined)[];
  #out: NativeEvent[] = [];
  /** The vendor reported a failure in the stream (it told the client itself). */
  #failed = false;
  /** The status of the first failure the vendor reported (failureEventStatus). */
  failureStatus: number | undefined;

  constructor(provider: string, maxEventBytes: number, observer: UsageObserver, secrets: readonly (string | undefined)[]) {
    this.#provider = provider;
    this.#sse = new SseDecoder(provider, maxEventBytes);
    this.#observer = observer;
    this.#secrets = secrets;
  }

  chunk(bytes: Uint8Array, out: NativeEvent[]): boolean {
    this.#out = out;
    this.#sse.push(bytes, this);
    return false;
  }

  /** A body that ends before the vendor's final event (and without a failure event) was cut off. */
  end(out: NativeEvent[]): void {
    this.#out = out;
    this.#sse.end(this);
    if (!this.#failed && !this.#observer.complete()) {
      throw new ProviderError('provider_error', `Provider '${this.#provider}' ended the stream before its final event`, { provider: this.#provider, status: 502 });
    }
  }

  event(sent: string | undefined, data: string): void {
    let name = sent;
    let failure: boolean;
    if (sent === undefined) {
      // Chat completions' end line, which some servers (LiteLLM's proxy) send here too: neither
      // native API has one, and the SDKs stop reading at it, so a failure after it went unseen.
      if (data === '[DONE]') return;
      // Some compatible servers send `data:` lines only: the event's name is then its `type`, and
      // an error may come as chat completions' `{"error": …}` (LiteLLM's proxy, OpenRouter).
      const unnamed = readUnnamed(data);
      name = unnamed.type;
      failure = name === 'error' || name === 'response.failed' || unnamed.error;
    } else {
      failure = sent === 'error' || sent === 'response.failed';
    }
    if (failure) {
      this.#failed = true;
      this.failureStatus ??= failureEventStatus(data);
    }
    const event: NativeEvent = { event: name, data: failure ? scrubFailureEvent(data, this.#provider, this.#secrets) : data };
    this.#observer.observe(event);
    this.#out.push(event);
  }
}

/** What an event's name may be when it comes from its data: it becomes the client's `event:` line. */
const EVENT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * An event sent without an `event:` line (Anthropic's and the Responses API's events all carry
 * their name there): its `type` when that is a plain name, else undefined (the event stays
 * unnamed); `error` when it is an object with an `error` and no `type`, chat completions' shape of
 * a failure in a stream.
 */
function readUnnamed(data: string): { type: string | undefined; error: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { type: undefined, error: false };
  }
  if (!isRecord(value)) return { type: undefined, error: false };
  const type = value['type'];
  if (typeof type === 'string') return { type: EVENT_NAME.test(type) ? type : undefined, error: false };
  const error = value['error'];
  return { type: undefined, error: error !== undefined && error !== null && error !== false };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The event's data as a JSON object, or undefined when it is not one (observers skip it). */
export function eventJson(event: NativeEvent): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(event.data);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
