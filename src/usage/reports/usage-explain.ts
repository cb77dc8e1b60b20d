/**
 * `usage explain <request-id>`: a request's ledger rows (one per upstream attempt), the price
 * history rows each used, and the arithmetic tokens × price per bucket (+ web searches × their
 * price, + the per-request price) that gives its `cost_usd`, recomputed with integers so it
 * matches to the last digit.
 *
 * @module
 */
import type { Queryable } from '../../db/db.js';
import { selectPriceRows, selectRecordedAs, selectUsageRequest, type PriceHistoryRow, type RecordedAsRow, type UsageRequestRow } from '../../db/sql/usage-requests.js';
import { SwitchboardError } from '../../errors.js';
import { exactDecimal, rowPrices, type BucketName, type RowPrices } from './explain-prices.js';
import { picoToDecimal } from '../money.js';
import { picoUsd } from './pico-usd.js';

/** One priced bucket: `tokens × price_per_mtok / 10^6 = cost_usd`, exactly. */
export interface ExplainedBucket {
  /** input, cached_input, cache_write_5m, cache_write_1h, output, reasoning, web_search, or per_request. */
  bucket: string;
  /** Tokens; for web_search the searches, for per_request 1. */
  tokens: number;
  /** USD per million tokens (per search for web_search, per call for per_request), exact. */
  price_per_mtok: string;
  /** 'model' or 'provider' (the price row whose key it is), or the default rule used. */
  price_from: string;
  /** Exact (may have more than 12 decimals when a default multiplier leaves a fraction). */
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
  /** Server-side web searches the vendor billed per search (the `web_search` bucket when priced). */
  web_search_calls: number;
  raw_usage: unknown;
  /** The model's and the provider's price rows used (the model's keys win). */
  prices: { id: string; of: 'model' | 'provider'; effective_from: string; source: string; pricing: unknown }[];
  buckets: ExplainedBucket[];
  /**
   * The long-prompt tier (`pricing.tiers`) the attempt was priced at: its prompt (every input
   * token, cache reads and writes included) exceeded `above_input_tokens`. Null: the base prices.
   */
  price_tier: { above_input_tokens: number; from: 'model' | 'provider'; prompt_tokens: number } | null;
  /** Why there is no price, when there is none. */
  unpriced_reason: string | null;
  /** The sum of `buckets`, rounded half up to 12 decimals as the ledger does (null: no price). */
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
  /**
   * Later requests that sent the same id (a client's `x-request-id`, in any project), recorded
   * under `<id>~<8 characters>` because the id was taken (or, a library caller's, was too long to
   * index: its first 100 characters then): explain them by that id.
   */
  recorded_as: RecordedAsRow[];
}

/** Explains one request; `not_found` when the ledger has no row for it (or retention removed them). */
export async function explainUsage(db: Queryable, requestId: string): Promise<UsageExplanation> {
  const [rows, recordedAs] = await Promise.all([selectUsageRequest(db, requestId), selectRecordedAs(db, requestId)]);
  if (rows.length === 0) {
    const renamed = recordedAs.map((row) => `'${row.request_id}'`).join(', ');
    throw new SwitchboardError(
      'not_found',
      recordedAs.length > 0
        ? `No usage rows under '${requestId.slice(0, 200)}' itself; requests that sent this id were recorded as ${renamed} (the id was taken, or too long to index): explain one of those`
        : `No usage rows for request '${requestId.slice(0, 200)}' (unknown, not written yet, or past retention)`,
    );
  }
  const ids = rows.flatMap((row) => [row.priceId, row.providerPriceId]).filter((id): id is string => id !== null);
  const prices = new Map((await selectPriceRows(db, [...new Set(ids)])).map((price) => [price.id, price]));
  const attempts = rows.map((row) => explainAttempt(row, prices));
  const known = attempts.every((attempt) => attempt.cost_usd !== null);
  const total = attempts.reduce((sum, attempt) => sum + (attempt.cost_usd === null ? 0n : picoUsd(attempt.cost_usd)), 0n);
  return { request_id: requestId, attempts, total_cost_usd: known ? picoToDecimal(total) : null, recorded_as: recordedAs };
}

function explainAttempt(row: UsageRequestRow, prices: ReadonlyMap<string, PriceHistoryRow>): ExplainedAttempt {
  const modelPrice = row.priceId === null ? undefined : prices.get(row.priceId);
  const providerPrice = row.providerPriceId === null ? undefined : prices.get(row.providerPriceId);
  // The tokens a long-prompt tier counts: every input bucket (cost.ts promptTokens).
  const prompt = Number(row.inputTokens) + Number(row.cachedInputTokens) + Number(row.cacheWrite5mTokens) + Number(row.cacheWrite1hTokens);
  const resolved = modelPrice || providerPrice ? rowPrices(modelPrice?.pricing, providerPrice?.pricing, row.anthropic, prompt) : { priced: false as const, reason: 'no price row' };
  const counts: Record<BucketName, string> = {
    input: row.inputTokens,
    cachedInput: row.cachedInputTokens,
    cacheWrite5m: row.cacheWrite5mTokens,
    cacheWrite1h: row.cacheWrite1hTokens,
    output: row.outputTokens,
    reasoning: row.reasoningTokens,
  };
  const priced = resolved.priced
    ? priceBuckets(counts, row.webSearchCalls, resolved, { perRequest: keyFrom('per_request', modelPrice, providerPrice), webSearch: keyFrom('web_search_per_call', modelPrice, providerPrice) })
    : undefined;
  const computed = priced ? picoToDecimal(priced.sumPico) : null;
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
    web_search_calls: row.webSearchCalls,
    raw_usage: row.rawUsage,
    prices: [
      ...(modelPrice ? [priceEntry(modelPrice, 'model' as const)] : []),
      ...(providerPrice ? [priceEntry(providerPrice, 'provider' as const)] : []),
    ],
    buckets: priced?.buckets ?? [],
    price_tier: resolved.priced && resolved.tier !== null ? { ...resolved.tier, prompt_tokens: prompt } : null,
    unpriced_reason: resolved.priced ? null : resolved.reason,
    computed_cost_usd: computed,
    cost_usd: row.costUsd,
    matches: computed === null ? row.costUsd === null : row.costUsd !== null && picoUsd(row.costUsd) === priced?.sumPico,
  };
}

/**
 * tokens × rate per bucket (+ searches × the search price, + the per-request price), summed in 1/40
 * pico-USD and rounded half up like the ledger.
 */
function priceBuckets(
  counts: Record<BucketName, string>,
  searches: number,
  prices: Extract<RowPrices, { priced: true }>,
  from: { perRequest: string; webSearch: string },
): { buckets: ExplainedBucket[]; sumPico: bigint } {
  const buckets: ExplainedBucket[] = [];
  let total40 = (prices.perRequestPico + BigInt(searches) * prices.webSearchPico) * 40n;
  for (const rate of prices.rates) {
    const tokens = BigInt(counts[rate.bucket]);
    if (tokens === 0n) continue;
    total40 += tokens * rate.rate40;
    buckets.push({
      bucket: bucketLabels[rate.bucket],
      tokens: Number(tokens),
      price_per_mtok: exactDecimal(rate.rate40 * 25n, 9),
      price_from: rate.from,
      cost_usd: exactDecimal(tokens * rate.rate40 * 25n, 15),
    });
  }
  if (searches > 0) {
    const cost = exactDecimal(BigInt(searches) * prices.webSearchPico, 12);
    buckets.push({ bucket: 'web_search', tokens: searches, price_per_mtok: exactDecimal(prices.webSearchPico, 12), price_from: from.webSearch, cost_usd: cost });
  }
  if (prices.perRequestPico > 0n) {
    const perRequest = exactDecimal(prices.perRequestPico, 12);
    buckets.push({ bucket: 'per_request', tokens: 1, price_per_mtok: perRequest, price_from: from.perRequest, cost_usd: perRequest });
  }
  return { buckets, sumPico: (total40 + 20n) / 40n };
}

function priceEntry(price: PriceHistoryRow, of: 'model' | 'provider') {
  return { id: price.id, of, effective_from: price.effectiveFrom.toISOString(), source: price.source, pricing: price.pricing };
}

const bucketLabels: Record<BucketName, string> = {
  input: 'input',
  cachedInput: 'cached_input',
  cacheWrite5m: 'cache_write_5m',
  cacheWrite1h: 'cache_write_1h',
  output: 'output',
  reasoning: 'reasoning',
};

/** Which price row a per-call key came from (the model's wins), or 'default' (0). */
function keyFrom(key: 'per_request' | 'web_search_per_call', model: PriceHistoryRow | undefined, provider: PriceHistoryRow | undefined): string {
  const has = (row: PriceHistoryRow | undefined): boolean => typeof row?.pricing === 'object' && row.pricing !== null && key in row.pricing;
  return has(model) ? 'model' : has(provider) ? 'provider' : 'default: 0';
}
