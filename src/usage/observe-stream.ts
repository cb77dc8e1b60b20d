/**
 * Watches a provider's stream parts for the ledger without buffering them: the time spent waiting
 * on the upstream, the first token, the final (cumulative) usage, and the generated text in case
 * the usage must be estimated. The attempt ends when the stream does, fails, or is cut (`return()`).
 * A built-in provider's stream (UpstreamParts) is watched from inside, through its tap; any other
 * iterator is wrapped. A consumer that fails the answer itself passes its failure to `return()`,
 * and the row carries that failure instead of a client's cut (499). On a reasoning row, the time before the first visible part is kept too: a
 * stream that ends without usage is charged the reasoning hidden in it (hidden-reasoning.ts).
 *
 * @module
 */
import type { StreamPart, Usage, UsageBuckets } from '../providers/spec/index.js';
import { billedUsage } from '../providers/shared/billed-provider-error.js';
import { type PartsTap, UpstreamParts } from '../providers/shared/upstream-parts.js';
import { type ChatInput, estimateChatCallInputTokens, estimateTextTokens, promptExtraTexts } from './estimate-tokens.js';
import { chatInputEstimate } from './input-sample.js';
import { CLIENT_CLOSED_STATUS, cutByCap, cutByTimeout, type UsageAttempt } from './usage-attempt.js';
import { timedNext } from './timed-next.js';
import { withReported } from './reported-estimate.js';
import { type FailedCallCharge, ThinkingClock } from './hidden-reasoning.js';
import { clientAborted } from '../routing/route-deadline.js';

/**
 * The parts of `inner`, observed for `attempt` (`request`: the input estimated if the vendor reports
 * no usage). `reasoningBound`: set when the call reasons (a reasoning row, reasoning not turned
 * off), its output bound; an estimate then adds the hidden reasoning the vendor did not report.
 */
export function observeStream(inner: AsyncIterator<StreamPart>, attempt: UsageAttempt, request: ChatInput, reasoningBound?: number): AsyncIterator<StreamPart> {
  const clock = reasoningBound === undefined ? undefined : new ThinkingClock(attempt, reasoningBound);
  if (inner instanceof UpstreamParts) {
    inner.tap(attemptTap(attempt, request, inner, clock));
    return inner;
  }
  const tap = attemptTap(attempt, request, undefined, clock);
  const onResult = (result: IteratorResult<StreamPart>, now: number): void => {
    if (result.done) tap.ended();
    else tap.part(result.value, now);
  };
  return {
    next: timedNext(inner, attempt, onResult, tap.failed),
    return: async (value?: unknown) => {
      tap.returned(value);
      await inner.return?.(value);
      return { done: true, value: undefined };
    },
  };
}

/** What ends `attempt` as its stream goes: the tap of an UpstreamParts, or the wrapper's handlers. */
interface AttemptTap extends PartsTap {
  /** `now`: when the wrapper received the part (the tap reads the clock for the first token only). */
  part(part: StreamPart, now?: number): void;
  readonly failed: (error: unknown) => void;
}

/** Pieces of output kept as they came before they are joined into one flat string (see attemptTap). */
const FLAT_EVERY = 256;

/**
 * Characters of output a stream keeps for its estimate: more than any model writes in one answer
 * (128 K tokens are about 512 K characters). Past them the count of what was kept is scaled by the
 * characters seen, as a native stream's (native-estimate.ts): an upstream streaming gigabytes
 * would otherwise be held whole in memory for the stream's life.
 */
export const KEPT_OUTPUT_CHARS = 1024 * 1024;

/**
 * `upstream`: a built-in provider's stream, whose decoder keeps the usage the vendor reported
 * before its final report (Anthropic's `message_start`): an estimate starts from it.
 */
function attemptTap(attempt: UsageAttempt, request: ChatInput, upstream: UpstreamParts | undefined, clock: ThinkingClock | undefined): AttemptTap {
  const pieces: string[] = [];
  // Deltas are read as slices of the upstream's network reads (the decoders' templates), and V8
  // keeps a slice's whole parent alive: kept as they came, a stream's deltas would hold every read
  // they came in for its life. Every FLAT_EVERY pieces, the newest are joined into one flat copy.
  let flatUpTo = 0;
  let keptChars = 0;
  let seenChars = 0;
  const keep = (text: string): void => {
    seenChars += text.length;
    if (keptChars >= KEPT_OUTPUT_CHARS) return;
    keptChars += text.length;
    pieces.push(text);
    // The last pieces kept are flattened too: they stay for the stream's life.
    if (pieces.length - flatUpTo >= FLAT_EVERY || keptChars >= KEPT_OUTPUT_CHARS) {
      pieces.push(pieces.splice(flatUpTo).join(''));
      flatUpTo = pieces.length;
    }
  };
  let usage: Usage | undefined;
  // `usage`: what the vendor reported, and bills, for the failure (a BilledProviderError).
  // `timedOut`: the vendor had the request and went on (a timeout, or an answer cut at the size limits).
  let errorPart: { status: number; code: string; timedOut: boolean; usage: Usage | undefined } | undefined;
  // A long prompt is not kept whole for the stream's life: a sample of it is (input-sample.ts).
  const input = chatInputEstimate(request);
  const hidden = clock === undefined ? undefined : (visible: number) => clock.tokens(visible);
  const estimate = (): Promise<UsageBuckets> => withReported(upstream?.reportedUsage(), input, () => scaledTextTokens(pieces, keptChars, seenChars), hidden);
  /** The first text or tool call: the time to first token, and the end of any hidden reasoning. */
  const firstToken = (now: number | undefined): void => {
    const at = now ?? performance.now();
    attempt.firstTokenAt = at;
    clock?.visible(at);
  };
  /** The client ended the stream, or it ended without usage (ThinkingClock.untilEnd). */
  const thinkingUntilEnd = (): void => {
    if (clock !== undefined) clock.untilEnd = true;
  };
  return {
    // The upstream broke off (a rejection: a provider class of one's own; a built-in one's read
    // failure is an error part): text already sent was generated and is billed, so it is estimated.
    failed: (error) => {
      if (clientAborted(attempt.caller.signal)) thinkingUntilEnd();
      attempt.fail(error, estimate, pieces.length > 0);
    },
    part(part, now) {
      switch (part.type) {
        case 'stream-start':
          attempt.responseModel = part.model;
          break;
        case 'text-delta':
          if (attempt.firstTokenAt === undefined) firstToken(now);
          keep(part.text);
          break;
        case 'reasoning-delta':
          // Reasoning is billed as output: a stream cut while the model thinks is not free. Shown
          // reasoning is counted as text, so hidden reasoning is timed up to it only.
          if (part.text !== undefined && part.text !== '') {
            keep(part.text);
            if (clock?.waiting === true) clock.visible(now ?? performance.now());
          }
          break;
        case 'tool-call-delta':
          if (attempt.firstTokenAt === undefined) firstToken(now);
          keep(part.name ?? '');
          keep(part.argumentsDelta);
          break;
        case 'finish':
          usage = part.usage;
          break;
        case 'error':
          errorPart = { status: part.error.status, code: part.error.code, timedOut: cutByTimeout(part.error) || cutByCap(part.error), usage: billedUsage(part.error) };
          break;
        default:
          break;
      }
    },
    waited(ms) {
      attempt.upstreamMs += ms;
    },
    ended() {
      if (errorPart === undefined) thinkingUntilEnd();
      attempt.end({
        status: errorPart?.status ?? 200,
        errorCode: errorPart?.code ?? null,
        incomplete: errorPart !== undefined && !attempt.precommit,
        usage: usage ?? errorPart?.usage,
        estimate: errorPart && pieces.length === 0 && !errorPart.timedOut ? undefined : estimate,
      });
    },
    returned(reason) {
      // The consumer failed the answer itself (it could not encode or hold it): the row says so.
      if (reason instanceof Error && errorPart === undefined) {
        attempt.failAnswer(reason, usage, estimate);
      } else if (usage) {
        attempt.end({ status: 200, errorCode: null, incomplete: false, usage, estimate });
      } else if (attempt.cutAtStop) {
        attempt.end({ status: 200, errorCode: null, incomplete: false, usage: undefined, estimate });
      } else if (errorPart) {
        attempt.end({ status: errorPart.status, errorCode: errorPart.code, incomplete: !attempt.precommit, usage: errorPart.usage, estimate: pieces.length > 0 || errorPart.timedOut ? estimate : undefined });
      } else {
        thinkingUntilEnd();
        attempt.end({ status: CLIENT_CLOSED_STATUS, errorCode: null, incomplete: true, usage: undefined, estimate });
      }
    },
  };
}

/** Estimated tokens of an output of `seenChars` characters, of which `pieces` (`keptChars`) were kept. */
async function scaledTextTokens(pieces: readonly string[], keptChars: number, seenChars: number): Promise<number> {
  const counted = await estimateTextTokens(pieces);
  return seenChars > keptChars && keptChars > 0 ? Math.ceil((counted * seenChars) / keptChars) : counted;
}

/**
 * Estimated buckets of a chat call: its messages (images at IMAGE_INPUT_TOKENS each), tool
 * definitions and JSON schema as input (vendors bill all three), the generated pieces (and the
 * output `charge.unseen` says was generated but never came) as output, and `charge.hidden(output)`
 * as reasoning (a reasoning call cut while it thought; failedCallCharge).
 */
export async function estimateChat(request: ChatInput, output: readonly string[], charge: FailedCallCharge = {}): Promise<UsageBuckets> {
  const [input, generated] = await Promise.all([estimateChatCallInputTokens(request.messages, promptExtraTexts(request)), estimateTextTokens(output)]);
  const total = generated + (charge.unseen?.() ?? 0);
  return { input, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: total, reasoning: charge.hidden?.(total) ?? 0 };
}
