import type { TableSpec } from '../../db/sql/admin-tables.js';

const timestamps = 'created_at, updated_at';

export const providersTable: TableSpec = {
  table: 'ai_providers',
  writable: [
    'name', 'display_name', 'provider_class', 'api_base_url', 'required_env_vars', 'features', 'pricing',
    'auth_header_name', 'auth_header_prefix', 'request_template', 'config', 'is_active',
  ],
  jsonb: ['required_env_vars', 'features', 'pricing', 'request_template', 'config'],
  select: `id, name, display_name, provider_class, api_base_url, required_env_vars, features, pricing, auth_header_name,
           auth_header_prefix, request_template, config, is_builtin, is_active, ${timestamps}`,
};

export const modelsTable: TableSpec = {
  table: 'ai_models',
  writable: ['name', 'display_name', 'provider_id', 'model_id', 'context_window', 'max_tokens', 'pricing', 'features', 'is_active'],
  jsonb: ['pricing', 'features'],
  select: `id, name, display_name, provider_id, (select p.name from public.ai_providers p where p.id = provider_id) as provider,
           model_id, context_window, max_tokens, pricing, features, is_active, ${timestamps}`,
};

export const projectsTable: TableSpec = {
  table: 'projects',
  writable: ['name'],
  jsonb: [],
  select: `id, name, ${timestamps}`,
};
