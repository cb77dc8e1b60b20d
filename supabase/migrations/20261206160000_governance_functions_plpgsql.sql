-- The limit and period helpers of switchboard_governance_sync() become PL/pgSQL, with the same
-- signatures, results and privileges. As SQL functions with `set search_path` they could not be
-- inlined and were parsed and planned again on every call: about 2 ms per item of an exchange, so
-- an exchange of 1,000 counters (an instance's first call under 1,000 budgets and limits) took 2 s.
-- PL/pgSQL keeps its plans for the session (measured on Postgres 15, 1,000 items: 0.6-2.2 s before,
-- 0.13-0.42 s after). The limit's two branches are separate queries now, so each plan reads one
-- table.

create or replace function public.switchboard_governance_period(p_period text, p_starts timestamptz, p_ends timestamptz, p_now timestamptz)
returns table (period_start timestamptz, period_end timestamptz)
language plpgsql immutable
set search_path = ''
as $$
begin
  case p_period
    when 'fixed' then
      period_start := p_starts;
      period_end := p_ends;
    when 'minute' then
      period_start := date_trunc('minute', p_now);
      period_end := date_trunc('minute', p_now) + interval '1 minute';
    else
      period_start := date_trunc(p_period, p_now at time zone 'UTC') at time zone 'UTC';
      period_end := (date_trunc(p_period, p_now at time zone 'UTC') + ('1 ' || p_period)::interval) at time zone 'UTC';
  end case;
  return next;
end;
$$;

-- The limit of (limit_id, metric) now, from the configuration rows: null when there is none (removed,
-- inactive, a fixed window not in force), so nothing can be leased. Never taken from the caller.
create or replace function public.switchboard_governance_limit(p_limit_id uuid, p_metric text, p_now timestamptz)
returns table (amount numeric, period_start timestamptz, period_end timestamptz)
language plpgsql stable
set search_path = ''
as $$
begin
  if p_metric = 'usd_pico' then
    return query
    select floor(b.limit_usd * 1000000000000), p.period_start, p.period_end
      from public.ai_budgets b,
           lateral public.switchboard_governance_period(b.period, b.starts_at, b.ends_at, p_now) p
     where b.id = p_limit_id and b.is_active
       and p.period_start <= p_now and p_now < p.period_end;
  elsif p_metric in ('requests', 'tokens') then
    return query
    select case p_metric when 'requests' then r.requests_per_minute::numeric else r.tokens_per_minute::numeric end, p.period_start, p.period_end
      from public.ai_rate_limits r,
           lateral public.switchboard_governance_period('minute', null, null, p_now) p
     where r.id = p_limit_id and r.is_active
       and case p_metric when 'requests' then r.requests_per_minute else r.tokens_per_minute end is not null;
  end if;
end;
$$;

select public.switchboard_lock_down_functions();
