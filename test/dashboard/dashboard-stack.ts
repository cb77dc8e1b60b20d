/**
 * The real stack the dashboard tests drive: a fresh migrated database (PGlite, or Postgres with
 * DATABASE_URL), createSwitchboard LISTENing for config changes (so plain SQL reaches the page),
 * the admin service and the gateway as `switchboard serve` wires them, and the strict OpenAI mock
 * as the only upstream.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { loadConfig, type Config } from '../../src/config.js';
import type { Queryable } from '../../src/db/db.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { adminServiceFor, startInstanceReporting } from '../../src/service/admin/admin-for-switchboard.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/** The env var a provider row added in the UI names; the gateway's env map holds the mock's key. */
export const DASH_ENV_VAR = 'DASH_OPENAI_API_KEY';
const UPSTREAM_KEY = 'sk-dash-upstream-0123456789abcdef';

export interface DashboardStack {
  origin: string;
  adminToken: string;
  db: TestDb;
  switchboard: Switchboard;
  gateway: Gateway;
  openai: OpenAIMock;
  /** The mock's base URL (what a provider row's api_base_url must be). */
  upstreamBaseUrl: string;
  client(apiKey: string): OpenAI;
  admin<T>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startDashboardStack(options: { pollMs?: number } = {}): Promise<DashboardStack> {
  const adminToken = `sba-dash-${randomBytes(16).toString('hex')}`;
  const openai = await startOpenAIMock({ apiKeys: [UPSTREAM_KEY] });
  const db = await createTestDb();
  const env = { [DASH_ENV_VAR]: UPSTREAM_KEY };
  const switchboard = await createSwitchboard({
    db,
    env,
    keyring: createKeyring(createMasterKey(randomBytes(32))),
    migrate: false,
    pollMs: options.pollMs ?? 250,
    listen: true,
    log: () => undefined,
  });
  // As `switchboard serve` wires it: this instance reports its config version (Overview lists it).
  const instance = await startInstanceReporting(switchboard, { intervalMs: 5000 });
  const admin = adminServiceFor(switchboard, { instanceId: instance.id });
  const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ ...env }), adminToken });
  const gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config, admin });
  const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    origin,
    adminToken,
    db,
    switchboard,
    gateway,
    openai,
    upstreamBaseUrl: openai.baseUrl,
    client: (apiKey) => new OpenAI({ baseURL: `${origin}/v1`, apiKey, maxRetries: 0, timeout: 10_000 }),
    admin: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${origin}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
    close: async () => {
      await gateway.close();
      await instance.stop();
      await switchboard.close();
      await db.dispose();
      await openai.close();
    },
  };
}

/** Ledger rows over the last 29 days: three models, mostly 200s, some 429 and 500. */
export async function generateLedger(db: Queryable, projectId: string, rows: number): Promise<void> {
  await db.query(
    `insert into public.ai_usage (request_id, attempt, started_at, ended_at, project_id, requested_model, model_name, provider_name,
       endpoint, streamed, status, error_code, input_tokens, output_tokens, usage_source, overhead_ms, upstream_ms, cost_usd)
     select 'gen-' || g, 1,
            now() - (g % (29 * 24 * 60)) * interval '1 minute',
            now() - (g % (29 * 24 * 60)) * interval '1 minute' + (50 + g % 900) * interval '1 millisecond',
            $1::uuid,
            (array['gpt-4o-mini', 'claude-sonnet-4-5', 'gemini-2.5-flash'])[1 + g % 3],
            (array['gpt-4o-mini', 'claude-sonnet-4-5', 'gemini-2.5-flash'])[1 + g % 3],
            (array['openai', 'anthropic', 'google'])[1 + g % 3],
            '/v1/chat/completions', g % 2 = 0,
            case when g % 50 = 0 then 500 when g % 20 = 0 then 429 else 200 end,
            case when g % 50 = 0 then 'provider_error' when g % 20 = 0 then 'rate_limited' end,
            100 + g % 1000, 20 + g % 300, 'provider', 1.5, 40 + g % 900,
            ((100 + g % 1000) * 0.15 + (20 + g % 300) * 0.6) / 1000000
       from generate_series(1, $2::int) as g`,
    [projectId, rows],
  );
}

/** Route targets for plain SQL: `[model, weight, tier, arm]`. */
export type TargetSpec = readonly [string, number, number, string];

/**
 * A global route written with plain SQL in one statement, as an operator would (docs/routing.md).
 * `settings` are extra `ai_routes` columns (e.g. `breaker_failures`).
 */
export async function insertRouteSql(db: Queryable, name: string, targets: readonly TargetSpec[], settings: Record<string, number> = {}): Promise<void> {
  const columns = Object.keys(settings);
  if (columns.some((column) => !/^[a-z_]+$/.test(column))) throw new Error('route setting names are plain column names');
  const values = targets.map((_, index) => `($${index * 4 + 2}::text, $${index * 4 + 3}::int, $${index * 4 + 4}::int, $${index * 4 + 5}::text)`).join(', ');
  await db.query(
    `with r as (insert into public.ai_routes (name${columns.map((column) => `, ${column}`).join('')})
                values ($1${columns.map((_, index) => `, $${targets.length * 4 + 2 + index}`).join('')}) returning id)
     insert into public.ai_route_targets (route_id, model_id, weight, tier, arm)
     select r.id, m.id, t.weight, t.tier, t.arm from r, (values ${values}) as t(model, weight, tier, arm) join public.ai_models m on m.name = t.model`,
    [name, ...targets.flat(), ...columns.map((column) => settings[column] as number)],
  );
}

/**
 * A provider on the OpenAI mock with two models (`model-a`, `model-b`; priced high enough that a
 * few calls make a visible spend), a project with a key, and, for the Routing and Budgets pages,
 * an `ab` route (90/10, arms control/candidate, a tier-1 fallback), a month budget and a rate limit.
 */
export async function seedRoutingAndBudgets(stack: DashboardStack, project = 'dash'): Promise<{ apiKey: string; projectId: string }> {
  await stack.admin('POST', '/providers', { name: 'dash-openai', provider_class: 'OpenAIProvider', api_base_url: stack.upstreamBaseUrl, required_env_vars: [DASH_ENV_VAR] });
  const pricing = { input_per_mtok: 150, output_per_mtok: 600 };
  for (const [name, modelId] of [['model-a', 'gpt-4o-mini'], ['model-b', 'gpt-4o'], ['model-c', 'gpt-4.1-mini']] as const) {
    await stack.admin('POST', '/models', { name, provider: 'dash-openai', model_id: modelId, pricing });
  }
  const created = await stack.admin<{ id: string }>('POST', '/projects', { name: project });
  const key = await stack.admin<{ key: string }>('POST', '/api-keys', { project, name: 'browser' });
  await insertRouteSql(stack.db, 'ab', [['model-a', 90, 0, 'control'], ['model-b', 10, 0, 'candidate'], ['model-c', 1, 1, 'fallback']]);
  await stack.admin('PUT', '/budgets/dash-month', { project, limit_usd: 250, period: 'month', soft_threshold: 0.8 });
  await stack.admin('PUT', '/rate-limits/dash-rpm', { project, requests_per_minute: 600, tokens_per_minute: 200_000 });
  await stack.switchboard.reload();
  return { apiKey: key.key, projectId: created.id };
}
