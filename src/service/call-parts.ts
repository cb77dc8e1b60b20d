/**
 * Small pieces of the AI service's calls: usage shapes for embeddings, the texts an estimate
 * counts, the caller's encoding of an answer, a model's limits for the provider, and replaying a
 * stream's first part.
 *
 * @module
 */
import type { ChatResponse, NativeApi, NativeJsonAnswer, ProviderFamily, StreamPart, Usage, UsageBuckets } from '../providers/spec/index.js';
import type { ModelEntry, ProviderEntry } from '../registry/provider-registry.js';
import { type ReadyParts, takeReady, whenReady } from '../providers/shared/ready-parts.js';
import { type ChatInput, estimateTextTokens } from '../usage/estimate-tokens.js';
import { estimateChat } from '../usage/observe-stream.js';
import { nativeEstimate } from '../usage/native-estimate.js';
import type { UsageAttempt, UsageEndpoint } from '../usage/usage-attempt.js';
import { upstreamFailure } from '../providers/shared/upstream-limits.js';

/** The generated text of a whole answer (for an estimate when the vendor reported no usage). */
export function outputTexts(response: ChatResponse): string[] {
  const texts: string[] = [];
  for (const choice of response.choices) {
    texts.push(choice.content ?? '');
    for (const call of choice.toolCalls) texts.push(call.name, call.arguments);
  }
  return texts;
}

/**
 * `answer` as the caller encodes it (CallContext.encodeAnswer), before `attempt` is recorded. One it
 * cannot encode (a stack overflow on the vendor's logprobs or native fields, or a Messages or
 * Responses tool turn with cut arguments: brokenToolArguments) ends the attempt with
 * the provider's 502 the caller answers, charged the vendor's `response` (it generated and bills
 * it), and throws that error.
 */
export function encodedAnswer(
  encode: (answer: ChatResponse, model: string, provider: string, family: ProviderFamily | undefined) => string,
  answer: ChatResponse,
  response: ChatResponse,
  request: ChatInput & { model: string },
  provider: ProviderEntry,
  attempt: UsageAttempt | undefined,
): string {
  try {
    return encode(answer, request.model, provider.name, provider.provider?.family);
  } catch (thrown) {
    const error = upstreamFailure(provider.name, thrown);
    attempt?.failAnswer(error, response.usage, () => estimateChat(request, outputTexts(response)));
    throw error;
  }
}

/** A native whole answer's body as the caller encodes it (NativeCall.encodeJson), before `attempt` is recorded, as encodedAnswer. */
export function encodedNativeAnswer(
  encode: (body: Record<string, unknown>, model: string) => string,
  answer: NativeJsonAnswer,
  requestBody: Record<string, unknown>,
  model: string,
  provider: string,
  attempt: UsageAttempt | undefined,
): string {
  try {
    return encode(answer.body, model);
  } catch (thrown) {
    const error = upstreamFailure(provider, thrown);
    attempt?.failAnswer(error, answer.usage, nativeEstimate(requestBody, () => answer.usage, answer.body));
    throw error;
  }
}

/** An embeddings call's reported input tokens as usage (embeddings report no other bucket). */
export function embedUsage(inputTokens: number): Usage {
  return {
    inputTokens,
    outputTokens: 0,
    totalTokens: inputTokens,
    buckets: { input: inputTokens, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 },
  };
}

export async function estimateEmbedding(input: readonly string[]): Promise<UsageBuckets> {
  const tokens = await estimateTextTokens(input);
  return { input: tokens, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 };
}

/** The ledger endpoint of each native API that generates (absent: not recorded). */
export const nativeEndpoints: Partial<Record<NativeApi, UsageEndpoint>> = { 'anthropic-messages': 'messages', 'openai-responses': 'responses' };

type ModelLimits = Readonly<{ maxOutputTokens?: number; contextWindow?: number }>;

/** Each model entry's limits, made once per entry (entries are rebuilt with each configuration snapshot). */
const limitsByModel = new WeakMap<ModelEntry, ModelLimits>();

/** The limits a provider call gets from its model row (shared and frozen: one object per model entry). */
export function limitsOf(model: ModelEntry): ModelLimits {
  let limits = limitsByModel.get(model);
  if (limits === undefined) {
    limits = Object.freeze({
      ...(model.maxTokens === undefined ? {} : { maxOutputTokens: model.maxTokens }),
      ...(model.contextWindow === undefined ? {} : { contextWindow: model.contextWindow }),
    });
    limitsByModel.set(model, limits);
  }
  return limits;
}

/** An iterable that yields an already-received first result, then the rest of the iterator (ready parts passed on). */
export function replayFirst(first: IteratorResult<StreamPart>, rest: AsyncIterator<StreamPart>): AsyncIterable<StreamPart> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<StreamPart> & ReadyParts {
      let pending: IteratorResult<StreamPart> | undefined = first;
      return {
        takeReady: () => (pending === undefined ? takeReady(rest) : undefined),
        whenReady: (wake: () => void) => pending === undefined && whenReady(rest, wake),
        next: () => {
          if (pending) {
            const result = pending;
            pending = undefined;
            return Promise.resolve(result);
          }
          return rest.next();
        },
        return: async (value?: unknown) => {
          pending = undefined;
          await rest.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
