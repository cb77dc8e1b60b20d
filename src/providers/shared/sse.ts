import { SseDecoder } from './sse-decoder.js';
import { defaultUpstreamLimits } from './upstream-limits.js';

/** One server-sent event. */
export interface SseEvent {
  /** The `event:` field, or undefined for unnamed events. */
  event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

/** Whose stream it is (for the error) and how long a line or event may be. */
export interface SseOptions {
  provider: string;
  /** Longest line, and longest event data, in characters (default 1 MiB). */
  maxEventBytes?: number;
}

/**
 * Decodes a `text/event-stream` body into events, chunk by chunk (see SseDecoder for the rules).
 * A line or an event longer than `maxEventBytes` throws a provider_error, after the events
 * before it.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array | string>, options?: SseOptions): AsyncGenerator<SseEvent> {
  const decoder = new SseDecoder(options?.provider ?? 'upstream', options?.maxEventBytes ?? defaultUpstreamLimits.maxEventBytes);
  const events: SseEvent[] = [];
  const sink = { event: (event: string | undefined, data: string) => void events.push({ event, data }) };
  const drain = function* (): Generator<SseEvent> {
    for (const event of events) yield event;
    events.length = 0;
  };
  for await (const chunk of body) {
    try {
      decoder.push(chunk, sink);
    } catch (error) {
      yield* drain();
      throw error;
    }
    yield* drain();
  }
  decoder.end(sink);
  yield* drain();
}
