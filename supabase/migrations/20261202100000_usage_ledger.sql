-- The usage ledger: an append-only price history (effective-dated, so a price change never rewrites
-- the cost of earlier requests and can be scheduled ahead), one ledger row per upstream attempt with
-- usage in disjoint token buckets and an exact cost, and hourly rollups maintained incrementally so
-- reports never scan the detail rows.
--
-- Money is never a float: prices are USD per million tokens, costs are numeric(30,12) computed by
-- the gateway with integer arithmetic; the rollups sum numeric, so sum(rows) = every report.

-- ai_price_history -----------------------------------------------------------------------------
create table public.ai_price_history (
  id bigint generated always as identity primary key,
  -- No foreign keys: the history outlives a deleted provider or model (ledger rows point here).
  provider_id uuid,
  model_id uuid,
  -- Unchecked like the pricing columns it copies: the snapshot loader skips a malformed price.
  pricing jsonb not null default '{}'::jsonb,
  effective_from timestamptz not null default now(),
  recorded_at timestamptz not null default now(),
  source text not null default 'sql' check (source in ('trigger', 'admin', 'sql', 'seed')),
  check ((provider_id is null) <> (model_id is null))
);
comment on table public.ai_price_history is
  'Append-only history of provider and model pricing (USD per million tokens). The row in force for a request is the latest with effective_from <= its start; insert a row with a future effective_from to schedule a change.';

create index ai_price_history_provider_idx on public.ai_price_history (provider_id, effective_from) where provider_id is not null;
create index ai_price_history_model_idx on public.ai_price_history (model_id, effective_from) where model_id is not null;

-- Rows are never updated or deleted: ledger rows point at them and their cost depends on them.
create or replace function public.switchboard_refuse_price_history_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'ai_price_history is append-only: insert a new row (with a future effective_from to schedule a change)'
    using errcode = 'restrict_violation';
end;
$$;

create trigger _100_append_only before update or delete on public.ai_price_history
  for each row execute function public.switchboard_refuse_price_history_change();
create trigger _100_append_only_truncate before truncate on public.ai_price_history
  for each statement execute function public.switchboard_refuse_price_history_change();

-- Every instance keeps the price history in its in-memory snapshot: a row inserted directly (a
-- scheduled change) notifies the config feed. Rows appended by the ai_providers/ai_models triggers
-- below (trigger depth > 1) do not: the write to those tables notifies already, once per statement.
create or replace function public.switchboard_notify_price_history() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  new_version bigint;
begin
  if pg_trigger_depth() > 1 then
    return null;
  end if;
  update public.switchboard_config_version set version = version + 1 where id returning version into new_version;
  perform pg_notify('switchboard_config', json_build_object('version', new_version, 'table', tg_table_name)::text);
  return null;
end;
$$;

create trigger _900_notify_config after insert on public.ai_price_history
  for each statement execute function public.switchboard_notify_price_history();

-- Editing ai_providers.pricing / ai_models.pricing (the editable current price) appends a history
-- row effective at once; inserting a provider or model records its first price.
create or replace function public.switchboard_record_price() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'ai_models' then
    insert into public.ai_price_history (model_id, pricing, source) values (new.id, new.pricing, 'trigger');
  else
    insert into public.ai_price_history (provider_id, pricing, source) values (new.id, new.pricing, 'trigger');
  end if;
  return null;
end;
$$;

create trigger _500_record_price after insert on public.ai_providers
  for each row execute function public.switchboard_record_price();
create trigger _500_record_price_update after update of pricing on public.ai_providers
  for each row when (old.pricing is distinct from new.pricing) execute function public.switchboard_record_price();
create trigger _500_record_price after insert on public.ai_models
  for each row execute function public.switchboard_record_price();
create trigger _500_record_price_update after update of pricing on public.ai_models
  for each row when (old.pricing is distinct from new.pricing) execute function public.switchboard_record_price();

-- The rows that exist now get their history: their current price, in force since they were created.
insert into public.ai_price_history (provider_id, pricing, effective_from, source)
  select id, pricing, least(created_at, now()), 'seed' from public.ai_providers;
insert into public.ai_price_history (model_id, pricing, effective_from, source)
  select id, pricing, least(created_at, now()), 'seed' from public.ai_models;

-- ai_usage -------------------------------------------------------------------------------------
create table public.ai_usage (
  id bigint generated always as identity primary key,
  request_id text not null,
  attempt integer not null default 1 check (attempt >= 1),
  started_at timestamptz not null,
  ended_at timestamptz not null,
  -- No foreign keys to projects, keys, models or providers: ledger rows outlive deleted rows.
  project_id uuid,
  api_key_id uuid,
  requested_model text not null,
  model_id uuid,
  model_name text,
  provider_id uuid,
  provider_name text,
  vendor_model_id text,
  endpoint text not null,
  streamed boolean not null default false,
  status integer not null,
  error_code text,
  incomplete boolean not null default false,
  route_name text,
  arm text,
  overhead_ms real not null default 0,
  upstream_ms real,
  ttft_ms real,
  -- Disjoint token buckets: every token is in exactly one, so each is priced once.
  input_tokens bigint not null default 0 check (input_tokens >= 0),
  cached_input_tokens bigint not null default 0 check (cached_input_tokens >= 0),
  cache_write_5m_tokens bigint not null default 0 check (cache_write_5m_tokens >= 0),
  cache_write_1h_tokens bigint not null default 0 check (cache_write_1h_tokens >= 0),
  output_tokens bigint not null default 0 check (output_tokens >= 0),
  reasoning_tokens bigint not null default 0 check (reasoning_tokens >= 0),
  usage_source text not null check (usage_source in ('provider', 'estimated', 'none')),
  raw_usage jsonb,
  -- The model's and the provider's price rows in force at started_at (the model's keys win).
  price_id bigint references public.ai_price_history (id),
  provider_price_id bigint references public.ai_price_history (id),
  -- null = no price known (never 0 for an unknown price).
  cost_usd numeric(30, 12),
  unique (request_id, attempt)
);
comment on table public.ai_usage is
  'The usage ledger: one row per upstream attempt with its timing, status, usage in disjoint token buckets (uncached input, cached input, cache writes 5m/1h, text output, reasoning), where the usage came from, the price rows used and the exact cost in USD.';

create index ai_usage_project_started_idx on public.ai_usage (project_id, started_at);
create index ai_usage_started_idx on public.ai_usage (started_at);

-- ai_usage_hourly ------------------------------------------------------------------------------
-- Latency histograms: int8[81], bucket b (0-based) counts durations d with
--   2^((b-1)/4) ms < d <= 2^(b/4) ms   (bucket 0: d <= 1 ms; bucket 80: d > 2^(79/4) ms, about 14.7 min)
-- so a percentile read from a rollup is exact to within one bucket (a factor 2^(1/4), about 19%).
create or replace function public.switchboard_latency_bucket(ms double precision) returns integer
language sql immutable
set search_path = ''
as $$
  select case
    when ms is null then null
    when ms <= 1 then 0
    else least(80, ceil(4 * ln(ms) / ln(2))::integer)
  end
$$;

-- A histogram (int8[81]) of bucket indexes; nulls are not counted.
create or replace function public.switchboard_latency_histogram(buckets integer[]) returns bigint[]
language sql immutable
set search_path = ''
as $$
  select array_agg(coalesce(counts.n, 0)::bigint order by b.i)
    from generate_series(0, 80) as b(i)
    left join (select x, count(*) as n from unnest(buckets) as x where x is not null group by x) as counts on counts.x = b.i
$$;

-- Element-wise sum of two histograms.
create or replace function public.switchboard_add_histograms(a bigint[], b bigint[]) returns bigint[]
language sql immutable
set search_path = ''
as $$
  select array_agg(coalesce(x, 0) + coalesce(y, 0) order by i)
    from unnest(a, b) with ordinality as t(x, y, i)
$$;

create table public.ai_usage_hourly (
  hour timestamptz not null,
  project_id uuid,
  api_key_id uuid,
  model_name text,
  provider_name text,
  endpoint text not null,
  status_class text not null check (status_class in ('2xx', '4xx', '5xx', '499')),
  usage_source text not null,
  route_name text,
  arm text,
  requests bigint not null default 0,
  errors bigint not null default 0,
  input_tokens bigint not null default 0,
  cached_input_tokens bigint not null default 0,
  cache_write_5m_tokens bigint not null default 0,
  cache_write_1h_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  reasoning_tokens bigint not null default 0,
  -- Sum of the known costs; requests with an unknown price are counted in unpriced_requests.
  cost_usd numeric(30, 12) not null default 0,
  unpriced_requests bigint not null default 0,
  duration_ms_sum double precision not null default 0,
  overhead_ms_sum double precision not null default 0,
  upstream_ms_sum double precision not null default 0,
  ttft_ms_sum double precision not null default 0,
  ttft_count bigint not null default 0,
  duration_histogram bigint[] not null,
  ttft_histogram bigint[] not null,
  updated_at timestamptz not null default now()
);
comment on table public.ai_usage_hourly is
  'Hourly rollups of ai_usage by project, key, model, provider, endpoint, status class, usage source, route and arm, maintained by a trigger on every ledger insert. Latency histograms: see public.switchboard_latency_bucket.';

-- Null dimensions (a library call without project, an error before a model resolved) group together.
create unique index ai_usage_hourly_key on public.ai_usage_hourly (
  hour,
  coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid),
  coalesce(api_key_id, '00000000-0000-0000-0000-000000000000'::uuid),
  coalesce(model_name, ''), coalesce(provider_name, ''), endpoint, status_class, usage_source,
  coalesce(route_name, ''), coalesce(arm, '')
);
create index ai_usage_hourly_project_hour_idx on public.ai_usage_hourly (project_id, hour);

-- One statement-level trigger per ledger insert: the batched writer's multi-row insert becomes one
-- upsert per (hour, dimensions) group. Security definer: the runtime role never writes rollups itself.
create or replace function public.switchboard_rollup_usage() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.ai_usage_hourly as h (
    hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm,
    requests, errors, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
    output_tokens, reasoning_tokens, cost_usd, unpriced_requests,
    duration_ms_sum, overhead_ms_sum, upstream_ms_sum, ttft_ms_sum, ttft_count, duration_histogram, ttft_histogram
  )
  select hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm,
         count(*), count(*) filter (where status >= 400),
         sum(input_tokens), sum(cached_input_tokens), sum(cache_write_5m_tokens), sum(cache_write_1h_tokens),
         sum(output_tokens), sum(reasoning_tokens),
         coalesce(sum(cost_usd), 0), count(*) filter (where cost_usd is null),
         coalesce(sum(duration_ms), 0), coalesce(sum(overhead_ms), 0), coalesce(sum(upstream_ms), 0),
         coalesce(sum(ttft_ms), 0), count(ttft_ms),
         public.switchboard_latency_histogram(array_agg(public.switchboard_latency_bucket(duration_ms))),
         public.switchboard_latency_histogram(array_agg(public.switchboard_latency_bucket(ttft_ms)))
    from (
      select date_trunc('hour', n.started_at) as hour, n.project_id, n.api_key_id, n.model_name, n.provider_name,
             n.endpoint,
             case when n.status = 499 then '499' when n.status >= 500 then '5xx' when n.status >= 400 then '4xx' else '2xx' end
               as status_class,
             n.usage_source, n.route_name, n.arm, n.status,
             n.input_tokens, n.cached_input_tokens, n.cache_write_5m_tokens, n.cache_write_1h_tokens,
             n.output_tokens, n.reasoning_tokens, n.cost_usd,
             extract(epoch from (n.ended_at - n.started_at))::double precision * 1000 as duration_ms,
             n.overhead_ms::double precision as overhead_ms, n.upstream_ms::double precision as upstream_ms,
             n.ttft_ms::double precision as ttft_ms
        from new_rows n
    ) as r
   group by hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm
   -- A stable order keeps concurrent writers from deadlocking on the same rollup rows.
   order by hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm
  on conflict (
    hour,
    coalesce(project_id, '00000000-0000-0000-0000-000000000000'::uuid),
    coalesce(api_key_id, '00000000-0000-0000-0000-000000000000'::uuid),
    coalesce(model_name, ''), coalesce(provider_name, ''), endpoint, status_class, usage_source,
    coalesce(route_name, ''), coalesce(arm, '')
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
    updated_at = now();
  return null;
end;
$$;

create trigger _500_rollup after insert on public.ai_usage
  referencing new table as new_rows
  for each statement execute function public.switchboard_rollup_usage();

-- Row-level security -----------------------------------------------------------------------------
-- Ledger rows and rollups: per project, forced, like ai_provider_credentials. The runtime role
-- (the gateway's batched writer) inserts rows of every project it serves, and reads only the
-- project its transaction declares. The migration owner (admin) bypasses RLS as today.
alter table public.ai_usage enable row level security;
alter table public.ai_usage force row level security;
alter table public.ai_usage_hourly enable row level security;
alter table public.ai_usage_hourly force row level security;
alter table public.ai_price_history enable row level security;

grant select, insert on public.ai_usage to switchboard_runtime;
grant select on public.ai_usage_hourly, public.ai_price_history to switchboard_runtime;

create policy usage_runtime_select on public.ai_usage
  for select to switchboard_runtime
  using (project_id = (select public.switchboard_current_project()));
-- The gateway serves every project; its writer records rows of all of them in one insert.
create policy usage_runtime_insert on public.ai_usage
  for insert to switchboard_runtime
  with check (true);
create policy usage_hourly_runtime_select on public.ai_usage_hourly
  for select to switchboard_runtime
  using (project_id = (select public.switchboard_current_project()));
-- Prices carry no tenant data: the runtime role loads the whole history into its snapshot.
create policy price_history_runtime_select on public.ai_price_history
  for select to switchboard_runtime
  using (true);

-- Supabase: the API roles get nothing on the ledger (tables, their identity sequences, functions);
-- see 20261202090000_harden_roles.sql.
select public.switchboard_lock_down('public.ai_usage', true);
select public.switchboard_lock_down('public.ai_usage_hourly', true);
select public.switchboard_lock_down('public.ai_price_history');
select public.switchboard_lock_down_functions();
