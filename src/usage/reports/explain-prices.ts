/**
 * Bucket prices of a ledger row for `usage explain` (provisional: replaced by the ledger's own
 * price resolution once merged).
 *
 * @module
 */

export type BucketName = 'input' | 'cached_input' | 'cache_write_5m' | 'cache_write_1h' | 'output' | 'reasoning' | 'per_request';

export interface BucketPrice {
  bucket: BucketName;
  /** pico-USD per token (per call for per_request). */
  picoPerUnit: bigint;
  text: string;
  from: string;
}

export function bucketPricesOf(_model: unknown, _provider: unknown, _providerName: string | null): BucketPrice[] | undefined {
  return undefined;
}
