/**
 * Watches a native answer (the vendor's own API passed through, see `Provider.native`) for the
 * ledger, like `observeStream` does for normalized streams: the first content event, the usage the
 * vendor reported, and how the stream ended. Events pass through unchanged and unbuffered.
 *
 * @module
 */
import { UpstreamParts } from '../providers/shared/upstream-parts.js';
import type { NativeAnswer, NativeEvent, NativeStreamAnswer } from '../providers/spec/index.js';
import { CLIENT_CLOSED_STATUS, type UsageAttempt } from './usage-attempt.js';
import { timedNext } from './timed-next.js';

/** Ends `attempt` for a whole answer, or wraps a streamed one so the attempt ends with the stream. */
export function observeNative(answer: NativeAnswer, attempt: UsageAttempt): NativeAnswer {
  if (answer.type === 'json') {
    attempt.firstTokenAt ??= performance.now();
    attempt.end({ status: answer.status, errorCode: null, incomplete: false, usage: answer.usage, estimate: undefined });
    return answer;
  }
  return { ...answer, events: observedEvents(answer, attempt) };
}

/** A content event of either native API: Anthropic's `content_block_delta`, Responses' `response.*.delta`. */
function isContent(event: NativeEvent): boolean {
  return event.event !== undefined && event.event.endsWith('delta');
}

/** The answer's events, observed: a built-in provider's (UpstreamParts) from inside through its tap, any other wrapped. */
function observedEvents(answer: NativeStreamAnswer, attempt: UsageAttempt): AsyncIterable<NativeEvent> {
  const events = answer.events;
  if (events instanceof UpstreamParts) {
    (events as UpstreamParts<NativeEvent>).tap({
      part(event) {
        if (isContent(event)) attempt.firstTokenAt ??= performance.now();
      },
      waited(ms) {
        attempt.upstreamMs += ms;
      },
      ended() {
        attempt.end({ status: answer.status, errorCode: null, incomplete: false, usage: answer.usage(), estimate: undefined });
      },
      failed(error) {
        attempt.fail(error, undefined);
      },
      returned() {
        attempt.end({ status: CLIENT_CLOSED_STATUS, errorCode: null, incomplete: true, usage: answer.usage(), estimate: undefined });
      },
    });
    return events;
  }
  return {
    [Symbol.asyncIterator]: () => {
      const inner = answer.events[Symbol.asyncIterator]();
      const next = timedNext(
        inner,
        attempt,
        (result, now) => {
          if (result.done) {
            attempt.end({ status: answer.status, errorCode: null, incomplete: false, usage: answer.usage(), estimate: undefined });
          } else if (isContent(result.value)) {
            attempt.firstTokenAt ??= now;
          }
        },
        undefined,
      );
      return {
        next,
        return: async (value?: unknown) => {
          attempt.end({ status: CLIENT_CLOSED_STATUS, errorCode: null, incomplete: true, usage: answer.usage(), estimate: undefined });
          await inner.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
