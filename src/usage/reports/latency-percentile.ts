/**
 * Percentiles read from the rollups' latency histograms.
 *
 * The histograms (`duration_histogram`, `ttft_histogram` of `ai_usage_hourly`, filled by
 * `public.switchboard_latency_bucket` in the ledger migration) have 81 buckets on a log scale of
 * ratio 2^(1/4): bucket b (0-based) counts latencies d with 2^((b-1)/4) ms < d <= 2^(b/4) ms;
 * bucket 0 counts d <= 1 ms and bucket 80 everything above 2^(79/4) ms (about 14.7 minutes).
 *
 * A percentile is the upper bound of the bucket that holds the nearest-rank sample, so the true
 * value v satisfies reported / 2^(1/4) < v <= reported: it is overstated by at most 19%, never
 * understated (except in the last, open bucket, which reports its lower bound, 2^(79/4) ms).
 *
 * @module
 */

/** Number of buckets of a rollup latency histogram. */
export const LATENCY_BUCKETS = 81;

/** Ratio between consecutive bucket bounds. */
export const LATENCY_BUCKET_RATIO = 2 ** 0.25;

/** The upper bound of bucket `index` in ms (the last bucket reports its lower bound). */
export function latencyBucketBound(index: number): number {
  return 2 ** (Math.min(index, LATENCY_BUCKETS - 2) / 4);
}

/**
 * The `quantile` (0 < q <= 1) of the latencies counted in `counts` (one count per bucket), in ms
 * rounded up to 0.1 ms, by nearest rank: the bucket holding the ceil(q × n)-th smallest sample.
 * `null` when nothing was counted.
 */
export function histogramPercentile(counts: readonly (number | string | bigint)[], quantile: number): number | null {
  const values = counts.map((count) => BigInt(count));
  const total = values.reduce((sum, count) => sum + count, 0n);
  if (total === 0n) return null;
  // ceil(q × n) with q as an integer fraction of 10^6 (no float rounding at exact ranks).
  const scaled = BigInt(Math.round(quantile * 1_000_000));
  const rank = (total * scaled + 999_999n) / 1_000_000n || 1n;
  let seen = 0n;
  for (let index = 0; index < values.length; index++) {
    seen += values[index] as bigint;
    if (seen >= rank) return roundUp(latencyBucketBound(index));
  }
  return roundUp(latencyBucketBound(values.length - 1));
}

/** Rounds up to 0.1 ms, so a reported bound is never below the bucket's true bound. */
function roundUp(ms: number): number {
  return Math.ceil(ms * 10 - 1e-9) / 10;
}
