-- An empty answer a route fell back from (ledger status 200, error_code 'empty_answer') is not an
-- answer: the client got the next target's. The rollups counted it as a success of its arms, so a
-- request with an empty first attempt counted two successes (a success rate of 2 for the arm
-- assigned) and the arm served was credited an answer it never gave. The rollup trigger of
-- 20261206170000_usage_hourly_web_search_calls.sql, with those rows left out of `successes`,
-- `fallback_successes` and the success latency histogram.
create or replace function public.switchboard_rollup_usage() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.ai_usage_hourly as h (
    hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm, served_arm,
    requests, errors, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
    output_tokens, reasoning_tokens, web_search_calls, cost_usd, unpriced_requests,
    duration_ms_sum, overhead_ms_sum, upstream_ms_sum, ttft_ms_sum, ttft_count, duration_histogram, ttft_histogram,
    first_attempts, successes, fallback_successes, incomplete, success_duration_histogram
  )
  select hour, project_id, api_key_id, model_name, provider_name, endpoint, status_class, usage_source, route_name, arm, served_arm,
         count(*), count(*) filter (where status >= 400),
         sum(input_tokens), sum(cached_input_tokens), sum(cache_write_5m_tokens), sum(cache_write_1h_tokens),
         sum(output_tokens), sum(reasoning_tokens), sum(web_search_calls),
         coalesce(sum(cost_usd), 0), count(*) filter (where cost_usd is null),
         coalesce(sum(duration_ms), 0), coalesce(sum(overhead_ms), 0), coalesce(sum(upstream_ms), 0),
         coalesce(sum(ttft_ms), 0), count(ttft_ms),
         public.switchboard_latency_histogram(array_agg(duration_bucket)),
         public.switchboard_latency_histogram(array_agg(ttft_bucket)),
         count(*) filter (where attempt = 1),
         count(*) filter (where status < 400 and not incomplete and error_code is distinct from 'empty_answer'),
         count(*) filter (where status < 400 and not incomplete and error_code is distinct from 'empty_answer' and fallback),
         count(*) filter (where incomplete and status <> 499),
         public.switchboard_latency_histogram(array_agg(duration_bucket) filter (where status < 400 and not incomplete and error_code is distinct from 'empty_answer'))
    from (
      select d.*,
             -- = public.switchboard_latency_bucket(ms), inline.
             case when d.duration_ms is null then null when d.duration_ms <= 1 then 0 else least(80, ceil(4 * ln(d.duration_ms) / ln(2))::integer) end as duration_bucket,
             case when d.ttft_ms is null then null when d.ttft_ms <= 1 then 0 else least(80, ceil(4 * ln(d.ttft_ms) / ln(2))::integer) end as ttft_bucket
        from (
      select date_trunc('hour', n.started_at) as hour, n.project_id, n.api_key_id, n.model_name, n.provider_name,
             n.endpoint,
             case when n.status = 499 then '499' when n.status >= 500 then '5xx' when n.status >= 400 then '4xx' else '2xx' end
               as status_class,
             n.usage_source, n.route_name, n.arm, n.served_arm, n.status, n.error_code, n.attempt, n.incomplete, n.fallback,
             n.input_tokens, n.cached_input_tokens, n.cache_write_5m_tokens, n.cache_write_1h_tokens,
             n.output_tokens, n.reasoning_tokens, n.web_search_calls, n.cost_usd,
             date_part('epoch', n.ended_at - n.started_at) * 1000 as duration_ms,
             n.overhead_ms::double precision as overhead_ms, n.upstream_ms::double precision as upstream_ms,
             n.ttft_ms::double precision as ttft_ms
        from new_rows n
        ) as d
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
    web_search_calls = h.web_search_calls + excluded.web_search_calls,
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

select public.switchboard_lock_down_functions();
