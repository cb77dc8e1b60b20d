-- The Switchboard schema: projects and their gateway keys, the provider and model registry, and
-- per-project encrypted provider credentials. Column names follow the seed document
-- (shared/seed/database-driven-ai-system.md); every insert shown there works as written, with all
-- other columns defaulted. jsonb contents (features, pricing, config, request_template) are
-- deliberately unchecked here: the loader validates them and disables a bad row with a reason.

-- Keeps updated_at current on every update.
create or replace function public.switchboard_touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- projects -------------------------------------------------------------------------------------
create table public.projects (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (name ~ '^[a-z0-9][a-z0-9._-]*$' and length(name) <= 64),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.projects is
  'Tenants of the gateway: each project has its own API keys and provider credentials. name is a lowercase slug.';

create trigger _100_touch_updated_at before update on public.projects
  for each row execute function public.switchboard_touch_updated_at();
alter table public.projects enable row level security;

-- api_keys -------------------------------------------------------------------------------------
create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  name text,
  prefix text not null unique check (length(prefix) between 4 and 64),
  key_hash text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  expires_at timestamptz
);
comment on table public.api_keys is
  'Gateway API keys of a project: a short public lookup prefix and a hash of the secret (never the secret itself).';

create index api_keys_project_id_idx on public.api_keys (project_id);
alter table public.api_keys enable row level security;

-- ai_providers ---------------------------------------------------------------------------------
create table public.ai_providers (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (name ~ '^[a-z0-9][a-z0-9._-]*$'),
  display_name text,
  provider_class text not null,
  api_base_url text,
  required_env_vars jsonb not null default '[]'::jsonb check (
    jsonb_typeof(required_env_vars) = 'array'
    and not jsonb_path_exists(required_env_vars, '$[*] ? (@.type() != "string")')
  ),
  features jsonb not null default '{}'::jsonb,
  pricing jsonb not null default '{}'::jsonb,
  auth_header_name text,
  auth_header_prefix text,
  request_template jsonb,
  config jsonb not null default '{}'::jsonb,
  is_builtin boolean not null default false,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.ai_providers is
  'AI vendors: which provider class serves each (OpenAIProvider, AnthropicProvider, GoogleProvider, CohereProvider, CustomProvider), its endpoint, auth header, env-var fallback, features and default pricing.';

create trigger _100_touch_updated_at before update on public.ai_providers
  for each row execute function public.switchboard_touch_updated_at();

-- ai_models ------------------------------------------------------------------------------------
create table public.ai_models (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (name ~ '^[A-Za-z0-9][A-Za-z0-9._:/@-]*$'),
  display_name text,
  provider_id uuid not null references public.ai_providers (id) on delete restrict,
  model_id text not null,
  context_window integer check (context_window > 0),
  max_tokens integer check (max_tokens > 0),
  pricing jsonb not null default '{}'::jsonb,
  features jsonb not null default '{}'::jsonb,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.ai_models is
  'Models clients can ask for by name: the provider serving each, the provider''s own model id, token limits, and pricing (USD per million tokens; overrides the provider''s).';

create index ai_models_provider_id_idx on public.ai_models (provider_id);
create trigger _100_touch_updated_at before update on public.ai_models
  for each row execute function public.switchboard_touch_updated_at();

-- ai_provider_credentials ----------------------------------------------------------------------
create table public.ai_provider_credentials (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  provider_id uuid not null references public.ai_providers (id) on delete cascade,
  -- An encryption envelope v<n>:<key id>:<base64url payload>; the check keeps plaintext out.
  credentials text not null check (credentials ~ '^v[0-9]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$'),
  key_hint text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, provider_id)
);
comment on table public.ai_provider_credentials is
  'Per-project provider API keys, encrypted (AES-256-GCM envelope); key_hint holds the last four characters for display.';

create index ai_provider_credentials_provider_id_idx on public.ai_provider_credentials (provider_id);
create trigger _100_touch_updated_at before update on public.ai_provider_credentials
  for each row execute function public.switchboard_touch_updated_at();
alter table public.ai_provider_credentials enable row level security;
