-- Running gateway instances (issue 13): each instance reports, through one security-definer
-- function, which configuration version it serves and since when, and a heartbeat every few
-- seconds (off the request path); it removes its row on a graceful shutdown. The dashboard shows
-- every instance, its version and how long a change took to reach it.
--
-- applied_at is stamped by the database (clock_timestamp) when an instance reports a version it did
-- not report before, so the apply lag (applied_at minus switchboard_config_version_log.changed_at)
-- is measured on one clock. Rows not seen for a day are pruned by the next report.

create table public.switchboard_instances (
  id text primary key check (length(id) between 1 and 200),
  hostname text not null check (length(hostname) <= 255),
  pid integer not null,
  started_at timestamptz not null,
  config_version bigint not null,
  applied_at timestamptz not null,
  last_seen timestamptz not null
);
comment on table public.switchboard_instances is
  'Gateway instances: the configuration version each serves, when it applied it (database clock) and its last heartbeat. Written only through switchboard_report_instance().';

-- Upserts the calling instance's row. A changed config_version restamps applied_at; every call
-- refreshes last_seen. Notifies `switchboard_instances` when an instance appears or changes version.
create or replace function public.switchboard_report_instance(
  instance_id text, instance_hostname text, instance_pid integer, instance_started_at timestamptz, instance_version bigint
) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  previous bigint;
begin
  select config_version into previous from public.switchboard_instances where id = instance_id for update;
  if not found then
    insert into public.switchboard_instances (id, hostname, pid, started_at, config_version, applied_at, last_seen)
    values (instance_id, left(instance_hostname, 255), instance_pid, instance_started_at, instance_version, clock_timestamp(), clock_timestamp())
    on conflict (id) do update set last_seen = clock_timestamp();
  elsif previous is distinct from instance_version then
    update public.switchboard_instances
       set config_version = instance_version, applied_at = clock_timestamp(), last_seen = clock_timestamp()
     where id = instance_id;
  else
    update public.switchboard_instances set last_seen = clock_timestamp() where id = instance_id;
    return;
  end if;
  delete from public.switchboard_instances where last_seen < now() - interval '1 day';
  perform pg_notify('switchboard_instances', json_build_object('id', instance_id, 'version', instance_version)::text);
end;
$$;

-- Removes the calling instance's row (graceful shutdown).
create or replace function public.switchboard_remove_instance(instance_id text) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from public.switchboard_instances where id = instance_id;
  perform pg_notify('switchboard_instances', json_build_object('id', instance_id, 'removed', true)::text);
end;
$$;

select public.switchboard_lock_down('public.switchboard_instances', true);
create policy instances_owner_all on public.switchboard_instances
  for all to current_user
  using (true) with check (true);

-- The dashboard's request list pages the ledger by (started_at desc, id desc): one index serves
-- the keyset for every filter, and one per project for the project filter.
create index ai_usage_started_id_idx on public.ai_usage (started_at, id);
create index ai_usage_project_started_id_idx on public.ai_usage (project_id, started_at, id);
-- They serve every query the (started_at) and (project_id, started_at) indexes served (and the
-- planner would otherwise pick those and sort the ties): the old ones go.
drop index public.ai_usage_project_started_idx;
drop index public.ai_usage_started_idx;

select public.switchboard_lock_down_functions();
-- The runtime role (every gateway) reports itself and nothing else.
grant execute on function public.switchboard_report_instance(text, text, integer, timestamptz, bigint) to switchboard_runtime;
grant execute on function public.switchboard_remove_instance(text) to switchboard_runtime;
