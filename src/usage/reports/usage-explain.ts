/**
 * `usage explain <request-id>`: a request's ledger rows (one per upstream attempt), the price
 * history rows each used, and the arithmetic tokens × price per bucket (+ the per-request price)
 * that gives its `cost_usd`, recomputed with integers so it matches to the last digit.
 *
 * @module
 */
import type { Queryable } from '../../db/db.js';
import { selectPriceRows, selectUsageRequest, type PriceHistoryRow, type UsageRequestRow } from '../../db/sql/usage-requests.js';
import { SwitchboardError } from '../../errors.js';
import { bucketPricesOf, type BucketName } from './explain-prices.js';
import { formatPicoUsd, picoUsd } from './pico-usd.js';

/** One priced bucket: `tokens × price_per_mtok / 10^6 = cost_usd` (per_request: 1 × price). */
export interface ExplainedBucket {
  bucket: BucketName;
  tokens: number;
  /** USD per million tokens (per call for `per_request`), as written in the price row. */
  price: string;
  /** Which price row key it came from, or the default rule used. */
  price_from: string;
  cost_usd: string;
}

export interface ExplainedAttempt {
  attempt: number;
  started_at: string;
  ended_at: string;
  project: string | null;
  project_id: string | null;
  api_key_id: string | null;
  requested_model: string;
  model: string | null;
  provider: string | null;
  vendor_model_id: string | null;
  endpoint: string;
  streamed: boolean;
  status: number;
  error_code: string | null;
  incomplete: boolean;
  usage_source: string;
  latency: { duration_ms: number; overhead_ms: number; upstream_ms: number | null; ttft_ms: number | null };
  raw_usage: unknown;
  /** The model's and the provider's price rows used (the model's keys win). */
  prices: { id: string; of: 'model' | 'provider'; effective_from: string; source: string; pricing: unknown }[];
  buckets: ExplainedBucket[];
  /** The recomputed sum of `buckets` (null when the row has no price). */
  computed_cost_usd: string | null;
  /** The cost stored in the ledger row (null = price unknown). */
  cost_usd: string | null;
  matches: boolean;
}

export interface UsageExplanation {
  request_id: string;
  attempts: ExplainedAttempt[];
  /** Sum of the attempts' stored costs (null when any is unknown). */
  total_cost_usd: string | null;
}

/** Explains one request; `not_found` when the ledger has no row for it (or retention removed them). */
export async function explainUsage(db: Queryable, requestId: string): Promise<UsageExplanation> {
  const rows = await selectUsageRequest(db, requestId);
  if (rows.length === 0) throw new SwitchboardError('not_found', `No usage rows for request '${requestId.slice(0, 200)}' (unknown, not written yet, or past retention)`);
  const ids = rows.flatMap((row) => [row.priceId, row.providerPriceId]).filter((id): id is string => id !== null);
  const prices = new Map((await selectPriceRows(db, [...new Set(ids)])).map((price) => [price.id, price]));
  const attempts = rows.map((row) => explainAttempt(row, prices));
  const known = attempts.every((attempt) => attempt.cost_usd !== null);
  const total = attempts.reduce((sum, attempt) => sum + (attempt.cost_usd === null ? 0n : picoUsd(attempt.cost_usd)), 0n);
  return { request_id: requestId, attempts, total_cost_usd: known ? formatPicoUsd(total) : null };
}

function explainAttempt(row: UsageRequestRow, prices: ReadonlyMap<string, PriceHistoryRow>): ExplainedAttempt {
  const modelPrice = row.priceId === null ? undefined : prices.get(row.priceId);
  const providerPrice = row.providerPriceId === null ? undefined : prices.get(row.providerPriceId);
  const resolved = bucketPricesOf(modelPrice?.pricing, providerPrice?.pricing, row.providerName);
  const tokens: Record<Exclude<BucketName, 'per_request'>, string> = {
    input: row.inputTokens,
    cached_input: row.cachedInputTokens,
    cache_write_5m: row.cacheWrite5mTokens,
    cache_write_1h: row.cacheWrite1hTokens,
    output: row.outputTokens,
    reasoning: row.reasoningTokens,
  };
  const buckets: ExplainedBucket[] = [];
  let sum = 0n;
  if (resolved) {
    for (const price of resolved) {
      const count = price.bucket === 'per_request' ? 1n : BigInt(tokens[price.bucket]);
      if (count === 0n) continue;
      const cost = count * price.picoPerUnit;
      sum += cost;
      buckets.push({ bucket: price.bucket, tokens: Number(count), price: price.text, price_from: price.from, cost_usd: formatPicoUsd(cost) });
    }
  }
  const computed = resolved ? formatPicoUsd(sum) : null;
  return {
    attempt: row.attempt,
    started_at: row.startedAt.toISOString(),
    ended_at: row.endedAt.toISOString(),
    project: row.projectName,
    project_id: row.projectId,
    api_key_id: row.apiKeyId,
    requested_model: row.requestedModel,
    model: row.modelName,
    provider: row.providerName,
    vendor_model_id: row.vendorModelId,
    endpoint: row.endpoint,
    streamed: row.streamed,
    status: row.status,
    error_code: row.errorCode,
    incomplete: row.incomplete,
    usage_source: row.usageSource,
    latency: { duration_ms: row.endedAt.getTime() - row.startedAt.getTime(), overhead_ms: row.overheadMs, upstream_ms: row.upstreamMs, ttft_ms: row.ttftMs },
    raw_usage: row.rawUsage,
    prices: [
      ...(modelPrice ? [priceEntry(modelPrice, 'model' as const)] : []),
      ...(providerPrice ? [priceEntry(providerPrice, 'provider' as const)] : []),
    ],
    buckets,
    computed_cost_usd: computed,
    cost_usd: row.costUsd,
    matches: computed === null ? row.costUsd === null : row.costUsd !== null && picoUsd(row.costUsd) === sum,
  };
}

function priceEntry(price: PriceHistoryRow, of: 'model' | 'provider') {
  return { id: price.id, of, effective_from: price.effectiveFrom.toISOString(), source: price.source, pricing: price.pricing };
}

