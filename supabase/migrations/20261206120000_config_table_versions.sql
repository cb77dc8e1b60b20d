-- Per-table configuration versions: a notification on `switchboard_config` is a hint, never a command.
--
-- Postgres checks no privilege on NOTIFY: any login, a stolen runtime URL included, can run
-- `notify switchboard_config, '{}'` in a loop. Gateways reloaded on every notification what its
-- payload named (everything, without a table), emptying their credential caches each time. They now
-- read this row first and reload only when `version` moved past the one they serve, and then only
-- the parts whose tables changed since: `table_versions` holds, per config table, the version of its
-- last change. Only the config triggers write the row (security definer), so a forged payload
-- changes nothing.

alter table public.switchboard_config_version
  add column if not exists table_versions jsonb not null default '{}'::jsonb;
comment on column public.switchboard_config_version.table_versions is
  'Per config table, the version of its last change ({"ai_models": 42, ...}). Written by the notify triggers with version.';

-- Every config table counts as changed at the current version: a gateway serving an older version
-- (started before this migration) reloads everything once.
update public.switchboard_config_version v
   set table_versions = (
     select jsonb_object_agg(t.name, v.version)
       from unnest(array[
         'ai_providers', 'ai_models', 'ai_provider_credentials', 'api_keys', 'projects', 'ai_price_history',
         'ai_routes', 'ai_route_targets', 'ai_route_health', 'ai_budgets', 'ai_rate_limits', 'ai_credential_blocks'
       ]) as t(name)
   )
 where id;

create or replace function public.switchboard_notify_config() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  new_version bigint;
begin
  update public.switchboard_config_version
     set version = version + 1,
         table_versions = table_versions || jsonb_build_object(tg_table_name, version + 1)
   where id
  returning version into new_version;
  perform pg_notify('switchboard_config', json_build_object('version', new_version, 'table', tg_table_name)::text);
  return null;
end;
$$;

-- As in 20261202100000_usage_ledger.sql: rows appended by the ai_providers/ai_models triggers
-- (depth > 1) are covered by the write to those tables.
create or replace function public.switchboard_notify_price_history() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  new_version bigint;
begin
  if pg_trigger_depth() > 1 then
    return null;
  end if;
  update public.switchboard_config_version
     set version = version + 1,
         table_versions = table_versions || jsonb_build_object(tg_table_name, version + 1)
   where id
  returning version into new_version;
  perform pg_notify('switchboard_config', json_build_object('version', new_version, 'table', tg_table_name)::text);
  return null;
end;
$$;

select public.switchboard_lock_down_functions();
