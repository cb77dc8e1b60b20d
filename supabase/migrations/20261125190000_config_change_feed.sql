-- Live configuration: every write to a config table bumps one version counter and notifies the
-- channel `switchboard_config` inside the writing transaction, so every gateway instance that
-- LISTENs reloads within milliseconds of the commit; instances that miss a notification see the
-- new version on their next poll.

create table public.switchboard_config_version (
  id boolean primary key default true check (id),
  version bigint not null default 1
);
comment on table public.switchboard_config_version is
  'One row: the version of the configuration (providers, models, keys, projects, credentials). Bumped by triggers.';
insert into public.switchboard_config_version (id, version) values (true, 1) on conflict (id) do nothing;
alter table public.switchboard_config_version enable row level security;

create or replace function public.switchboard_notify_config() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  new_version bigint;
begin
  update public.switchboard_config_version set version = version + 1 where id returning version into new_version;
  perform pg_notify('switchboard_config', json_build_object('version', new_version, 'table', tg_table_name)::text);
  return null;
end;
$$;

create trigger _900_notify_config after insert or update or delete or truncate on public.ai_providers
  for each statement execute function public.switchboard_notify_config();
create trigger _900_notify_config after insert or update or delete or truncate on public.ai_models
  for each statement execute function public.switchboard_notify_config();
create trigger _900_notify_config after insert or update or delete or truncate on public.ai_provider_credentials
  for each statement execute function public.switchboard_notify_config();
create trigger _900_notify_config after insert or update or delete or truncate on public.api_keys
  for each statement execute function public.switchboard_notify_config();
create trigger _900_notify_config after insert or update or delete or truncate on public.projects
  for each statement execute function public.switchboard_notify_config();
