/**
 * The hidden reasoning of a stream that ended without the vendor's usage. A reasoning model that
 * does not show its reasoning (OpenAI's o-series and GPT-5 on chat completions, the Responses API
 * without a summary, Claude 4.7 with its thinking omitted) generates, and is billed for, reasoning
 * tokens before its first visible part; the text seen counts none of them. Without this a client
 * read most of an answer, closed the connection before the usage event, and was charged the visible
 * text only: the reasoning, often several times the text, was free.
 *
 * Tokens = the time before the first visible part (from the attempt's start, when the request went
 * upstream) × a decode rate, within the call's output bound less the visible output. The rate is
 * the stream's own visible output over the time it took (RATE_MIN_TOKENS over RATE_MIN_MS at
 * least), else DEFAULT_TOKENS_PER_SECOND; see `decodeRate` for when the measure is trusted. Once
 * anything is visible (text, a tool call, reasoning text or a summary) the rest is counted as text.
 * Recorded per stream: two numbers at its first visible part, nothing per part.
 *
 * A call that failed before its answer (a non-streamed one, or a stream before its response head)
 * is timed whole when it was cut while the model thought: `failedCallCharge`, which also charges a
 * non-streamed call of any model the output generated unseen.
 *
 * @module
 */
import { clientAborted } from '../routing/route-deadline.js';
import { cutByCap, cutByTimeout, type UsageAttempt } from './usage-attempt.js';

/**
 * Tokens per second assumed when a stream showed too little to measure its own rate: the middle of
 * what OpenAI's reasoning models decode at (roughly 50 to 200 tokens/s by public trackers).
 */
export const DEFAULT_TOKENS_PER_SECOND = 100;
/** The fewest visible tokens, and the shortest span, a stream's own rate is measured over. */
export const RATE_MIN_TOKENS = 32;
export const RATE_MIN_MS = 100;

/** What the estimate reads off a stream. */
export interface ThinkingTimes {
  /** Time before the first visible part (or before the cut, when none came), ms. */
  thinkMs: number;
  /** Visible output tokens (text, tool calls, reasoning text). */
  visibleTokens: number;
  /** Wall time from the first visible part to the end, ms. */
  visibleMs: number;
  /** Of `visibleMs`, the time the gateway spent waiting on the vendor, ms. */
  waitedMs: number;
  /** The call's output bound (reasoning included). */
  bound: number;
}

/** Estimated hidden reasoning tokens: `thinkMs` × decodeRate, within `bound` less the visible output. */
export function hiddenReasoningTokens(times: ThinkingTimes): number {
  const room = times.bound - times.visibleTokens;
  if (room <= 0 || !(times.thinkMs > 0)) return 0;
  return Math.min(room, Math.round((times.thinkMs * decodeRate(times)) / 1000));
}

/**
 * Tokens per second. The stream's own rate (visible tokens over the wall time they took) is trusted
 * when the gateway kept up with the vendor: it waited on the vendor for at least half of that time.
 * A client that reads slowly makes the gateway pull parts slowly (backpressure), which would lower
 * the rate at will; then the gateway waits little, and the rate is never taken below the default.
 */
export function decodeRate(times: Pick<ThinkingTimes, 'visibleTokens' | 'visibleMs' | 'waitedMs'>): number {
  if (times.visibleTokens < RATE_MIN_TOKENS || times.visibleMs < RATE_MIN_MS) return DEFAULT_TOKENS_PER_SECOND;
  const measured = (times.visibleTokens * 1000) / times.visibleMs;
  return times.waitedMs * 2 >= times.visibleMs ? measured : Math.max(measured, DEFAULT_TOKENS_PER_SECOND);
}

/**
 * The clock of one stream of a reasoning row (one per stream, made only for such rows): the first
 * visible part, and how the stream ended.
 */
export class ThinkingClock {
  readonly #attempt: UsageAttempt;
  readonly #bound: number;
  #visibleAt: number | undefined;
  #waitedBefore = 0;
  /**
   * The client ended the stream (or it ended without usage): with nothing visible, the time up to
   * the end counts as thinking. A stream the gateway or the vendor broke off before anything was
   * visible is not charged by time (an unresponsive vendor is not thinking).
   */
  untilEnd = false;

  /** `bound`: the call's output bound (its request's limit, else what its reservation assumes). */
  constructor(attempt: UsageAttempt, bound: number) {
    this.#attempt = attempt;
    this.#bound = bound;
  }

  /** True until the first visible part. */
  get waiting(): boolean {
    return this.#visibleAt === undefined;
  }

  /** The first visible part arrived at `now` (performance.now()). */
  visible(now: number): void {
    if (this.#visibleAt !== undefined) return;
    this.#visibleAt = now;
    this.#waitedBefore = this.#attempt.upstreamMs;
  }

  /** The estimate once the attempt ended, for `visibleTokens` of visible output. */
  tokens(visibleTokens: number): number {
    const attempt = this.#attempt;
    const visibleAt = this.#visibleAt;
    if (visibleAt === undefined && !this.untilEnd) return 0;
    const end = attempt.endedAt;
    return hiddenReasoningTokens({
      thinkMs: (visibleAt ?? end) - attempt.began,
      visibleTokens,
      visibleMs: visibleAt === undefined ? 0 : end - visibleAt,
      waitedMs: visibleAt === undefined ? 0 : attempt.upstreamMs - this.#waitedBefore,
      bound: this.#bound,
    });
  }
}

/** What a call that failed before its answer came is charged beyond its input and what was seen. */
export interface FailedCallCharge {
  /** A reasoning call's hidden reasoning, for its visible output. */
  hidden?: (visibleTokens: number) => number;
  /** Output the vendor generated that never came through. */
  unseen?: () => number;
}

/** The bounds of a failed call, computed only on the failure path. */
export interface FailedCallBounds {
  /** The output bound of a reasoning call (chatReasoningBound / nativeReasoningBound), else undefined. */
  reasoning: () => number | undefined;
  /** The output bound as the reservation counts it (chatOutputCap / nativeOutputCap), per choice. */
  output: () => number;
  /** Choices generated at once (chat `n`; 1 elsewhere): the bound and the rate scale with it. */
  choices: number;
}

/**
 * What a call that failed before its answer came (`attempt.fail`) generated unseen, when the vendor
 * had the request and went on:
 * - a successful answer the gateway cut at its size limit (cutByCap): the vendor finished, and bills,
 *   the whole answer: the output bound, as output;
 * - a call cut while the model generated: the client went away (a stream before anything visible
 *   too), or a non-streamed call the gateway gave up waiting on (first-byte or idle timeout, a
 *   route's deadline): its answer comes whole, so silence until the cut is what a generating model
 *   looks like, and a tenant can make a call outlast a timeout at will. Not a connect timeout (the
 *   request never reached the vendor), nor a stream's timeout (its head and first chunks come at
 *   once: silence there is an unresponsive vendor, see ThinkingClock.untilEnd). The time from the
 *   attempt's start to its end at the default rate, within the bound: on a reasoning call as hidden
 *   reasoning; on any other non-streamed call as output (a stream of one shows its output as it
 *   goes, so nothing unseen is added to it).
 * Empty otherwise (no charge beyond the input and what was seen).
 */
export function failedCallCharge(attempt: UsageAttempt, error: unknown, bounds: FailedCallBounds): FailedCallCharge {
  const choices = Math.max(1, bounds.choices);
  if (cutByCap(error)) return { unseen: () => bounds.output() * choices };
  const cut = clientAborted(attempt.caller.signal) || (!attempt.streamed && cutByTimeout(error) && !connectTimedOut(error));
  if (!cut) return {};
  const reasoning = bounds.reasoning();
  if (reasoning === undefined && attempt.streamed) return {};
  const clock = new ThinkingClock(attempt, reasoning ?? bounds.output());
  clock.untilEnd = true;
  // n choices decode side by side: n times one choice's tokens, each within the bound.
  if (reasoning !== undefined) return { hidden: (visibleTokens) => choices * clock.tokens(visibleTokens / choices) };
  return { unseen: () => choices * clock.tokens(0) };
}

/** undici's connect timeout (ProviderError's cause, http.ts networkError): the request was never sent. */
function connectTimedOut(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return typeof cause === 'object' && cause !== null && (cause as { code?: unknown }).code === 'UND_ERR_CONNECT_TIMEOUT';
}
