-- A change of a provider row lifts the credential blocks of that provider (every project): the
-- operator fixed what the row names (`required_env_vars`, `api_base_url`, the auth header, ...).
-- Before, only a change of the credential row lifted a block, and an instance started after the
-- fix read the block back from this table for the rest of its 5 minutes. The instances lift the
-- blocks they hold themselves when the edited row reaches their snapshot.
create or replace function public.switchboard_clear_provider_credential_blocks() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  -- Only when there is a block to lift: a delete statement notifies the config feed even when it
  -- deletes nothing, and an ordinary provider edit should announce itself alone.
  if exists (select 1 from public.ai_credential_blocks b join new_rows n on b.provider_id = n.id) then
    delete from public.ai_credential_blocks b using new_rows n where b.provider_id = n.id;
  end if;
  return null;
end;
$$;

create trigger _500_clear_blocks_provider_update after update on public.ai_providers
  referencing new table as new_rows for each statement execute function public.switchboard_clear_provider_credential_blocks();

select public.switchboard_lock_down_functions();
