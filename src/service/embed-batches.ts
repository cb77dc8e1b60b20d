/**
 * An embeddings call with more inputs than its provider row takes at once (`maxBatchSize`: Cohere
 * 96, Gemini 100, OpenAI 2048, or the row's `config.max_batch_size`), sent as consecutive batches,
 * at most `embedBatchConcurrency` at a time, and answered as the one call it was: the vectors in
 * input order, the usage summed. The caller makes one ledger row of it (embed-call.ts).
 *
 * A failing batch fails the call with its error (the first in input order): no batch starts after
 * it, and the ones in flight are awaited, so that the texts the vendor embedded, and bills, are
 * known: they ride on the error (`embeddedInputs`). Aborting the call's signal (the client gone, a
 * route's deadline) cancels the batches in flight; the vendor had those, so they count as embedded
 * too, as do batches cut by a timeout or the size limits; a batch the vendor refused never does
 * (before 2026-12-08 every batch started was charged once the client went away, refused ones too).
 *
 * @module
 */
import { ProviderError } from '../errors.js';
import type { CallOptions, EmbedRequest, EmbedResponse, Provider } from '../providers/spec/index.js';
import { tokenCount } from '../providers/shared/usage-buckets.js';
import { cutByCap, cutByTimeout } from '../usage/usage-attempt.js';

/** Batches of one call in flight at once: a few, so one client's call cannot flood a vendor. */
export const embedBatchConcurrency = 4;

export type EmbeddingProvider = Provider & { embed: NonNullable<Provider['embed']> };

export async function embedInBatches(
  provider: EmbeddingProvider,
  providerName: string,
  request: EmbedRequest,
  options: CallOptions,
  size: number,
): Promise<EmbedResponse> {
  const { input } = request;
  const { signal } = options;
  const count = Math.ceil(input.length / size);
  const answers: (EmbedResponse | undefined)[] = new Array<EmbedResponse | undefined>(count).fill(undefined);
  const errors: unknown[] = new Array<unknown>(count).fill(undefined);
  /** Batches in flight when the call's signal aborted: the vendor had them. */
  const cut: boolean[] = new Array<boolean>(count).fill(false);
  const inFlight = new Set<number>();
  const onAbort = (): void => {
    for (const index of inFlight) cut[index] = true;
  };
  signal.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  /** The first failed batch in input order, -1 while none. */
  let failed = -1;
  const worker = async (): Promise<void> => {
    while (failed === -1 && !signal.aborted && next < count) {
      const index = next++;
      const batch = input.slice(index * size, (index + 1) * size);
      inFlight.add(index);
      try {
        const answer = await provider.embed({ ...request, input: batch }, options);
        if (answer.embeddings.length !== batch.length) throw vectorCountError(providerName, answer.embeddings.length, batch.length);
        answers[index] = answer;
      } catch (error) {
        if (failed === -1 || index < failed) failed = index;
        errors[index] = error;
      } finally {
        inFlight.delete(index);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(embedBatchConcurrency, count) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (failed !== -1 || next < count) {
    // Answered, or cut while the vendor had it (in flight at the abort, timed out, cut at the size limits).
    const had = (index: number) => answers[index] !== undefined || cut[index] === true || cutByTimeout(errors[index]) || cutByCap(errors[index]);
    const embedded = input.filter((_text, position) => had(Math.floor(position / size)));
    throw withEmbeddedInputs(failed === -1 ? signal.reason : errors[failed], embedded);
  }
  const embeddings: number[][] = [];
  let inputTokens = 0;
  for (const answer of answers as EmbedResponse[]) {
    for (const vector of answer.embeddings) embeddings.push(vector);
    // A batch without a count (0, as Gemini's always): the whole call has none, and is estimated.
    const tokens = tokenCount(answer.usage.inputTokens);
    inputTokens = tokens > 0 && inputTokens >= 0 ? inputTokens + tokens : -1;
  }
  return { model: answers[0]?.model ?? request.model, embeddings, usage: { inputTokens: Math.max(inputTokens, 0) } };
}

/** The texts each failed batched call had embedded. */
const embeddedBefore = new WeakMap<object, readonly string[]>();

/** Marks `error` with the texts the vendor embedded (none: no mark). Returns `error`, to be thrown. */
function withEmbeddedInputs(error: unknown, embedded: readonly string[]): unknown {
  if (embedded.length > 0 && typeof error === 'object' && error !== null) embeddedBefore.set(error, embedded);
  return error;
}

/** The texts a failed call sent in batches had embedded, which the vendor bills; undefined if none (or not batched). */
export function embeddedInputs(error: unknown): readonly string[] | undefined {
  return typeof error === 'object' && error !== null ? embeddedBefore.get(error) : undefined;
}

/** The provider's 502 for an answer without one vector per input (none at all included). */
export function vectorCountError(provider: string, vectors: number, inputs: number): ProviderError {
  return new ProviderError('provider_error', `Provider '${provider}' returned ${vectors} embeddings for ${inputs} inputs`, { provider, status: 502 });
}
