-- Reports without a lease made idempotent: consumption reported without a lease (calls admitted
-- unmetered before any lease, SWITCHBOARD_GOVERNANCE_FAIL=open, and the overdraft an instance
-- reports apart past a lease that may have expired) had no lease row to keep its running total, so
-- after a lost reply the instance reported it again and it was charged twice. An item may now
-- carry `reported_unleased`, its holder's running total of consumption reported without a lease,
-- this report included; `ai_governance_unleased_reports` keeps, per limit, metric and holder, what
-- was charged so far, and only what the total adds to it is charged (never more than the item's
-- `consumed`). A record lives one day past its last report (expired records are deleted, a few per
-- exchange, at the end of exchanges); past that a report is charged its `consumed`, as before. An
-- item without it (an older gateway during a rolling upgrade) is charged its `consumed`, as before.
-- Same signature, results and privileges.
-- Items: {"limit_id", "metric", "lease_id", "consumed", "reported", "reported_unleased", "reserved", "want", "need", "release", "holder"}.
create table public.ai_governance_unleased_reports (
  limit_id uuid not null,
  metric text not null check (metric in ('usd_pico', 'requests', 'tokens')),
  -- `<instance>/<holder>`, as a lease row's instance_id.
  holder text not null check (length(holder) <= 100),
  -- Consumption without a lease charged so far for this holder (its running total).
  reported numeric(38, 0) not null default 0,
  expires_at timestamptz not null,
  primary key (limit_id, metric, holder)
);
comment on table public.ai_governance_unleased_reports is
  'Per limit, metric and lease holder: consumption reported without a lease charged so far, so that a report resent after a lost reply is charged once. Kept a day past the last report. Written only by switchboard_governance_sync().';
create index ai_governance_unleased_reports_expires_idx on public.ai_governance_unleased_reports (expires_at);
select public.switchboard_lock_down('public.ai_governance_unleased_reports');

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
  holder text;
  fresh numeric;
  prior numeric;
  -- The holder in statements on ai_governance_unleased_reports, whose column of that name would make it ambiguous.
  report_holder text;
begin
  if jsonb_typeof(p_items) <> 'array' or jsonb_array_length(p_items) > 1000 then
    raise exception 'switchboard_governance_sync: p_items must be an array of at most 1000 items' using errcode = 'invalid_parameter_value';
  end if;
  perform public.switchboard_governance_expire();
  for item in
    select (i->>'limit_id')::uuid as limit_id, i->>'metric' as metric, (i->>'lease_id')::bigint as lease_id,
           greatest(0, coalesce((i->>'consumed')::numeric, 0)) as consumed, greatest(0, coalesce((i->>'reserved')::numeric, 0)) as reserved,
           greatest(0, coalesce((i->>'want')::numeric, 0)) as want, greatest(0, coalesce((i->>'need')::numeric, 0)) as need,
           coalesce((i->>'release')::boolean, false) as release, i->>'holder' as holder, (i->>'reported')::numeric as reported,
           (i->>'reported_unleased')::numeric as reported_unleased
      from jsonb_array_elements(p_items) as i
     order by 1, 2, 3 nulls last
  loop
    counter := null;
    lease := null;
    holder := p_instance;
    if item.holder is not null then
      if item.holder !~ '^[0-9a-z]{1,13}$' or length(p_instance) > 86 then
        raise exception 'switchboard_governance_sync: a holder is 1 to 13 characters [0-9a-z] and the instance id at most 86 characters' using errcode = 'invalid_parameter_value';
      end if;
      holder := p_instance || '/' || item.holder;
    end if;
    select * into lim from public.switchboard_governance_limit(item.limit_id, item.metric, now());
    if item.lease_id is not null then
      select l.* into lease from public.ai_governance_leases l where l.id = item.lease_id and l.instance_id = holder;
      if found then
        select c.* into counter from public.ai_governance_counters c where c.id = lease.counter_id for update;
        -- The lease row may have expired and been charged meanwhile (re-read under the counter lock).
        select l.* into lease from public.ai_governance_leases l where l.id = item.lease_id;
      end if;
      if lease.id is not null then
        -- What the report adds to what the lease was charged already (a report resent after a lost reply).
        fresh := item.consumed;
        if item.reported is not null then
          fresh := least(item.consumed, greatest(0, item.reported - lease.reported));
        end if;
        -- Settled amounts are charged even past the limit (the documented overrun bound).
        update public.ai_governance_counters c set spent = c.spent + fresh,
               leased = greatest(0, c.leased - least(lease.amount, fresh))
         where c.id = counter.id returning * into counter;
        update public.ai_governance_leases l set amount = greatest(0, l.amount - fresh), reported = l.reported + fresh,
               reserved = item.reserved, expires_at = now() + ttl, updated_at = now()
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
      fresh := item.consumed;
      if item.reported_unleased is not null then
        report_holder := holder;
        -- What the holder's running total adds to what was charged already (a report resent after a
        -- lost reply); a record past its lifetime counts as none.
        select r.reported into prior from public.ai_governance_unleased_reports r
         where r.limit_id = item.limit_id and r.metric = item.metric and r.holder = report_holder and r.expires_at >= now();
        if found then
          fresh := least(item.consumed, greatest(0, item.reported_unleased - prior));
        end if;
        insert into public.ai_governance_unleased_reports as r (limit_id, metric, holder, reported, expires_at)
          values (item.limit_id, item.metric, report_holder, item.reported_unleased, now() + interval '1 day')
          on conflict on constraint ai_governance_unleased_reports_pkey do update
            set reported = case when r.expires_at >= now() then greatest(r.reported, excluded.reported) else excluded.reported end,
                expires_at = excluded.expires_at;
      end if;
      insert into public.ai_governance_counters (limit_id, metric, period_start, period_end)
        values (item.limit_id, item.metric, lim.period_start, lim.period_end)
        on conflict on constraint ai_governance_counters_limit_id_metric_period_start_key do nothing;
      update public.ai_governance_counters c set spent = c.spent + fresh
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
        values (counter.id, holder, now() + ttl)
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
  -- A few expired records of reports without a lease, last (after the counters are locked, never
  -- waiting: a record another exchange holds is left to a later one).
  delete from public.ai_governance_unleased_reports r
   where (r.limit_id, r.metric, r.holder) in (
     select e.limit_id, e.metric, e.holder from public.ai_governance_unleased_reports e
      where e.expires_at < now() order by e.expires_at limit 100 for update skip locked);
end;
$$;

select public.switchboard_lock_down_functions();
grant execute on function public.switchboard_governance_sync(text, integer, jsonb) to switchboard_runtime;
