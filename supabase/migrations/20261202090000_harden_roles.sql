-- Locks every Switchboard object away from roles that are not Switchboard's (issue 17).
--
-- Supabase's API roles `anon` and `authenticated` receive, through the long-standing default
-- privileges of schema public (`alter default privileges ... grant all on tables/functions/sequences
-- to anon, authenticated, service_role`), every right on every table, sequence and function the
-- migration owner creates. Anyone holding the public anon key could then rewrite ai_providers,
-- read the key index through switchboard_active_api_keys(), or fake a migration row. From here on:
--   * every Switchboard table has row-level security enabled (forced where secrets live), and
--     nothing granted to public, anon or authenticated;
--   * every switchboard_* function is executable only by roles granted it explicitly;
--   * the runtime role reads what the gateway reads (select policies below) and writes nothing.
--
-- New migrations MUST lock down what they create (Supabase's default privileges hand every new
-- table and function to anon and authenticated again):
--   create table public.my_table (...);
--   select public.switchboard_lock_down('public.my_table');          -- or (..., true) to force RLS
--   grant select on public.my_table to switchboard_runtime;         -- only what the gateway needs
--   create policy my_table_runtime_select on public.my_table for select to switchboard_runtime using (...);
--   ... and, after creating any function (name it switchboard_*):
--   select public.switchboard_lock_down_functions();
--   grant execute on function public.switchboard_my_function() to switchboard_runtime;  -- if needed
-- test/security/api-roles.test.ts checks every table and function of a fresh database.

-- The grantees no Switchboard object is for, as SQL: public, and Supabase's API roles anon and
-- authenticated where they exist (they do on Supabase, not on plain Postgres or PGlite).
create or replace function public.switchboard_foreign_grantees() returns text[]
language sql stable
set search_path = ''
as $$
  select array['public'] || coalesce(array_agg(quote_ident(rolname) order by rolname), '{}')
    from pg_catalog.pg_roles where rolname in ('anon', 'authenticated')
$$;

-- Enables RLS on a table (and forces it when `force`), and revokes every privilege on it and on
-- the sequences it owns (serial/identity columns) from those grantees. Idempotent.
create or replace function public.switchboard_lock_down(target regclass, force boolean default false) returns void
language plpgsql
set search_path = ''
as $$
declare
  grantee text;
  owned_sequence regclass;
begin
  execute format('alter table %s enable row level security', target);
  if force then
    execute format('alter table %s force row level security', target);
  end if;
  foreach grantee in array public.switchboard_foreign_grantees() loop
    execute format('revoke all on table %s from %s', target, grantee);
    for owned_sequence in
      select d.objid::regclass from pg_catalog.pg_depend d join pg_catalog.pg_class s on s.oid = d.objid and s.relkind = 'S'
       where d.classid = 'pg_catalog.pg_class'::regclass and d.refclassid = 'pg_catalog.pg_class'::regclass
         and d.refobjid = target and d.deptype in ('a', 'i')
    loop
      execute format('revoke all on sequence %s from %s', owned_sequence, grantee);
    end loop;
  end loop;
end;
$$;
comment on function public.switchboard_lock_down(regclass, boolean) is
  'Switchboard: enable (and optionally force) RLS on a table and revoke it and its owned sequences from public, anon and authenticated. Call it for every new table.';

-- Revokes EXECUTE on every public.switchboard_* function from public, anon and authenticated.
-- Roles that need one (switchboard_runtime) hold an explicit grant, which this keeps. Idempotent.
create or replace function public.switchboard_lock_down_functions() returns void
language plpgsql
set search_path = ''
as $$
declare
  grantee text;
  routine regprocedure;
begin
  for routine in
    select p.oid::regprocedure from pg_catalog.pg_proc p
     where p.pronamespace = 'public'::regnamespace and p.proname like 'switchboard\_%' and p.prokind in ('f', 'p')
  loop
    foreach grantee in array public.switchboard_foreign_grantees() loop
      execute format('revoke all on routine %s from %s', routine, grantee);
    end loop;
  end loop;
end;
$$;
comment on function public.switchboard_lock_down_functions() is
  'Switchboard: revoke EXECUTE on every public.switchboard_* function from public, anon and authenticated (explicit grants to other roles stay). Call it after creating functions.';

-- Tables --------------------------------------------------------------------------------------
select public.switchboard_lock_down('public.ai_providers');
select public.switchboard_lock_down('public.ai_models');
select public.switchboard_lock_down('public.projects');
select public.switchboard_lock_down('public.api_keys', true);
select public.switchboard_lock_down('public.ai_provider_credentials', true);
select public.switchboard_lock_down('public.switchboard_config_version');
-- The runner's own bookkeeping table (absent when `supabase db push` applied these files).
do $$
begin
  if to_regclass('public.switchboard_migrations') is not null then
    perform public.switchboard_lock_down('public.switchboard_migrations');
  end if;
end;
$$;

-- The runtime role: reads configuration, writes nothing. The gateway's request path only reads;
-- credentials are written by the admin API/CLI and master-key rotation, which run as an admin role
-- (owner, superuser or BYPASSRLS). Its per-operation write policies on ai_provider_credentials stay
-- so that an operator who grants writes back gets them scoped to one project.
revoke all on public.ai_providers, public.ai_models, public.projects, public.api_keys,
  public.ai_provider_credentials, public.switchboard_config_version from switchboard_runtime;
grant select on public.ai_providers, public.ai_models, public.projects, public.api_keys,
  public.ai_provider_credentials, public.switchboard_config_version to switchboard_runtime;

-- Row visibility for the runtime role on the tables that now have RLS (projects, api_keys and
-- credentials have theirs already). Without the config_version policy the version poll read 0 for
-- ever under this role and never saw a change.
create policy ai_providers_runtime_select on public.ai_providers
  for select to switchboard_runtime
  using (true);
create policy ai_models_runtime_select on public.ai_models
  for select to switchboard_runtime
  using (true);
create policy config_version_runtime_select on public.switchboard_config_version
  for select to switchboard_runtime
  using (true);

-- Functions -----------------------------------------------------------------------------------
select public.switchboard_lock_down_functions();
grant execute on function public.switchboard_current_project() to switchboard_runtime;
grant execute on function public.switchboard_active_api_keys() to switchboard_runtime;
