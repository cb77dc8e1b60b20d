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
