-- The configuration history (issue 13): every insert, update and delete of a configuration row, by
-- the admin API, the CLI or plain SQL, lands in one append-only table with the row before and after,
-- who wrote it and when. The dashboard lists it and reverts a change by applying its inverse (which
-- is itself a new change).
--
-- SECRETS NEVER ENTER THE HISTORY: a tracked table may keep only an allowlist of its columns
-- (ai_provider_credentials keeps no envelope, api_keys no key hash), so a reader of the history
-- learns nothing a reader of the admin API could not.
--
-- The actor is what the writing session declares with
--   select set_config('switchboard.actor', 'admin-api' | 'cli', true)   -- i.e. `set local`
-- (the admin service and the CLI do; anything else is recorded as 'sql'). It is a label, not a
-- proof: any SQL session may declare it. db_user is the login role (session_user), which is.
--
-- Later migrations track their own tables with
--   select public.switchboard_track_history('public.my_table');                     -- row_id from id
--   select public.switchboard_track_history('public.my_table', 'name');             -- another key column
--   select public.switchboard_track_history('public.my_table', 'id', array['id', 'name', ...]);  -- keep only these columns

create table public.switchboard_config_history (
  id bigint generated always as identity primary key,
  -- The time of the change itself (clock_timestamp), not of its transaction's start.
  changed_at timestamptz not null default clock_timestamp(),
  table_name text not null,
  row_id text not null,
  op text not null check (op in ('insert', 'update', 'delete')),
  before jsonb,
  after jsonb,
  actor text not null default 'sql' check (actor in ('admin-api', 'cli', 'sql')),
  db_user text not null default session_user,
  check ((op = 'insert') = (before is null) and (op = 'delete') = (after is null))
);
comment on table public.switchboard_config_history is
  'Append-only history of configuration changes (providers, models, projects, API keys, credentials, and the tables later migrations track): the row before and after (secret columns never kept), the actor (admin-api, cli or sql) and the database user.';

create index switchboard_config_history_row_idx on public.switchboard_config_history (table_name, row_id, id);
create index switchboard_config_history_changed_idx on public.switchboard_config_history (changed_at);

-- Append-only, like ai_price_history.
create or replace function public.switchboard_refuse_history_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'switchboard_config_history is append-only: revert a change to record its inverse'
    using errcode = 'restrict_violation';
end;
$$;

create trigger _100_append_only before update or delete on public.switchboard_config_history
  for each row execute function public.switchboard_refuse_history_change();
create trigger _100_append_only_truncate before truncate on public.switchboard_config_history
  for each statement execute function public.switchboard_refuse_history_change();

-- A row as the history keeps it: only the `keep` columns when the table names an allowlist.
create or replace function public.switchboard_history_image(image jsonb, keep text[]) returns jsonb
language sql immutable
set search_path = ''
as $$
  select case
    when image is null or keep is null then image
    else coalesce((select jsonb_object_agg(e.key, e.value) from jsonb_each(image) as e(key, value) where e.key = any (keep)), '{}'::jsonb)
  end
$$;

-- The AFTER ROW trigger: tg_argv[0] is the key column, tg_argv[1] (optional) the allowlist as a
-- text[] literal. Security definer: whoever may write the tracked table writes its history, and
-- nobody writes the history directly. An update that changes nothing the history keeps (apart
-- from updated_at) is not recorded.
create or replace function public.switchboard_record_history() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  key_column text := tg_argv[0];
  keep text[] := case when tg_nargs > 1 then tg_argv[1]::text[] else null end;
  before_image jsonb;
  after_image jsonb;
  declared text := current_setting('switchboard.actor', true);
begin
  if tg_op in ('UPDATE', 'DELETE') then
    before_image := public.switchboard_history_image(to_jsonb(old), keep);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    after_image := public.switchboard_history_image(to_jsonb(new), keep);
  end if;
  if tg_op = 'UPDATE' and (before_image - 'updated_at') = (after_image - 'updated_at') then
    return null;
  end if;
  insert into public.switchboard_config_history (table_name, row_id, op, before, after, actor)
  values (
    tg_table_name,
    coalesce(after_image, before_image, to_jsonb(old)) ->> key_column,
    lower(tg_op),
    before_image,
    after_image,
    case when declared in ('admin-api', 'cli') then declared else 'sql' end
  );
  return null;
end;
$$;

-- Attaches the history trigger to `target`. `key_column` names the row (default id); `keep`, when
-- given, is the allowlist of columns the history may hold (it must include the key column).
-- Idempotent: calling it again replaces the trigger.
create or replace function public.switchboard_track_history(target regclass, key_column text default 'id', keep text[] default null) returns void
language plpgsql
set search_path = ''
as $$
begin
  if keep is not null and not (key_column = any (keep)) then
    raise exception 'switchboard_track_history: the allowlist of % must include its key column %', target, key_column;
  end if;
  if not exists (
    select 1 from pg_catalog.pg_attribute where attrelid = target and attname = key_column and attnum > 0 and not attisdropped
  ) then
    raise exception 'switchboard_track_history: % has no column %', target, key_column;
  end if;
  execute format('drop trigger if exists _800_config_history on %s', target);
  if keep is null then
    execute format(
      'create trigger _800_config_history after insert or update or delete on %s for each row execute function public.switchboard_record_history(%L)',
      target, key_column);
  else
    execute format(
      'create trigger _800_config_history after insert or update or delete on %s for each row execute function public.switchboard_record_history(%L, %L)',
      target, key_column, keep::text);
  end if;
end;
$$;
comment on function public.switchboard_track_history(regclass, text, text[]) is
  'Switchboard: record every insert/update/delete of the table in switchboard_config_history (row named by key_column; only the keep columns when given, so secrets never enter the history).';

-- A credential's fingerprint: the first 16 hex digits of the SHA-256 of its envelope. It reveals
-- nothing about the key (it hashes ciphertext) and changes whenever the stored secret does (a new
-- key, a master-key rotation), so the history records those changes without keeping the secret.
alter table public.ai_provider_credentials
  add column if not exists fingerprint text generated always as (left(encode(sha256(credentials::bytea), 'hex'), 16)) stored;

select public.switchboard_track_history('public.ai_providers');
select public.switchboard_track_history('public.ai_models');
select public.switchboard_track_history('public.projects');
-- No key hash (and not last_used_at, which is usage, not configuration).
select public.switchboard_track_history('public.api_keys', 'id',
  array['id', 'project_id', 'name', 'prefix', 'created_at', 'revoked_at', 'expires_at']);
-- No envelope, no nonce, nothing secret: which project, which provider, the hint and the times.
select public.switchboard_track_history('public.ai_provider_credentials', 'id',
  array['id', 'project_id', 'provider_id', 'key_hint', 'fingerprint', 'created_at', 'updated_at', 'rotated_at']);

-- Locked down: forced RLS; nothing for the runtime role or Supabase's API roles. The migration
-- owner (the admin side) reads and appends through owner policies, so this holds even when that
-- role is neither superuser nor BYPASSRLS.
select public.switchboard_lock_down('public.switchboard_config_history', true);
create policy config_history_owner_select on public.switchboard_config_history
  for select to current_user
  using (true);
create policy config_history_owner_insert on public.switchboard_config_history
  for insert to current_user
  with check (true);

-- The time each configuration version was reached, for the dashboard's apply lag (the instance's
-- applied_at minus this). Written by a trigger on the version row; the last 10,000 are kept.
create table public.switchboard_config_version_log (
  version bigint primary key,
  changed_at timestamptz not null default clock_timestamp()
);
comment on table public.switchboard_config_version_log is
  'When each configuration version was reached (clock time of the bump inside the writing transaction). Pruned to the last 10,000 versions.';

create or replace function public.switchboard_log_config_version() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.switchboard_config_version_log (version) values (new.version)
    on conflict (version) do update set changed_at = excluded.changed_at;
  if new.version % 100 = 0 then
    delete from public.switchboard_config_version_log where version < new.version - 10000;
  end if;
  return null;
end;
$$;

create trigger _500_log_version after update of version on public.switchboard_config_version
  for each row when (old.version is distinct from new.version) execute function public.switchboard_log_config_version();
insert into public.switchboard_config_version_log (version) select version from public.switchboard_config_version;

select public.switchboard_lock_down('public.switchboard_config_version_log', true);
create policy config_version_log_owner_all on public.switchboard_config_version_log
  for all to current_user
  using (true) with check (true);

select public.switchboard_lock_down_functions();
