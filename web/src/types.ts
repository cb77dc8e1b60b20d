/** Shapes of the admin API answers the pages read (docs/admin-api.md, docs/dashboard-api.md). */
export type Row = Record<string, unknown>;

export interface Provider extends Row {
  id: string;
  name: string;
  display_name: string | null;
  provider_class: string;
  api_base_url: string | null;
  required_env_vars: string[];
  is_active: boolean;
  is_builtin: boolean;
  status?: string;
  unavailable_reason?: string | null;
}

export interface Model extends Row {
  id: string;
  name: string;
  display_name: string | null;
  provider: string;
  model_id: string;
  context_window: number | null;
  max_tokens: number | null;
  pricing: unknown;
  features: unknown;
  is_active: boolean;
  status?: string;
  unavailable_reason?: string | null;
}

export interface Status {
  config_version: number | string;
  instance_id: string;
  loaded: { providers: number; models: number; keys: number };
  load_errors: { table: string; row_id: string; name: string; reason: string }[];
}

export interface Instance {
  id: string;
  hostname: string;
  pid: number;
  started_at: string;
  config_version: number | string;
  applied_at: string | null;
  last_seen: string;
  apply_lag_ms: number | null;
  alive: boolean;
}

export interface SeriesPoint {
  t: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  /** Server-side web searches billed per search (their price is in cost_usd). */
  web_search_calls: number;
  cost_usd: string;
  p95_ms: number | null;
}

export interface Series {
  bucket: 'hour' | 'day';
  tz: string;
  points: SeriesPoint[];
}

export interface UsageRequest {
  id: string;
  request_id: string;
  attempt: number;
  started_at: string;
  project_id: string | null;
  api_key_id: string | null;
  requested_model: string;
  model_name: string | null;
  provider_name: string | null;
  route_name: string | null;
  arm: string | null;
  status: number;
  error_code: string | null;
  streamed: boolean;
  input_tokens: number;
  output_tokens: number;
  web_search_calls: number;
  cost_usd: string | null;
  usage_source: string;
  duration_ms: number;
}

export interface Page<T> {
  data: T[];
  next_before: string | number | null;
}

export interface HistoryEntry {
  id: number | string;
  changed_at: string;
  table: string;
  row_id: string;
  op: 'insert' | 'update' | 'delete';
  actor: string;
  db_user: string;
  before: Row | null;
  after: Row | null;
}

export interface Project extends Row {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiKey extends Row {
  id: string;
  project: string;
  name: string | null;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  expires_at: string | null;
}

export interface Credential extends Row {
  project: string;
  provider: string;
  key_hint: string | null;
  fingerprint?: string | null;
  updated_at: string;
}

/** `GET /routes` (docs/routing.md). */
export interface RouteTarget {
  model: string;
  weight: number;
  tier: number;
  arm: string;
  available?: boolean;
  reason?: string | null;
}

export interface RouteRow {
  id: string;
  name: string;
  project: string | null;
  strategy: string;
  sticky_key: string;
  max_attempts: number;
  version: number;
  is_active: boolean;
  targets: RouteTarget[];
}

/** `GET /routing/status`: this instance's view of the breakers. */
export interface RoutingStatus {
  routes: { id: string; name: string; project_id: string | null; version: number; targets: { model: string; arm: string; breaker: string; open_until?: string | null }[] }[];
}

/** `POST /routes/{name}/explain` */
export interface RouteExplanation {
  route: string;
  version: number;
  sticky_key_source: string;
  sticky_key: string | null;
  pick: { model: string; arm: string; tier: number } | null;
  order: string[];
  reason: string;
  targets: {
    model: string;
    arm: string;
    tier: number;
    weight: number;
    share: number;
    breaker: string;
    open_until: string | null;
    credential_blocked: boolean;
    excluded: string | null;
    sticky_hash: number | null;
    sticky_score: number | null;
  }[];
}

export interface ArmFigures {
  arm: string;
  requests: number;
  attempts: number;
  success_rate: number | null;
  fallback_rate: number | null;
  incomplete: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  ttft_p50_ms: number | null;
  input_tokens_per_request: number | null;
  output_tokens_per_request: number | null;
  cost_per_request_usd: number | null;
  expected_share?: number;
  observed_share?: number | null;
}

/** `GET /routes/{name}/comparison` */
export interface ArmComparison {
  route: string;
  by_arm_assigned: ArmFigures[];
  by_arm_served: ArmFigures[];
  sample_ratio: { chi_square: number; degrees_of_freedom: number; p_value: number; mismatch: boolean } | null;
}

/** `GET /budgets` (docs/governance.md): USD amounts are decimal strings. */
export interface BudgetRow {
  name: string;
  project: string;
  api_key_id: string | null;
  model_name: string | null;
  period: string;
  period_start: string | null;
  period_end: string | null;
  limit_usd: string | null;
  spent_usd: string;
  reserved_usd: string;
  soft_threshold: number | null;
  /** A call to a model with no price in force: admitted at no cost, or refused (403). */
  unpriced: 'allow' | 'refuse';
}

/** `GET /rate-limits` */
export interface RateLimitRow {
  name: string;
  project: string;
  api_key_id: string | null;
  model_name: string | null;
  metric: 'requests' | 'tokens';
  per_minute: string | null;
  used: string;
  reserved: string;
}
