/**
 * The commit point of a routed stream: parts are held until the first content delta (text, a tool
 * call or reasoning) arrives. Before it, an error part or a thrown error rejects, so the route can
 * fall back without the client seeing anything; from it on, the stream belongs to the client.
 *
 * @module
 */
import { type ReadyParts, takeReady, whenReady } from '../providers/shared/ready-parts.js';
import type { StreamPart } from '../providers/spec/index.js';
import type { UsageAttempt } from '../usage/usage-attempt.js';
import type { Route, StreamOutcome } from './ai-service.js';

/** A stream outcome that may have ended before any content (an empty answer). */
export interface CommittedStream extends StreamOutcome {
  /** The stream finished without a content delta. */
  empty: boolean;
}

export async function commitStream(
  iterator: AsyncIterator<StreamPart>,
  attempt: UsageAttempt | undefined,
  route: Route,
  started: number,
): Promise<CommittedStream> {
  const held: StreamPart[] = [];
  let done = false;
  for (;;) {
    // A part already decoded (often the text right behind the stream's start) costs no await.
    let part = takeReady(iterator);
    if (part === undefined) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      part = next.value;
    }
    if (part.type === 'error') {
      await iterator.return?.().catch(() => undefined);
      throw part.error;
    }
    held.push(part);
    if (part.type === 'text-delta' || part.type === 'tool-call-delta' || part.type === 'reasoning-delta' || part.type === 'finish') break;
  }
  if (attempt) attempt.precommit = false;
  const last = held[held.length - 1];
  const empty = last === undefined || last.type === 'finish';
  if (empty && attempt?.routing?.emptyFallsBack === true) attempt.discardedEmpty = true;
  return { route: { ...route, upstreamMs: performance.now() - started }, parts: replayHeld(held, iterator, done), empty };
}

/** An iterable that yields the held parts, then the rest of the iterator (ready parts passed on). */
function replayHeld(held: StreamPart[], rest: AsyncIterator<StreamPart>, done: boolean): AsyncIterable<StreamPart> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<StreamPart> & ReadyParts {
      let index = 0;
      return {
        takeReady: () => {
          if (index < held.length) return held[index++];
          return done ? undefined : takeReady(rest);
        },
        whenReady: (wake: () => void) => index >= held.length && !done && whenReady(rest, wake),
        next: () => {
          if (index < held.length) return Promise.resolve({ done: false, value: held[index++] as StreamPart });
          if (done) return Promise.resolve({ done: true, value: undefined });
          return rest.next();
        },
        return: async (value?: unknown) => {
          index = held.length;
          await rest.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
