import type { Queryable } from '../db.js';

/** An `ai_price_history` row; `pricing` is unvalidated jsonb. */
export interface PriceHistoryRow {
  /** bigint id, as text. */
  id: string;
  providerId: string | null;
  modelId: string | null;
  pricing: unknown;
  effectiveFrom: Date;
}

/** The whole price history (small: one row per price change), oldest first. */
export async function selectPriceHistory(db: Queryable): Promise<PriceHistoryRow[]> {
  const result = await db.query<PriceHistoryRow>(
    `select id::text as id, provider_id as "providerId", model_id as "modelId", pricing,
            effective_from as "effectiveFrom"
       from public.ai_price_history order by effective_from, id`,
  );
  return result.rows;
}
