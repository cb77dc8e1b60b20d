import type { Queryable } from '../db.js';

/** A model with its provider's name, as listed by the CLI (jsonb columns unvalidated). */
export interface ModelListing {
  id: string;
  name: string;
  displayName: string | null;
  providerName: string;
  modelId: string;
  contextWindow: number | null;
  maxTokens: number | null;
  pricing: unknown;
  features: unknown;
  isActive: boolean;
}

/** Every model, by provider then name. */
export async function listModels(db: Queryable): Promise<ModelListing[]> {
  const result = await db.query<ModelListing>(
    `select m.id, m.name, m.display_name as "displayName", p.name as "providerName", m.model_id as "modelId",
            m.context_window as "contextWindow", m.max_tokens as "maxTokens", m.pricing, m.features,
            m.is_active as "isActive"
       from public.ai_models m join public.ai_providers p on p.id = m.provider_id
      order by p.name, m.name`,
  );
  return result.rows;
}
