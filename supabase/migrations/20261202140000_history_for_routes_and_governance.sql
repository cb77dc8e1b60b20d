-- The configuration history (20261202130000) covers the routing and governance tables too, and the
-- api_keys columns that governance added (the allow-list and the label). Routes' breaker health
-- (ai_route_health) and the governance counters and leases are state, not configuration: not kept.
select public.switchboard_track_history('public.ai_routes');
select public.switchboard_track_history('public.ai_route_targets');
select public.switchboard_track_history('public.ai_budgets');
select public.switchboard_track_history('public.ai_rate_limits');
-- Still no key hash.
select public.switchboard_track_history('public.api_keys', 'id',
  array['id', 'project_id', 'name', 'prefix', 'created_at', 'revoked_at', 'expires_at', 'allowed_models', 'label']);

select public.switchboard_lock_down_functions();
