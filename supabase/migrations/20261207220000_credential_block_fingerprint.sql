-- A shared credential block names the credential it was written for: a keyed fingerprint of the
-- refused env-var key (HMAC-SHA256 under a key derived from the gateways' master key, which this
-- database does not hold; 16 bytes, hex). An instance applies a block only when the fingerprint is
-- that of the key it would itself use now, so an operator who fixes an env var's value and restarts
-- the instances is no longer skipped for the rest of the 5 minutes by the block the old value left.
-- A row without one (written by an older gateway, or for a stored credential, whose change deletes
-- its blocks) applies on every instance, as before.

alter table public.ai_credential_blocks
  add column credential_fingerprint text check (credential_fingerprint is null or credential_fingerprint ~ '^[0-9a-f]{32}$');
comment on column public.ai_credential_blocks.credential_fingerprint is
  'Keyed fingerprint (HMAC-SHA256, 16 bytes hex, key derived from the master key) of the env-var credential refused; null: applies whatever the key (older gateways, stored credentials).';

-- The write with the fingerprint (null: none). Every write replaces the row's fingerprint, so a block
-- re-reported by an older gateway applies everywhere again.
create or replace function public.switchboard_report_credential_block(
  target_project uuid, target_provider uuid, block_ms integer, why text, instance text, fingerprint text
) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.ai_credential_blocks as b (project_id, provider_id, blocked_until, reason, changed_by, changed_at, credential_fingerprint)
  values (
    target_project, target_provider,
    now() + make_interval(secs => least(greatest(coalesce(block_ms, 0), 0), 3600000) / 1000.0),
    left(why, 200), left(instance, 100), now(),
    -- Anything but the fingerprint's shape is dropped (the row then applies everywhere, as before).
    case when fingerprint ~ '^[0-9a-f]{32}$' then fingerprint end
  )
  on conflict (coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid), provider_id) do update
    set blocked_until = excluded.blocked_until, reason = excluded.reason,
        changed_by = excluded.changed_by, changed_at = excluded.changed_at,
        credential_fingerprint = excluded.credential_fingerprint;
end;
$$;

-- The older gateways' write (five arguments) keeps working: a block without a fingerprint.
create or replace function public.switchboard_report_credential_block(
  target_project uuid, target_provider uuid, block_ms integer, why text, instance text
) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  perform public.switchboard_report_credential_block(target_project, target_provider, block_ms, why, instance, null::text);
end;
$$;

select public.switchboard_lock_down_functions();
grant execute on function public.switchboard_report_credential_block(uuid, uuid, integer, text, text) to switchboard_runtime;
grant execute on function public.switchboard_report_credential_block(uuid, uuid, integer, text, text, text) to switchboard_runtime;
