/**
 * Watches a native answer (the vendor's own API passed through, see `Provider.native`) for the
 * ledger, like `observeStream` does for normalized streams: the first content event, the usage the
 * vendor reported, and how the stream ended. Events pass through unchanged and unbuffered. On a
 * reasoning call, the time before the first content event too: a stream that ends without the
 * vendor's usage is charged the reasoning hidden in it (hidden-reasoning.ts).
 *
 * @module
 */
import { clientStatus, codeForStatus } from '../providers/shared/provider-error.js';
import { UpstreamParts } from '../providers/shared/upstream-parts.js';
import type { NativeAnswer, NativeEvent, NativeStreamAnswer, UsageBuckets } from '../providers/spec/index.js';
import { NativeOutputSample, nativeEstimate, nativeInputEstimate } from './native-estimate.js';
import { ThinkingClock } from './hidden-reasoning.js';
import { CLIENT_CLOSED_STATUS, type UsageAttempt } from './usage-attempt.js';
import { timedNext } from './timed-next.js';
import { clientAborted } from '../routing/route-deadline.js';

/**
 * Ends `attempt` for a whole answer, or wraps a streamed one so the attempt ends with the stream.
 * `body` is the request's: a stream that ends without the vendor's final usage is estimated from
 * it and from the content seen, a whole answer without usage from it and the answer's text
 * (native-estimate.ts). `reasoningBound`: set when the call reasons, its output bound (the hidden
 * reasoning an estimate adds stays within it).
 */
export function observeNative(answer: NativeAnswer, attempt: UsageAttempt, body: Record<string, unknown>, reasoningBound?: number): NativeAnswer {
  if (answer.type === 'json') {
    attempt.firstTokenAt ??= performance.now();
    attempt.end({ status: answer.status, errorCode: null, incomplete: false, usage: answer.usage, estimate: nativeEstimate(body, () => answer.usage, answer.body) });
    return answer;
  }
  return { ...answer, events: observedEvents(answer, attempt, body, reasoningBound) };
}

/** A content event of either native API: Anthropic's `content_block_delta`, Responses' `response.*.delta`. */
function isContent(event: NativeEvent): boolean {
  return event.event !== undefined && event.event !== 'message_delta' && event.event.endsWith('delta');
}

/** How the stream's attempt ends: with the vendor's usage, or estimated when its final usage never came. */
class NativeEnding {
  readonly #answer: NativeStreamAnswer;
  readonly #attempt: UsageAttempt;
  readonly #output = new NativeOutputSample();
  readonly #clock: ThinkingClock | undefined;
  readonly estimate: () => Promise<UsageBuckets>;

  constructor(answer: NativeStreamAnswer, attempt: UsageAttempt, body: Record<string, unknown>, reasoningBound: number | undefined) {
    this.#answer = answer;
    this.#attempt = attempt;
    const clock = reasoningBound === undefined ? undefined : new ThinkingClock(attempt, reasoningBound);
    this.#clock = clock;
    // The stream may be held for minutes: its estimate keeps the input's texts or a sample, not the body.
    this.estimate = nativeEstimate(nativeInputEstimate(body), () => answer.usage(), this.#output, clock === undefined ? {} : { hidden: (visible) => clock.tokens(visible) });
  }

  /** A content event (text, tool input, thinking or a reasoning summary) is visible: hidden reasoning ends at the first. */
  part(event: NativeEvent, now: number | undefined): void {
    if (!isContent(event)) return;
    if (this.#attempt.firstTokenAt === undefined) {
      const at = now ?? performance.now();
      this.#attempt.firstTokenAt = at;
      this.#clock?.visible(at);
    }
    this.#output.add(event.data);
  }

  /**
   * The stream ended; a vendor that reported no usage at all is estimated. One that ended before its
   * final report (a provider class of one's own whose body was cut: the built-in ones fail instead)
   * is a 502 `provider_error`, incomplete and estimated.
   */
  ended(): void {
    const failure = this.#answer.failureStatus?.();
    if (failure !== undefined) {
      // The vendor reported a failure in the stream: its status (a 429, an overload), with the usage
      // it billed when its final report came (Responses' `response.failed` carries it).
      const complete = this.#answer.usageComplete?.() === true;
      this.#attempt.end({ status: clientStatus(failure), errorCode: codeForStatus(failure), incomplete: true, usage: complete ? this.#answer.usage() : undefined, estimate: this.estimate });
      return;
    }
    if (this.#answer.usageComplete?.() === false) {
      // The vendor's side cut it: not charged by time when nothing was visible (ThinkingClock.untilEnd).
      this.#attempt.end({ status: 502, errorCode: 'provider_error', incomplete: true, usage: undefined, estimate: this.estimate });
      return;
    }
    if (this.#clock !== undefined) this.#clock.untilEnd = true;
    this.#attempt.end({ status: this.#answer.status, errorCode: null, incomplete: false, usage: this.#answer.usage(), estimate: this.estimate });
  }

  /** The client went away: the vendor's usage if its final report came, else the estimate. */
  returned(): void {
    const complete = this.#answer.usageComplete?.() === true;
    if (this.#clock !== undefined) this.#clock.untilEnd = true;
    this.#attempt.end({
      status: CLIENT_CLOSED_STATUS,
      errorCode: null,
      incomplete: true,
      usage: complete ? this.#answer.usage() : undefined,
      estimate: this.estimate,
    });
  }

  /**
   * A failure: once content went out (the vendor generated it and bills it) the attempt is
   * estimated like a cut stream; before, it fails as any call does.
   */
  failed(error: unknown): void {
    if (this.#clock !== undefined && clientAborted(this.#attempt.caller.signal)) this.#clock.untilEnd = true;
    this.#attempt.fail(error, this.estimate, this.#attempt.firstTokenAt !== undefined);
  }
}

/** The answer's events, observed: a built-in provider's (UpstreamParts) from inside through its tap, any other wrapped. */
function observedEvents(answer: NativeStreamAnswer, attempt: UsageAttempt, body: Record<string, unknown>, reasoningBound: number | undefined): AsyncIterable<NativeEvent> {
  const events = answer.events;
  const ending = new NativeEnding(answer, attempt, body, reasoningBound);
  if (events instanceof UpstreamParts) {
    (events as UpstreamParts<NativeEvent>).tap({
      part(event) {
        ending.part(event, undefined);
      },
      waited(ms) {
        attempt.upstreamMs += ms;
      },
      ended() {
        ending.ended();
      },
      failed(error) {
        ending.failed(error);
      },
      returned() {
        ending.returned();
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
          if (result.done) ending.ended();
          else ending.part(result.value, now);
        },
        (error) => ending.failed(error),
      );
      return {
        next,
        return: async (value?: unknown) => {
          ending.returned();
          await inner.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
