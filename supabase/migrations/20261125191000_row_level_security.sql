-- Tenant isolation in the database itself: row-level security on every per-project table, scoped to
-- the project the transaction declares with
--   select set_config('switchboard.project_id', '<project uuid>', true)   -- i.e. `set local`
-- and a least-privilege runtime role for the gateway (no bypassrls, no DDL, no access to other
-- projects' rows). With no project set, the policies match no row.
--
-- Roles are cluster-wide, so creation is guarded (several databases of one server may migrate).

do $$
begin
  create role switchboard_runtime nologin noinherit;
exception when duplicate_object then
  null;
end;
$$;
comment on role switchboard_runtime is
  'Switchboard gateway runtime: reads configuration, reads/writes one project''s rows per transaction under RLS. Grant it to a login role.';

-- The project of the current transaction, or null. Evaluated once per statement by the policies.
create or replace function public.switchboard_current_project() returns uuid
language sql stable
set search_path = ''
as $$
  select nullif(current_setting('switchboard.project_id', true), '')::uuid
$$;

grant usage on schema public to switchboard_runtime;
grant execute on function public.switchboard_current_project() to switchboard_runtime;
grant select on public.ai_providers, public.ai_models, public.projects, public.switchboard_config_version to switchboard_runtime;
grant select, insert, update, delete on public.ai_provider_credentials to switchboard_runtime;
grant select on public.api_keys to switchboard_runtime;

alter table public.ai_provider_credentials enable row level security;
alter table public.ai_provider_credentials force row level security;
alter table public.api_keys enable row level security;
alter table public.api_keys force row level security;

-- ai_provider_credentials: one policy per operation, for the runtime role.
create policy credentials_runtime_select on public.ai_provider_credentials
  for select to switchboard_runtime
  using (project_id = (select public.switchboard_current_project()));
create policy credentials_runtime_insert on public.ai_provider_credentials
  for insert to switchboard_runtime
  with check (project_id = (select public.switchboard_current_project()));
create policy credentials_runtime_update on public.ai_provider_credentials
  for update to switchboard_runtime
  using (project_id = (select public.switchboard_current_project()))
  with check (project_id = (select public.switchboard_current_project()));
create policy credentials_runtime_delete on public.ai_provider_credentials
  for delete to switchboard_runtime
  using (project_id = (select public.switchboard_current_project()));

-- api_keys: the runtime role sees one project's keys per transaction.
create policy api_keys_runtime_select on public.api_keys
  for select to switchboard_runtime
  using (project_id = (select public.switchboard_current_project()));

-- projects: everyone with select may read project names (they carry no secret); RLS stays enabled
-- (from the schema migration) with a read policy for the runtime role.
create policy projects_runtime_select on public.projects
  for select to switchboard_runtime
  using (true);

-- The gateway authenticates requests against an in-memory index of key hashes of every project.
-- It reads them through this definer function (owned by the migration owner), which returns only
-- what authentication needs: never plaintext (there is none), only hashes of active keys.
create or replace function public.switchboard_active_api_keys()
returns table (id uuid, project_id uuid, project_name text, prefix text, key_hash text, revoked_at timestamptz, expires_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select k.id, k.project_id, p.name, k.prefix, k.key_hash, k.revoked_at, k.expires_at
    from public.api_keys k join public.projects p on p.id = k.project_id
   where k.revoked_at is null
$$;
revoke all on function public.switchboard_active_api_keys() from public;
grant execute on function public.switchboard_active_api_keys() to switchboard_runtime;

-- Supabase: the API roles get nothing on the secret-bearing tables (RLS with no policy for them
-- already denies every row; revoking the grants makes it explicit). Skipped where the roles don't exist.
do $$
declare
  api_role text;
begin
  foreach api_role in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = api_role) then
      execute format('revoke all on public.ai_provider_credentials, public.api_keys, public.projects from %I', api_role);
    end if;
  end loop;
end;
$$;
