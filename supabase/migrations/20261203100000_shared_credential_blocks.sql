-- Shared credential blocks (issue 11): a credential a vendor refused (401/403) or found out of
-- quota is blocked for a while on every instance, like a circuit-breaker transition: the instance
-- that saw the refusal records it here (off the request path, through a definer function) and the
-- config feed tells the others. Any change of that project's credential row for that provider
-- lifts the block (the operator fixed the key).

create table public.ai_credential_blocks (
  -- null: the calls made without a project (library calls; env-var credentials).
  project_id uuid references public.projects (id) on delete cascade,
  provider_id uuid not null references public.ai_providers (id) on delete cascade,
  blocked_until timestamptz not null,
  reason text check (reason is null or length(reason) <= 200),
  changed_by text check (changed_by is null or length(changed_by) <= 100),
  changed_at timestamptz not null default now()
);
comment on table public.ai_credential_blocks is
  'Credentials (project, provider) a vendor refused or found out of quota: routes skip them on every instance until blocked_until. Written by gateways through switchboard_report_credential_block(); cleared by a change of the credential row.';

create unique index ai_credential_blocks_key on public.ai_credential_blocks (
  coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid), provider_id
);

create trigger _900_notify_config after insert or update or delete or truncate on public.ai_credential_blocks
  for each statement execute function public.switchboard_notify_config();

-- The runtime role's write: a block of at most one hour, so a stolen runtime connection can at worst
-- keep one credential out of routes for an hour at a time (never redirect traffic).
create or replace function public.switchboard_report_credential_block(
  target_project uuid, target_provider uuid, block_ms integer, why text, instance text
) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.ai_credential_blocks as b (project_id, provider_id, blocked_until, reason, changed_by, changed_at)
  values (
    target_project, target_provider,
    now() + make_interval(secs => least(greatest(coalesce(block_ms, 0), 0), 3600000) / 1000.0),
    left(why, 200), left(instance, 100), now()
  )
  on conflict (coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid), provider_id) do update
    set blocked_until = excluded.blocked_until, reason = excluded.reason,
        changed_by = excluded.changed_by, changed_at = excluded.changed_at;
end;
$$;

-- A new, changed or removed credential row lifts the blocks of its (project, provider).
create or replace function public.switchboard_clear_credential_blocks() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    delete from public.ai_credential_blocks b using old_rows o where b.project_id = o.project_id and b.provider_id = o.provider_id;
  else
    delete from public.ai_credential_blocks b using new_rows n where b.project_id = n.project_id and b.provider_id = n.provider_id;
  end if;
  return null;
end;
$$;

create trigger _500_clear_blocks_insert after insert on public.ai_provider_credentials
  referencing new table as new_rows for each statement execute function public.switchboard_clear_credential_blocks();
create trigger _500_clear_blocks_update after update on public.ai_provider_credentials
  referencing new table as new_rows for each statement execute function public.switchboard_clear_credential_blocks();
create trigger _500_clear_blocks_delete after delete on public.ai_provider_credentials
  referencing old table as old_rows for each statement execute function public.switchboard_clear_credential_blocks();

grant select on public.ai_credential_blocks to switchboard_runtime;
create policy credential_blocks_runtime_select on public.ai_credential_blocks for select to switchboard_runtime using (true);

select public.switchboard_lock_down('public.ai_credential_blocks');
select public.switchboard_lock_down_functions();
grant execute on function public.switchboard_report_credential_block(uuid, uuid, integer, text, text) to switchboard_runtime;
