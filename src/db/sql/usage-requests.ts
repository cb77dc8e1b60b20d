/**
 * Point lookups for `usage explain`: one request's ledger rows (by the request_id index) and the
 * price history rows they point at.
 *
 * @module
 */
import type { Queryable } from '../db.js';

/** A ledger row as `usage explain` shows it (bigint counts and money as exact strings). */
export interface UsageRequestRow {
  id: string;
  requestId: string;
  attempt: number;
  startedAt: Date;
  endedAt: Date;
  projectId: string | null;
  projectName: string | null;
  apiKeyId: string | null;
  requestedModel: string;
  modelName: string | null;
  providerName: string | null;
  /** The provider row is of the Anthropic class (its default cache multipliers apply). */
  anthropic: boolean;
  vendorModelId: string | null;
  endpoint: string;
  streamed: boolean;
  status: number;
  errorCode: string | null;
  incomplete: boolean;
  usageSource: string;
  overheadMs: number;
  upstreamMs: number | null;
  ttftMs: number | null;
  inputTokens: string;
  cachedInputTokens: string;
  cacheWrite5mTokens: string;
  cacheWrite1hTokens: string;
  outputTokens: string;
  reasoningTokens: string;
  /** Server-side web searches billed per search. */
  webSearchCalls: number;
  rawUsage: unknown;
  priceId: string | null;
  providerPriceId: string | null;
  costUsd: string | null;
}

/** An `ai_price_history` row. */
export interface PriceHistoryRow {
  id: string;
  providerId: string | null;
  modelId: string | null;
  pricing: unknown;
  effectiveFrom: Date;
  recordedAt: Date;
  source: string;
}

/** The ledger rows of one request, by attempt. */
export async function selectUsageRequest(db: Queryable, requestId: string): Promise<UsageRequestRow[]> {
  const result = await db.query<UsageRequestRow>(
    `select u.id::text as id, u.request_id as "requestId", u.attempt, u.started_at as "startedAt", u.ended_at as "endedAt",
            u.project_id as "projectId", p.name as "projectName", u.api_key_id as "apiKeyId",
            u.requested_model as "requestedModel", u.model_name as "modelName", u.provider_name as "providerName",
            coalesce(pv.provider_class = 'AnthropicProvider', false) as anthropic,
            u.vendor_model_id as "vendorModelId", u.endpoint, u.streamed, u.status, u.error_code as "errorCode",
            u.incomplete, u.usage_source as "usageSource", u.overhead_ms as "overheadMs", u.upstream_ms as "upstreamMs",
            u.ttft_ms as "ttftMs", u.input_tokens as "inputTokens", u.cached_input_tokens as "cachedInputTokens",
            u.cache_write_5m_tokens as "cacheWrite5mTokens", u.cache_write_1h_tokens as "cacheWrite1hTokens",
            u.output_tokens as "outputTokens", u.reasoning_tokens as "reasoningTokens",
            u.web_search_calls as "webSearchCalls", u.raw_usage as "rawUsage",
            u.price_id::text as "priceId", u.provider_price_id::text as "providerPriceId", u.cost_usd::text as "costUsd"
       from public.ai_usage u left join public.projects p on p.id = u.project_id
            left join public.ai_providers pv on pv.id = u.provider_id
      where u.request_id = $1
      order by u.attempt`,
    [requestId],
  );
  return result.rows;
}

/** A later request that reused an id already in the ledger, stored as `<id>~<8 characters>` (usage-writer.ts). */
export interface RecordedAsRow {
  request_id: string;
  project: string | null;
  attempts: number;
}

/** The requests recorded under `requestId` renamed (it was taken when they were written), oldest first. */
export async function selectRecordedAs(db: Queryable, requestId: string): Promise<RecordedAsRow[]> {
  // LIKE's wildcards and escape character in the id are matched as themselves.
  const pattern = `${requestId.slice(0, 100).replace(/[\\%_]/g, (char) => `\\${char}`)}~________`;
  const result = await db.query<RecordedAsRow>(
    `select u.request_id, p.name as project, count(*)::int as attempts
       from public.ai_usage u left join public.projects p on p.id = u.project_id
      where u.request_id like $1
      group by u.request_id, p.name
      order by min(u.started_at), u.request_id
      limit 100`,
    [pattern],
  );
  return result.rows;
}

/** Price history rows by id. */
export async function selectPriceRows(db: Queryable, ids: readonly string[]): Promise<PriceHistoryRow[]> {
  if (ids.length === 0) return [];
  const result = await db.query<PriceHistoryRow>(
    `select id::text as id, provider_id as "providerId", model_id as "modelId", pricing, effective_from as "effectiveFrom",
            recorded_at as "recordedAt", source
       from public.ai_price_history where id = any($1::bigint[]) order by id`,
    [ids],
  );
  return result.rows;
}
