-- Governance (issue 10): USD budgets and rate limits as rows, model allow-lists on projects and
-- keys, and the shared counters every gateway instance leases from.
--
-- Budgets and rate limits are configuration (live, on the config feed). Their counters are state:
-- one row per (limit, metric, period) with what was spent and what is leased out to instances, and
-- one lease row per (counter, instance). Instances never write these tables directly: one security
-- definer function, switchboard_governance_sync(), runs each lease exchange as one small transaction
-- that locks counters in a fixed order (limit_id, metric, period_start), so concurrent instances
-- never deadlock. Amounts are integers: pico-USD (1e-12 USD) for budgets, requests and tokens for
-- rate limits.

-- Model access and key labels ------------------------------------------------------------------
alter table public.projects add column allowed_models text[];
comment on column public.projects.allowed_models is
  'Public model (or route) names the project''s keys may call; null = all.';
alter table public.api_keys add column allowed_models text[];
comment on column public.api_keys.allowed_models is
  'Public model (or route) names this key may call, within its project''s list; null = all the project allows.';
alter table public.api_keys add column label text check (label is null or length(label) <= 200);
comment on column public.api_keys.label is 'A free label for reports (team, environment, owner).';

-- ai_budgets -----------------------------------------------------------------------------------
create table public.ai_budgets (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (name ~ '^[a-z0-9][a-z0-9._-]*$' and length(name) <= 64),
  project_id uuid not null references public.projects (id) on delete cascade,
  -- Set: the budget of one key of the project; null: of the whole project.
  api_key_id uuid references public.api_keys (id) on delete cascade,
  -- Set: only calls of this public model name count (and are refused) against it.
  model_name text check (model_name is null or length(model_name) <= 256),
  limit_usd numeric(30, 12) not null check (limit_usd >= 0),
  period text not null default 'month' check (period in ('day', 'week', 'month', 'fixed')),
  -- The window of a 'fixed' budget (it applies only inside it).
  starts_at timestamptz,
  ends_at timestamptz,
  -- Fraction of the limit (0-1] past which answers carry a warning header and a log line.
  soft_threshold numeric(6, 5) check (soft_threshold is null or (soft_threshold > 0 and soft_threshold <= 1)),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (period <> 'fixed' or (starts_at is not null and ends_at is not null and ends_at > starts_at))
);
comment on table public.ai_budgets is
  'USD budgets per project, per API key and optionally per public model name, over a period (UTC day, ISO week, calendar month, or a fixed window). Enforced by reserve-then-settle against leases; see docs/governance.md.';
create index ai_budgets_project_idx on public.ai_budgets (project_id);
create index ai_budgets_api_key_idx on public.ai_budgets (api_key_id) where api_key_id is not null;
create trigger _100_touch_updated_at before update on public.ai_budgets
  for each row execute function public.switchboard_touch_updated_at();
create trigger _900_notify_config after insert or update or delete or truncate on public.ai_budgets
  for each statement execute function public.switchboard_notify_config();

-- ai_rate_limits -------------------------------------------------------------------------------
create table public.ai_rate_limits (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (name ~ '^[a-z0-9][a-z0-9._-]*$' and length(name) <= 64),
  project_id uuid not null references public.projects (id) on delete cascade,
  api_key_id uuid references public.api_keys (id) on delete cascade,
  model_name text check (model_name is null or length(model_name) <= 256),
  requests_per_minute integer check (requests_per_minute is null or requests_per_minute > 0),
  tokens_per_minute bigint check (tokens_per_minute is null or tokens_per_minute > 0),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (requests_per_minute is not null or tokens_per_minute is not null)
);
comment on table public.ai_rate_limits is
  'Requests and tokens per minute per project, per API key and optionally per public model name, shared by every instance (aligned one-minute windows leased in chunks); see docs/governance.md.';
create index ai_rate_limits_project_idx on public.ai_rate_limits (project_id);
create trigger _100_touch_updated_at before update on public.ai_rate_limits
  for each row execute function public.switchboard_touch_updated_at();
create trigger _900_notify_config after insert or update or delete or truncate on public.ai_rate_limits
  for each statement execute function public.switchboard_notify_config();

-- Counters and leases (state, not configuration) ------------------------------------------------
create table public.ai_governance_counters (
  id bigint generated always as identity primary key,
  -- ai_budgets.id or ai_rate_limits.id (no foreign key: the history outlives a removed limit).
  limit_id uuid not null,
  metric text not null check (metric in ('usd_pico', 'requests', 'tokens')),
  period_start timestamptz not null,
  period_end timestamptz not null,
  -- Settled amounts (and expired leases, charged whole).
  spent numeric(38, 0) not null default 0,
  -- The sum of the amounts of this counter's lease rows.
  leased numeric(38, 0) not null default 0 check (leased >= 0),
  unique (limit_id, metric, period_start)
);
comment on table public.ai_governance_counters is
  'One row per budget or rate limit, metric and period: spent (settled, pico-USD or requests or tokens) and leased (held by instances). Written only by switchboard_governance_sync().';

create table public.ai_governance_leases (
  id bigint generated always as identity primary key,
  counter_id bigint not null references public.ai_governance_counters (id) on delete cascade,
  instance_id text not null check (length(instance_id) <= 100),
  -- What the instance may still consume: its reservations, its unreported settlements and free room.
  amount numeric(38, 0) not null default 0 check (amount >= 0),
  -- The instance's reservations in flight when it last synced (reporting only).
  reserved numeric(38, 0) not null default 0,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (counter_id, instance_id)
);
comment on table public.ai_governance_leases is
  'Budget or rate-limit room leased to one gateway instance. A lease not renewed before expires_at (a crashed instance) is charged whole to spent, so nothing reserved is lost.';

-- The current period of a limit: UTC day, ISO week, calendar month, the fixed window, or the minute.
create or replace function public.switchboard_governance_period(p_period text, p_starts timestamptz, p_ends timestamptz, p_now timestamptz)
returns table (period_start timestamptz, period_end timestamptz)
language sql immutable
set search_path = ''
as $$
  select s, e from (
    select case p_period
             when 'fixed' then p_starts
             when 'minute' then date_trunc('minute', p_now)
             else date_trunc(p_period, p_now at time zone 'UTC') at time zone 'UTC'
           end as s,
           case p_period
             when 'fixed' then p_ends
             when 'minute' then date_trunc('minute', p_now) + interval '1 minute'
             else (date_trunc(p_period, p_now at time zone 'UTC') + ('1 ' || p_period)::interval) at time zone 'UTC'
           end as e
  ) as t
$$;

-- The limit of (limit_id, metric) now, from the configuration rows: null when there is none (removed,
-- inactive, a fixed window not in force), so nothing can be leased. Never taken from the caller.
create or replace function public.switchboard_governance_limit(p_limit_id uuid, p_metric text, p_now timestamptz)
returns table (amount numeric, period_start timestamptz, period_end timestamptz)
language sql stable
set search_path = ''
as $$
  select floor(b.limit_usd * 1000000000000), p.period_start, p.period_end
    from public.ai_budgets b,
         lateral public.switchboard_governance_period(b.period, b.starts_at, b.ends_at, p_now) p
   where p_metric = 'usd_pico' and b.id = p_limit_id and b.is_active
     and p.period_start <= p_now and p_now < p.period_end
  union all
  select case p_metric when 'requests' then r.requests_per_minute::numeric else r.tokens_per_minute::numeric end, p.period_start, p.period_end
    from public.ai_rate_limits r,
         lateral public.switchboard_governance_period('minute', null, null, p_now) p
   where p_metric in ('requests', 'tokens') and r.id = p_limit_id and r.is_active
     and case p_metric when 'requests' then r.requests_per_minute else r.tokens_per_minute end is not null
$$;

-- Charges every expired lease whole (reserved, unreported and free room alike) and drops it, counters
-- locked in the fixed order. Returns how many leases expired.
create or replace function public.switchboard_governance_expire() returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  expired integer := 0;
  item record;
begin
  for item in
    select c.id as counter_id from public.ai_governance_counters c
     where exists (select 1 from public.ai_governance_leases l where l.counter_id = c.id and l.expires_at < now())
     order by c.limit_id, c.metric, c.period_start
       for update of c
  loop
    with gone as (
      delete from public.ai_governance_leases l where l.counter_id = item.counter_id and l.expires_at < now() returning l.amount
    )
    update public.ai_governance_counters c
       set spent = c.spent + coalesce((select sum(amount) from gone), 0),
           leased = greatest(0, c.leased - coalesce((select sum(amount) from gone), 0))
     where c.id = item.counter_id;
    expired := expired + 1;
  end loop;
  return expired;
end;
$$;

-- One lease exchange of one instance, for many counters, in one transaction. p_items is a JSON array of
--   {"limit_id": uuid, "metric": text, "lease_id": bigint|null, "consumed": int, "reserved": int,
--    "want": int, "need": int, "release": bool}
-- With lease_id: reports what the lease consumed since the last sync (charged to spent, taken off
-- the lease), the reservations in flight, and renews it; `release` (or a period that ended) returns
-- the rest. Without: opens a lease on the current period's counter. Each lease is then topped up
-- toward `want`, never past the limit: near the limit grants shrink to a quarter of what is left
-- (but at least `need` when that fits), so the last dollars are not stranded in one instance.
-- Returns one row per item with the lease and the counter as they are now.
create or replace function public.switchboard_governance_sync(p_instance text, p_ttl_ms integer, p_items jsonb)
returns table (
  limit_id uuid, metric text, lease_id bigint, amount numeric, spent numeric, leased numeric, limit_amount numeric,
  period_start timestamptz, period_end timestamptz, db_now timestamptz
)
language plpgsql security definer
set search_path = ''
as $$
declare
  item record;
  lim record;
  counter public.ai_governance_counters%rowtype;
  lease public.ai_governance_leases%rowtype;
  ttl interval := make_interval(secs => greatest(1, least(p_ttl_ms, 3600000)) / 1000.0);
  grant_amount numeric;
  room numeric;
  shortfall numeric;
begin
  if jsonb_typeof(p_items) <> 'array' or jsonb_array_length(p_items) > 1000 then
    raise exception 'switchboard_governance_sync: p_items must be an array of at most 1000 items' using errcode = 'invalid_parameter_value';
  end if;
  perform public.switchboard_governance_expire();
  for item in
    select (i->>'limit_id')::uuid as limit_id, i->>'metric' as metric, (i->>'lease_id')::bigint as lease_id,
           greatest(0, coalesce((i->>'consumed')::numeric, 0)) as consumed, greatest(0, coalesce((i->>'reserved')::numeric, 0)) as reserved,
           greatest(0, coalesce((i->>'want')::numeric, 0)) as want, greatest(0, coalesce((i->>'need')::numeric, 0)) as need,
           coalesce((i->>'release')::boolean, false) as release
      from jsonb_array_elements(p_items) as i
     order by 1, 2, 3 nulls last
  loop
    counter := null;
    lease := null;
    select * into lim from public.switchboard_governance_limit(item.limit_id, item.metric, now());
    if item.lease_id is not null then
      select l.* into lease from public.ai_governance_leases l where l.id = item.lease_id and l.instance_id = p_instance;
      if found then
        select c.* into counter from public.ai_governance_counters c where c.id = lease.counter_id for update;
        -- The lease row may have expired and been charged meanwhile (re-read under the counter lock).
        select l.* into lease from public.ai_governance_leases l where l.id = item.lease_id;
      end if;
      if lease.id is not null then
        -- Settled amounts are charged even past the limit (the documented overrun bound).
        update public.ai_governance_counters c set spent = c.spent + item.consumed,
               leased = greatest(0, c.leased - least(lease.amount, item.consumed))
         where c.id = counter.id returning * into counter;
        update public.ai_governance_leases l set amount = greatest(0, l.amount - item.consumed), reserved = item.reserved,
               expires_at = now() + ttl, updated_at = now()
         where l.id = lease.id returning * into lease;
        if item.release or counter.period_end <= now() or lim.amount is null then
          update public.ai_governance_counters c set leased = greatest(0, c.leased - lease.amount) where c.id = counter.id returning * into counter;
          delete from public.ai_governance_leases l where l.id = lease.id;
          lease := null;
        end if;
      else
        -- Expired and charged whole already: what it consumed is in spent.
        counter := null;
      end if;
    end if;
    -- Consumption reported without a lease (admitted unmetered while the store was unreachable,
    -- SWITCHBOARD_GOVERNANCE_FAIL=open) is charged to the current period. (A lease id that no
    -- longer exists expired and was charged whole: its consumption is in spent already.)
    if item.lease_id is null and item.consumed > 0 and lim.amount is not null then
      insert into public.ai_governance_counters (limit_id, metric, period_start, period_end)
        values (item.limit_id, item.metric, lim.period_start, lim.period_end)
        on conflict on constraint ai_governance_counters_limit_id_metric_period_start_key do nothing;
      update public.ai_governance_counters c set spent = c.spent + item.consumed
       where c.limit_id = item.limit_id and c.metric = item.metric and c.period_start = lim.period_start
       returning * into counter;
    end if;
    if lease.id is null and not item.release and lim.amount is not null and (item.want > 0 or item.need > 0) then
      insert into public.ai_governance_counters (limit_id, metric, period_start, period_end)
        values (item.limit_id, item.metric, lim.period_start, lim.period_end)
        on conflict on constraint ai_governance_counters_limit_id_metric_period_start_key do nothing;
      select c.* into counter from public.ai_governance_counters c
       where c.limit_id = item.limit_id and c.metric = item.metric and c.period_start = lim.period_start for update;
      insert into public.ai_governance_leases (counter_id, instance_id, expires_at)
        values (counter.id, p_instance, now() + ttl)
        on conflict (counter_id, instance_id) do update set expires_at = excluded.expires_at
        returning * into lease;
    end if;
    if lease.id is not null and lim.amount is not null and counter.period_start = lim.period_start then
      room := greatest(0, lim.amount - counter.spent - counter.leased);
      shortfall := greatest(0, item.need - lease.amount);
      grant_amount := greatest(0, item.want - lease.amount);
      if room < 4 * item.want then
        grant_amount := least(grant_amount, ceil(room / 4));
      end if;
      grant_amount := least(room, greatest(grant_amount, shortfall));
      -- The waiting request does not fit: grant nothing (the instance refuses it).
      if shortfall > room then grant_amount := 0; end if;
      if grant_amount > 0 then
        update public.ai_governance_leases l set amount = l.amount + grant_amount where l.id = lease.id returning * into lease;
        update public.ai_governance_counters c set leased = c.leased + grant_amount where c.id = counter.id returning * into counter;
      end if;
    end if;
    limit_id := item.limit_id;
    metric := item.metric;
    lease_id := lease.id;
    amount := coalesce(lease.amount, 0);
    spent := coalesce(counter.spent, 0);
    leased := coalesce(counter.leased, 0);
    limit_amount := lim.amount;
    period_start := coalesce(counter.period_start, lim.period_start);
    period_end := coalesce(counter.period_end, lim.period_end);
    db_now := now();
    return next;
  end loop;
end;
$$;

-- Model access for the gateway's in-memory snapshot (api_keys is RLS-scoped for the runtime role).
create or replace function public.switchboard_model_access()
returns table (project_id uuid, api_key_id uuid, allowed_models text[])
language sql stable security definer
set search_path = ''
as $$
  select p.id, null::uuid, p.allowed_models from public.projects p where p.allowed_models is not null
  union all
  select k.project_id, k.id, k.allowed_models from public.api_keys k where k.allowed_models is not null and k.revoked_at is null
$$;

-- Row-level security and grants -------------------------------------------------------------------
select public.switchboard_lock_down('public.ai_budgets');
select public.switchboard_lock_down('public.ai_rate_limits');
select public.switchboard_lock_down('public.ai_governance_counters');
select public.switchboard_lock_down('public.ai_governance_leases');

-- The gateway reads the limits into its snapshot; it writes counters and leases only through
-- switchboard_governance_sync(), which checks every amount against the configuration rows.
grant select on public.ai_budgets, public.ai_rate_limits to switchboard_runtime;
create policy budgets_runtime_select on public.ai_budgets
  for select to switchboard_runtime
  using (true);
create policy rate_limits_runtime_select on public.ai_rate_limits
  for select to switchboard_runtime
  using (true);

select public.switchboard_lock_down_functions();
grant execute on function public.switchboard_governance_sync(text, integer, jsonb) to switchboard_runtime;
grant execute on function public.switchboard_model_access() to switchboard_runtime;
