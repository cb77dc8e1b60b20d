/**
 * Watches a provider's stream parts for the ledger without buffering them: the time spent waiting
 * on the upstream, the first token, the final (cumulative) usage, and the generated text in case
 * the usage must be estimated. The attempt ends when the stream does, fails, or is cut (`return()`).
 *
 * @module
 */
import type { ChatMessage, StreamPart, Usage, UsageBuckets } from '../providers/spec/index.js';
import { estimateChatInputTokens, estimateTextTokens } from './estimate-tokens.js';
import { CLIENT_CLOSED_STATUS, type UsageAttempt } from './usage-attempt.js';
import { timedNext } from './timed-next.js';

/** The parts of `inner`, observed for `attempt`. */
export function observeStream(inner: AsyncIterator<StreamPart>, attempt: UsageAttempt, messages: readonly ChatMessage[]): AsyncIterator<StreamPart> {
  const pieces: string[] = [];
  let usage: Usage | undefined;
  let errorPart: { status: number; code: string } | undefined;
  const estimate = (): Promise<UsageBuckets> => estimateChat(messages, pieces);

  const onResult = (result: IteratorResult<StreamPart>, now: number): void => {
    if (result.done) {
      attempt.end({
        status: errorPart?.status ?? 200,
        errorCode: errorPart?.code ?? null,
        incomplete: errorPart !== undefined && !attempt.precommit,
        usage,
        estimate: errorPart && pieces.length === 0 ? undefined : estimate,
      });
      return;
    }
    const part = result.value;
    switch (part.type) {
      case 'stream-start':
        attempt.responseModel = part.model;
        break;
      case 'text-delta':
        attempt.firstTokenAt ??= now;
        pieces.push(part.text);
        break;
      case 'tool-call-delta':
        attempt.firstTokenAt ??= now;
        pieces.push(part.name ?? '', part.argumentsDelta);
        break;
      case 'finish':
        usage = part.usage;
        break;
      case 'error':
        errorPart = { status: part.error.status, code: part.error.code };
        break;
      default:
        break;
    }
  };

  return {
    next: timedNext(inner, attempt, onResult, estimate),
    return: async (value?: unknown) => {
      if (usage) {
        attempt.end({ status: 200, errorCode: null, incomplete: false, usage, estimate });
      } else if (errorPart) {
        attempt.end({ status: errorPart.status, errorCode: errorPart.code, incomplete: !attempt.precommit, usage: undefined, estimate: pieces.length > 0 ? estimate : undefined });
      } else {
        attempt.end({ status: CLIENT_CLOSED_STATUS, errorCode: null, incomplete: true, usage: undefined, estimate });
      }
      await inner.return?.(value);
      return { done: true, value: undefined };
    },
  };
}

/** Estimated buckets of a chat call: its messages as input, the generated pieces as output. */
export async function estimateChat(messages: readonly ChatMessage[], output: readonly string[]): Promise<UsageBuckets> {
  const [input, generated] = await Promise.all([estimateChatInputTokens(messages), estimateTextTokens(output)]);
  return { input, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: generated, reasoning: 0 };
}
