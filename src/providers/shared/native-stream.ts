/**
 * A vendor's SSE answer passed through unchanged for a native call: events are yielded as they
 * arrive, each one also shown to an observer that reads the usage from it.
 *
 * @module
 */
import type { NativeEvent, NativeStreamAnswer, Usage } from '../spec/index.js';
import { parseSse } from './sse.js';

/** The body of a streamed answer and how to end it. */
export interface NativeStreamBody {
  chunks: AsyncIterable<Uint8Array>;
  /** After the body was read to its end. */
  release(): void;
  /** Stops reading early; aborts the upstream request. */
  discard(): void;
}

/** Reads usage from the events one by one; `usage()` is the total so far. */
export interface UsageObserver {
  observe(event: NativeEvent): void;
  usage(): Usage;
}

/** Wraps a streamed body as a native answer; `return()` on its iterator aborts the upstream. */
export function nativeStreamAnswer(status: number, body: NativeStreamBody, observer: UsageObserver): NativeStreamAnswer {
  async function* events(): AsyncGenerator<NativeEvent> {
    let complete = false;
    try {
      for await (const event of parseSse(body.chunks)) {
        observer.observe(event);
        yield { event: event.event, data: event.data };
      }
      complete = true;
    } finally {
      if (complete) body.release();
      else body.discard();
    }
  }
  return { type: 'stream', status, events: events(), usage: () => observer.usage() };
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
