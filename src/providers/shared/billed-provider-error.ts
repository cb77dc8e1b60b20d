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
