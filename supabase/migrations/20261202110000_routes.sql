-- Routing as data (issue 11): a route is a public name clients send as `model`, with weighted
-- targets in priority tiers, retry and breaker settings; the health table shares circuit-breaker
-- transitions between instances; the ledger records which route, version, arm and target served
-- each attempt, and its hourly rollups carry what the per-arm comparison reads.

-- ai_routes --------------------------------------------------------------------------------------
create table public.ai_routes (
  id uuid primary key default gen_random_uuid(),
  -- The name clients send as `model`; the same charset as a model name and a header value.
  name text not null check (name ~ '^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$'),
  -- null = a global route; a project's own route of the same name wins for that project.
  project_id uuid references public.projects (id) on delete cascade,
  -- weighted: pick by weight within the best healthy tier (the only strategy today).
  strategy text not null default 'weighted' check (strategy in ('weighted')),
  -- Where the sticky key comes from: the request's `user` field, the `x-switchboard-sticky-key`
  -- header, either (the header wins), or none (weighted random on every request).
  sticky_key text not null default 'user_or_header' check (sticky_key in ('none', 'user', 'header', 'user_or_header')),
  -- Upstream attempts per request, across every target (each attempt is a ledger row).
  max_attempts integer not null default 3 check (max_attempts between 1 and 10),
  -- The whole request (every attempt and wait) must fit in this, in ms.
  deadline_ms integer not null default 60000 check (deadline_ms between 100 and 600000),
  -- After every candidate failed, try the list again this many times with full-jitter backoff.
  retries_per_target integer not null default 0 check (retries_per_target between 0 and 3),
  -- A 429's retry-after (or a vendor reset header) is waited for only when at most this long.
  max_retry_wait_ms integer not null default 2000 check (max_retry_wait_ms between 0 and 60000),
  -- The breaker of each (provider, model) the route uses; see docs/routing.md.
  breaker_failures integer not null default 5 check (breaker_failures between 1 and 1000),
  breaker_failure_rate real not null default 0.5 check (breaker_failure_rate > 0 and breaker_failure_rate <= 1),
  breaker_window integer not null default 20 check (breaker_window between 2 and 10000),
  breaker_cooldown_ms integer not null default 30000 check (breaker_cooldown_ms between 100 and 3600000),
  -- Bumped by every change of the route or its targets (sent as x-switchboard-route-version).
  version bigint not null default 1,
  is_active boolean not null default true,
  description text check (description is null or length(description) <= 1000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.ai_routes is
  'Routes: a public name clients send as `model`, served by weighted targets (ai_route_targets) in priority tiers with retries, fallbacks and circuit breakers. A project route wins over a global one of the same name; a route name shadows a model name.';

create unique index ai_routes_name_key on public.ai_routes (
  coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid), name
);

-- ai_route_targets -------------------------------------------------------------------------------
create table public.ai_route_targets (
  id uuid primary key default gen_random_uuid(),
  route_id uuid not null references public.ai_routes (id) on delete cascade,
  model_id uuid not null references public.ai_models (id) on delete cascade,
  -- The share within its tier; 0 drains the target (it is never picked, not even as a fallback).
  weight real not null default 1 check (weight >= 0 and weight <= 1000000),
  -- Lower tiers are tried first; a higher tier serves only when no target of a lower one is healthy.
  tier integer not null default 0 check (tier between 0 and 100),
  -- The experiment arm this target belongs to (default: the model's name).
  arm text check (arm is null or arm ~ '^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,63}$'),
  -- The error classes that may fall through to this target (see docs/routing.md: the retry table).
  -- context_length and content_policy are opt-in: only targets that list them take such a request.
  accepts text[] not null default array['connection', 'timeout', 'server_error', 'overloaded', 'rate_limited', 'auth', 'empty']
    check (accepts <@ array['connection', 'timeout', 'server_error', 'overloaded', 'rate_limited', 'auth', 'empty', 'context_length', 'content_policy']),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (route_id, model_id)
);
comment on table public.ai_route_targets is
  'The targets of a route: a model row with a weight (>= 0; 0 drains), a priority tier, an arm label and the error classes that may fall through to it.';

create index ai_route_targets_model_idx on public.ai_route_targets (model_id);

-- Every change of a route or its targets bumps the route's version: the snapshot loads a route with
-- its targets in one statement, so a change made in one transaction is served whole.
create or replace function public.switchboard_bump_route_version() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.version := old.version + 1;
  new.updated_at := now();
  return new;
end;
$$;

create trigger _100_bump_version before update on public.ai_routes
  for each row execute function public.switchboard_bump_route_version();

create or replace function public.switchboard_touch_route() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    update public.ai_routes set updated_at = now() where id in (select distinct route_id from old_rows);
  else
    update public.ai_routes set updated_at = now() where id in (select distinct route_id from new_rows);
  end if;
  return null;
end;
$$;

create trigger _500_touch_route_insert after insert on public.ai_route_targets
  referencing new table as new_rows for each statement execute function public.switchboard_touch_route();
create trigger _500_touch_route_update after update on public.ai_route_targets
  referencing new table as new_rows for each statement execute function public.switchboard_touch_route();
create trigger _500_touch_route_delete after delete on public.ai_route_targets
  referencing old table as old_rows for each statement execute function public.switchboard_touch_route();

create trigger _900_notify_config after insert or update or delete or truncate on public.ai_routes
  for each statement execute function public.switchboard_notify_config();
create trigger _900_notify_config after insert or update or delete or truncate on public.ai_route_targets
  for each statement execute function public.switchboard_notify_config();

-- ai_route_health ------------------------------------------------------------------------------
-- Circuit-breaker transitions of a (provider, model), shared by every instance: counts stay local,
-- an instance that opens or closes a breaker records it here (off the request path) and the config
-- feed tells the others.
create table public.ai_route_health (
  provider_id uuid not null references public.ai_providers (id) on delete cascade,
  vendor_model_id text not null check (length(vendor_model_id) <= 256),
  state text not null check (state in ('open', 'closed')),
  -- While open: when the cool-down ends (a probe may go through then).
  open_until timestamptz,
  reason text check (reason is null or length(reason) <= 200),
  changed_by text check (changed_by is null or length(changed_by) <= 100),
  changed_at timestamptz not null default now(),
  primary key (provider_id, vendor_model_id)
);
comment on table public.ai_route_health is
  'Shared circuit-breaker state per (provider, vendor model): open until open_until, or closed. Written by gateways through switchboard_report_route_health().';

create trigger _900_notify_config after insert or update or delete or truncate on public.ai_route_health
  for each statement execute function public.switchboard_notify_config();

-- The one write the runtime role may make: a breaker transition, with the cool-down capped at one
-- hour, so a stolen runtime connection can at worst hold a breaker open for an hour at a time.
create or replace function public.switchboard_report_route_health(
  target_provider uuid, target_model text, new_state text, cooldown_ms integer, why text, instance text
) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  if new_state not in ('open', 'closed') then
    raise exception 'state must be open or closed' using errcode = 'check_violation';
  end if;
  insert into public.ai_route_health as h (provider_id, vendor_model_id, state, open_until, reason, changed_by, changed_at)
  values (
    target_provider, left(target_model, 256), new_state,
    case when new_state = 'open' then now() + make_interval(secs => least(greatest(coalesce(cooldown_ms, 0), 0), 3600000) / 1000.0) end,
    left(why, 200), left(instance, 100), now()
  )
  on conflict (provider_id, vendor_model_id) do update
    set state = excluded.state, open_until = excluded.open_until, reason = excluded.reason,
        changed_by = excluded.changed_by, changed_at = excluded.changed_at;
end;
$$;

-- The ledger: which route version, which target's arm served the attempt, and whether it was a fallback.
alter table public.ai_usage add column route_version bigint;
alter table public.ai_usage add column served_arm text;
alter table public.ai_usage add column fallback boolean not null default false;
comment on column public.ai_usage.arm is 'The arm the request was assigned (its first attempt''s target), on every attempt of a routed request.';
comment on column public.ai_usage.served_arm is 'The arm of the target this attempt called.';
comment on column public.ai_usage.fallback is 'This attempt called another target than the first attempt did.';

alter table public.ai_usage_hourly add column served_arm text;
alter table public.ai_usage_hourly add column first_attempts bigint not null default 0;
alter table public.ai_usage_hourly add column successes bigint not null default 0;
alter table public.ai_usage_hourly add column fallback_successes bigint not null default 0;
alter table public.ai_usage_hourly add column incomplete bigint not null default 0;
alter table public.ai_usage_hourly add column success_duration_histogram bigint[];

drop index public.ai_usage_hourly_key;
create unique index ai_usage_hourly_key on public.ai_usage_hourly (
  hour,
  coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid),
  coalesce(api_key_id, '00000000-0000-0000-0000-000000000000'::uuid),
  coalesce(model_name, ''), coalesce(provider_name, ''), endpoint, status_class, usage_source,
  coalesce(route_name, ''), coalesce(arm, ''), coalesce(served_arm, '')
);

create or replace function public.switchboard_rollup_usage() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.ai_usage_hourly as h (
    hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm, served_arm,
    requests, errors, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
    output_tokens, reasoning_tokens, cost_usd, unpriced_requests,
    duration_ms_sum, overhead_ms_sum, upstream_ms_sum, ttft_ms_sum, ttft_count, duration_histogram, ttft_histogram,
    first_attempts, successes, fallback_successes, incomplete, success_duration_histogram
  )
  select hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm, served_arm,
         count(*), count(*) filter (where status >= 400),
         sum(input_tokens), sum(cached_input_tokens), sum(cache_write_5m_tokens), sum(cache_write_1h_tokens),
         sum(output_tokens), sum(reasoning_tokens),
         coalesce(sum(cost_usd), 0), count(*) filter (where cost_usd is null),
         coalesce(sum(duration_ms), 0), coalesce(sum(overhead_ms), 0), coalesce(sum(upstream_ms), 0),
         coalesce(sum(ttft_ms), 0), count(ttft_ms),
         public.switchboard_latency_histogram(array_agg(public.switchboard_latency_bucket(duration_ms))),
         public.switchboard_latency_histogram(array_agg(public.switchboard_latency_bucket(ttft_ms))),
         count(*) filter (where attempt = 1),
         count(*) filter (where status < 400 and not incomplete),
         count(*) filter (where status < 400 and not incomplete and fallback),
         count(*) filter (where incomplete and status <> 499),
         public.switchboard_latency_histogram(array_agg(public.switchboard_latency_bucket(duration_ms)) filter (where status < 400 and not incomplete))
    from (
      select date_trunc('hour', n.started_at) as hour, n.project_id, n.api_key_id, n.model_name, n.provider_name,
             n.endpoint,
             case when n.status = 499 then '499' when n.status >= 500 then '5xx' when n.status >= 400 then '4xx' else '2xx' end
               as status_class,
             n.usage_source, n.route_name, n.arm, n.served_arm, n.status, n.attempt, n.incomplete, n.fallback,
             n.input_tokens, n.cached_input_tokens, n.cache_write_5m_tokens, n.cache_write_1h_tokens,
             n.output_tokens, n.reasoning_tokens, n.cost_usd,
             extract(epoch from (n.ended_at - n.started_at))::double precision * 1000 as duration_ms,
             n.overhead_ms::double precision as overhead_ms, n.upstream_ms::double precision as upstream_ms,
             n.ttft_ms::double precision as ttft_ms
        from new_rows n
    ) as r
   group by hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm, served_arm
   -- A stable order keeps concurrent writers from deadlocking on the same rollup rows.
   order by hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm, served_arm
  on conflict (
    hour,
    coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid),
    coalesce(api_key_id, '00000000-0000-0000-0000-000000000000'::uuid),
    coalesce(model_name, ''), coalesce(provider_name, ''), endpoint, status_class, usage_source,
    coalesce(route_name, ''), coalesce(arm, ''), coalesce(served_arm, '')
  ) do update set
    requests = h.requests + excluded.requests,
    errors = h.errors + excluded.errors,
    input_tokens = h.input_tokens + excluded.input_tokens,
    cached_input_tokens = h.cached_input_tokens + excluded.cached_input_tokens,
    cache_write_5m_tokens = h.cache_write_5m_tokens + excluded.cache_write_5m_tokens,
    cache_write_1h_tokens = h.cache_write_1h_tokens + excluded.cache_write_1h_tokens,
    output_tokens = h.output_tokens + excluded.output_tokens,
    reasoning_tokens = h.reasoning_tokens + excluded.reasoning_tokens,
    cost_usd = h.cost_usd + excluded.cost_usd,
    unpriced_requests = h.unpriced_requests + excluded.unpriced_requests,
    duration_ms_sum = h.duration_ms_sum + excluded.duration_ms_sum,
    overhead_ms_sum = h.overhead_ms_sum + excluded.overhead_ms_sum,
    upstream_ms_sum = h.upstream_ms_sum + excluded.upstream_ms_sum,
    ttft_ms_sum = h.ttft_ms_sum + excluded.ttft_ms_sum,
    ttft_count = h.ttft_count + excluded.ttft_count,
    duration_histogram = public.switchboard_add_histograms(h.duration_histogram, excluded.duration_histogram),
    ttft_histogram = public.switchboard_add_histograms(h.ttft_histogram, excluded.ttft_histogram),
    first_attempts = h.first_attempts + excluded.first_attempts,
    successes = h.successes + excluded.successes,
    fallback_successes = h.fallback_successes + excluded.fallback_successes,
    incomplete = h.incomplete + excluded.incomplete,
    success_duration_histogram = public.switchboard_add_histograms(
      coalesce(h.success_duration_histogram, array_fill(0::bigint, array[81])), excluded.success_duration_histogram),
    updated_at = now();
  return null;
end;
$$;

-- Row-level security -----------------------------------------------------------------------------
-- The gateway reads every route (global and per project) into its snapshot, like models; it never
-- writes routes. Health rows it reads, and writes only through switchboard_report_route_health().
grant select on public.ai_routes, public.ai_route_targets, public.ai_route_health to switchboard_runtime;
create policy routes_runtime_select on public.ai_routes for select to switchboard_runtime using (true);
create policy route_targets_runtime_select on public.ai_route_targets for select to switchboard_runtime using (true);
create policy route_health_runtime_select on public.ai_route_health for select to switchboard_runtime using (true);

select public.switchboard_lock_down('public.ai_routes');
select public.switchboard_lock_down('public.ai_route_targets');
select public.switchboard_lock_down('public.ai_route_health');
select public.switchboard_lock_down_functions();
grant execute on function public.switchboard_report_route_health(uuid, text, text, integer, text, text) to switchboard_runtime;
