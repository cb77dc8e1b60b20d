/**
 * A vendor's failure that the vendor still bills, with the usage it reported: Cohere's answer (or
 * stream) ending with `finish_reason` ERROR or TIMEOUT carries `usage`, and Cohere charges it. The
 * caller gets the error like any other (a route retries it), and the usage ledger records the
 * vendor's counts for the attempt instead of an estimate or nothing.
 *
 * @module
 */
import { ProviderError, type ErrorCode, type ProviderErrorOptions } from '../../errors.js';
import type { Usage } from '../spec/index.js';

export class BilledProviderError extends ProviderError {
  /** The vendor's usage of the failed call (its buckets are what it billed). */
  readonly usage: Usage;

  constructor(code: ErrorCode, message: string, options: ProviderErrorOptions & { usage: Usage }) {
    super(code, message, options);
    this.usage = options.usage;
  }
}

/** The usage the vendor reported, and bills, for a failed call; undefined for any other failure. */
export function billedUsage(error: unknown): Usage | undefined {
  return error instanceof BilledProviderError ? error.usage : undefined;
}

/** The texts each failed multi-batch embeddings call had embedded before its failing batch. */
const embeddedBefore = new WeakMap<object, readonly string[]>();

/**
 * Marks the failure of an embeddings call sent in batches (Gemini, Cohere) with the texts of the
 * batches the vendor had already answered, and bills: the ledger estimates them. No mark when none
 * was answered. Returns `error`, to be thrown.
 */
export function withEmbeddedInputs(error: unknown, embedded: readonly string[]): unknown {
  if (embedded.length > 0 && typeof error === 'object' && error !== null) embeddedBefore.set(error, embedded);
  return error;
}

/** The texts a failed embeddings call had embedded (see withEmbeddedInputs); undefined if none. */
export function embeddedInputs(error: unknown): readonly string[] | undefined {
  return typeof error === 'object' && error !== null ? embeddedBefore.get(error) : undefined;
}
