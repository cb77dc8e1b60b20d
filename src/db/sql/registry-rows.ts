import type { Queryable } from '../db.js';

/** An `ai_providers` row as stored; jsonb columns are unvalidated (`unknown`). */
export interface ProviderRow {
  id: string;
  name: string;
  displayName: string | null;
  providerClass: string;
  apiBaseUrl: string | null;
  requiredEnvVars: unknown;
  features: unknown;
  pricing: unknown;
  authHeaderName: string | null;
  authHeaderPrefix: string | null;
  requestTemplate: unknown;
  config: unknown;
  isBuiltin: boolean;
  isActive: boolean;
  updatedAt: Date;
}

/** An `ai_models` row as stored. */
export interface ModelRow {
  id: string;
  name: string;
  displayName: string | null;
  providerId: string;
  modelId: string;
  contextWindow: number | null;
  maxTokens: number | null;
  pricing: unknown;
  features: unknown;
  isActive: boolean;
}

/** Every provider row (active or not): the registry reports inactive and broken rows too. */
export async function selectProviderRows(db: Queryable): Promise<ProviderRow[]> {
  const result = await db.query<ProviderRow>(
    `select id, name, display_name as "displayName", provider_class as "providerClass",
            api_base_url as "apiBaseUrl", required_env_vars as "requiredEnvVars", features, pricing,
            auth_header_name as "authHeaderName", auth_header_prefix as "authHeaderPrefix",
            request_template as "requestTemplate", config, is_builtin as "isBuiltin",
            is_active as "isActive", updated_at as "updatedAt"
       from public.ai_providers order by name`,
  );
  return result.rows;
}

/** Every model row (active or not). */
export async function selectModelRows(db: Queryable): Promise<ModelRow[]> {
  const result = await db.query<ModelRow>(
    `select id, name, display_name as "displayName", provider_id as "providerId", model_id as "modelId",
            context_window as "contextWindow", max_tokens as "maxTokens", pricing, features,
            is_active as "isActive"
       from public.ai_models order by name`,
  );
  return result.rows;
}
