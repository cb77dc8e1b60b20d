-- Upgrades that run once per database, and when they ran.
--
-- `credential-origin-binding`: credentials sealed before origin binding (legacy envelopes) are
-- bound to their provider's URL by the first gateway start or `switchboard migrate` that can see
-- every row, and never again. Before this table every start bound any legacy envelope it found, so
-- a database writer holding an old envelope (a backup) could write it back, point the provider at
-- their host and have the next start bind the key there. A fresh database has nothing to bind: it
-- is marked done at once (unless row-level security hides credentials from the migrating role,
-- which then cannot tell).
create table if not exists public.switchboard_upgrades (
  name text primary key,
  done_at timestamptz not null default now()
);
select public.switchboard_lock_down('public.switchboard_upgrades', true);
-- Supabase's service_role (BYPASSRLS, granted every table by default) must not undo an upgrade
-- either: deleting the mark would reopen the binding for an envelope written back.
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    revoke all on public.switchboard_upgrades from service_role;
  end if;
end
$$;

insert into public.switchboard_upgrades (name)
select 'credential-origin-binding'
 where not row_security_active('public.ai_provider_credentials'::regclass)
   and not exists (select 1 from public.ai_provider_credentials)
on conflict (name) do nothing;
