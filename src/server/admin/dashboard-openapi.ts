/**
 * The OpenAPI paths of the dashboard's admin routes (merged into admin-openapi.ts).
 *
 * @module
 */
const ok = (description: string, contentType = 'application/json') => ({ description, content: { [contentType]: { schema: contentType === 'application/json' ? { type: 'object' } : { type: 'string' } } } });
const errors = {
  '400': { description: 'Invalid parameter (the error names it in `param`)' },
  '401': { description: 'Missing or invalid admin token' },
};
const query = (name: string, description: string, extra: Record<string, unknown> = {}) => ({ name, in: 'query', description, schema: { type: 'string', ...extra } });
const path = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const time = 'ISO-8601 time (UTC unless it has an offset) or a duration back from now: 30m, 24h, 7d, 2w';
const limit = { name: 'limit', in: 'query', description: 'Page size (default 50)', schema: { type: 'integer', minimum: 1, maximum: 200 } };
const usageFilters = [
  query('project', 'Project name or id'),
  query('key', 'API key id or its 12-character prefix'),
  query('model', 'Model name (as served)'),
  query('provider', 'Provider name'),
  query('route', 'Route name'),
  query('status', 'Status class (4xx includes 499, client closed)', { enum: ['2xx', '4xx', '5xx'] }),
  query('since', `Start (${time})`),
  query('until', `End, exclusive (${time}); default now`),
];

export const dashboardOpenApiPaths = {
  '/admin/v1/history': {
    get: {
      summary: 'Configuration changes, newest first (keyset pages): table, row, op, before/after (secrets never kept), actor (admin-api, cli, sql), db_user',
      parameters: [
        query('table', 'Table name (ai_providers, ai_models, projects, api_keys, ai_provider_credentials, …)'),
        query('actor', 'Who wrote it', { enum: ['admin-api', 'cli', 'sql'] }),
        query('row', 'Row id'),
        query('since', `Changed at or after (${time})`),
        query('until', `Changed before (${time})`),
        query('before', 'Cursor: entries with a smaller id (next_before of the previous page)'),
        limit,
      ],
      responses: { '200': ok('{data: [{id, changed_at, table, row_id, op, actor, db_user, before, after}], next_before}'), ...errors },
    },
  },
  '/admin/v1/history/{id}/revert': {
    parameters: [path('id')],
    post: {
      summary: 'Apply the inverse of a change as a new change (actor admin-api): insert → delete, delete → re-insert, update → old values of the changed columns',
      responses: {
        '200': ok('{reverted: id, change: <the new history entry>}'),
        '401': errors['401'],
        '404': { description: 'No such history entry' },
        '409': { description: 'Impossible: the row changed since, is gone or exists again, the secret was never kept, or the database refused it (foreign key, unique name)' },
      },
    },
  },
  '/admin/v1/instances': {
    get: {
      summary: 'Running gateway instances: the configuration version each serves, when it applied it, the apply lag and whether it is alive (seen within 15 s)',
      responses: { '200': ok('{data: [{id, hostname, pid, started_at, config_version, applied_at, last_seen, apply_lag_ms, alive}], current_version}'), '401': errors['401'] },
    },
  },
  '/admin/v1/status': {
    get: {
      summary: "This instance's registry snapshot: configuration version, loaded providers/models/keys, and every row that failed to load with the reason",
      responses: { '200': ok('{config_version, instance_id, loaded_at, loaded: {providers, models, keys}, load_errors: [{table, row_id, name, reason}]}'), '401': errors['401'] },
    },
  },
  '/admin/v1/usage/series': {
    get: {
      summary: 'Usage over time from the hourly rollups (never the ledger): one point per hour or day of the time zone, empty buckets as zeros',
      parameters: [
        query('bucket', 'Bucket size (default hour)', { enum: ['hour', 'day'] }),
        query('tz', 'IANA time zone of the buckets (default UTC)'),
        query('format', 'json (default) or csv (text/csv with a header row)', { enum: ['json', 'csv'] }),
        ...usageFilters,
      ],
      responses: {
        '200': {
          description: '{bucket, tz, since, until, points: [{t, requests, errors, input_tokens, output_tokens, web_search_calls, cost_usd (exact decimal string), p95_ms}]}',
          content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
        },
        ...errors,
      },
    },
  },
  '/admin/v1/usage/requests': {
    get: {
      summary: 'Ledger rows, newest first, in keyset pages by (started_at, id); a row opens with GET /admin/v1/usage/requests/{request_id}',
      parameters: [...usageFilters, query('before', 'Cursor: next_before of the previous page'), limit],
      responses: {
        '200': ok('{data: [{id, request_id, attempt, started_at, project_id, api_key_id, requested_model, model_name, provider_name, route_name, arm, status, error_code, streamed, input_tokens, output_tokens, web_search_calls, cost_usd, usage_source, duration_ms}], next_before}'),
        ...errors,
      },
    },
  },
  '/admin/v1/models/{name}/prices': {
    parameters: [path('name')],
    get: {
      summary: "A model's price rows from ai_price_history: in force now, earlier ones and scheduled ones; the same for its provider",
      responses: {
        '200': ok('{model, current, history: [{id, effective_from, recorded_at, pricing, source}], scheduled: [...], provider: {name, current, history, scheduled}}'),
        '401': errors['401'],
        '404': { description: 'No such model' },
      },
    },
  },
  '/admin/v1/events': {
    get: {
      summary:
        'Server-sent events for the dashboard (send the admin token in the Authorization header; read with fetch streaming): `config` {version}, `usage` {last_id}, `instances` {count}; a comment every 15 s',
      responses: {
        '200': ok('text/event-stream', 'text/event-stream'),
        '400': { description: 'The stream takes no parameters' },
        '401': errors['401'],
        '429': { description: 'Too many event streams are open on this instance' },
      },
    },
  },
} as const;
