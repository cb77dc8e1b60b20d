import type { Queryable } from '../db.js';

/** A provider as listed by the CLI (jsonb columns unvalidated). */
export interface ProviderListing {
  id: string;
  name: string;
  displayName: string | null;
  providerClass: string;
  apiBaseUrl: string | null;
  requiredEnvVars: unknown;
  features: unknown;
  isBuiltin: boolean;
  isActive: boolean;
}

/** Every provider, by name. */
export async function listProviders(db: Queryable): Promise<ProviderListing[]> {
  const result = await db.query<ProviderListing>(
    `select id, name, display_name as "displayName", provider_class as "providerClass", api_base_url as "apiBaseUrl",
            required_env_vars as "requiredEnvVars", features, is_builtin as "isBuiltin", is_active as "isActive"
       from public.ai_providers order by name`,
  );
  return result.rows;
}
