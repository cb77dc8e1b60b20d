/**
 * Shared set-up of the routing tests: one test database with providers on strict OpenAI and
 * Anthropic mocks (plus an address that refuses connections and one that never answers), a project
 * with an API key, and gateway instances wired as `switchboard serve` wires them (usage ledger on,
 * admin API on). Routes are written with SQL, as an operator would.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import { generateApiKey } from '../../src/crypto/api-key.js';
import type { Keyring } from '../../src/crypto/keyring.js';
import type { Queryable } from '../../src/db/db.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { adminServiceFor } from '../../src/service/admin/admin-for-switchboard.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

export const ENV = {
  ROUTE_A_API_KEY: 'sk-route-a-0123456789abcdef',
  ROUTE_B_API_KEY: 'sk-route-b-0123456789abcdef',
  ROUTE_CLAUDE_API_KEY: 'sk-ant-route-0123456789abcdef',
} as const;
export const ADMIN_TOKEN = 'admin-token-routing-0123456789abcdef';

export interface RoutingWorld {
  db: TestDb;
  a: OpenAIMock;
  b: OpenAIMock;
  claude: AnthropicMock;
  hanging: MockServer;
  apiKey: string;
  projectId: string;
  /** The master keyring every instance of the world shares, as a deployment's instances do. */
  keyring: Keyring;
  close(): Promise<void>;
}

export interface Instance {
  origin: string;
  switchboard: Switchboard;
  gateway: Gateway;
  close(): Promise<void>;
}

const text = (value: string): string => `'${value.replaceAll("'", "''")}'`;

export async function startWorld(): Promise<RoutingWorld> {
  const [a, b, claude, hanging] = await Promise.all([
    startOpenAIMock({ apiKeys: [ENV.ROUTE_A_API_KEY] }),
    startOpenAIMock({ apiKeys: [ENV.ROUTE_B_API_KEY] }),
    startAnthropicMock({ apiKeys: [ENV.ROUTE_CLAUDE_API_KEY] }),
    startMockServer(() => new Promise<void>(() => {})),
  ]);
  const db = await createTestDb();
  await db.exec(`
insert into ai_providers (name, provider_class, api_base_url, required_env_vars) values
  ('route-a', 'OpenAIProvider', ${text(a.baseUrl)}, '["ROUTE_A_API_KEY"]'::jsonb),
  ('route-b', 'OpenAIProvider', ${text(b.baseUrl)}, '["ROUTE_B_API_KEY"]'::jsonb),
  ('route-claude', 'AnthropicProvider', ${text(claude.baseUrl)}, '["ROUTE_CLAUDE_API_KEY"]'::jsonb),
  ('route-refused', 'OpenAIProvider', 'http://127.0.0.1:1/v1', '["ROUTE_A_API_KEY"]'::jsonb);
insert into ai_providers (name, provider_class, api_base_url, required_env_vars, config) values
  ('route-slow', 'OpenAIProvider', ${text(`${hanging.origin}/v1`)}, '["ROUTE_A_API_KEY"]'::jsonb, '{"timeouts":{"first_byte_ms":200}}'::jsonb);
insert into ai_models (name, provider_id, model_id) values
  ('model-a', (select id from ai_providers where name = 'route-a'), 'gpt-4o-mini'),
  ('model-b', (select id from ai_providers where name = 'route-b'), 'gpt-4o'),
  ('model-claude', (select id from ai_providers where name = 'route-claude'), 'claude-test-1'),
  ('model-refused', (select id from ai_providers where name = 'route-refused'), 'gpt-4o-mini'),
  ('model-slow', (select id from ai_providers where name = 'route-slow'), 'gpt-4o-mini');
insert into projects (name) values ('routing');
`);
  const key = generateApiKey();
  await db.query(
    `insert into public.api_keys (project_id, name, prefix, key_hash) select id, 'routing', $1, $2 from public.projects where name = 'routing'`,
    [key.prefix, key.hash],
  );
  const project = await db.query<{ id: string }>(`select id from public.projects where name = 'routing'`);
  return {
    db,
    a,
    b,
    claude,
    hanging,
    apiKey: key.key,
    projectId: project.rows[0]?.id ?? '',
    keyring: createKeyring(createMasterKey(randomBytes(32))),
    close: async () => {
      await Promise.all([a.close(), b.close(), claude.close(), hanging.close()]);
      await db.dispose();
    },
  };
}

/** A gateway instance on the world's database (LISTEN on when `listen`; `env` in place of ENV, `keyring` of the world's). */
export async function startInstance(
  world: RoutingWorld,
  options: { listen?: boolean; pollMs?: number; env?: Readonly<Record<string, string>>; keyring?: Keyring } = {},
): Promise<Instance> {
  const env = options.env ?? ENV;
  const switchboard = await createSwitchboard({
    db: world.db,
    env,
    keyring: options.keyring ?? world.keyring,
    migrate: false,
    pollMs: options.pollMs ?? 0,
    listen: options.listen ?? false,
    usage: { flushIntervalMs: 20 },
  });
  const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ ...env }), adminToken: ADMIN_TOKEN });
  const gateway = createGateway({
    service: switchboard.service,
    snapshot: () => switchboard.watcher.snapshot,
    config,
    admin: adminServiceFor(switchboard),
    usageCounters: switchboard.usageCounters,
  });
  const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    switchboard,
    gateway,
    close: async () => {
      await gateway.close();
      await switchboard.close();
    },
  };
}

type TargetSpec = number | [number, number] | [number, number, string[]];

/** Creates a global route with SQL: `targets` as model name → weight (tier 0) or [weight, tier, accepts?]. */
export async function createRoute(
  db: Queryable,
  name: string,
  targets: Record<string, TargetSpec>,
  settings: Record<string, string | number> = {},
): Promise<string> {
  const columns = Object.keys(settings);
  const values = Object.values(settings).map((value) => (typeof value === 'number' ? String(value) : text(value)));
  const created = await db.query<{ id: string }>(
    `insert into ai_routes (name${columns.map((column) => `, ${column}`).join('')}) values (${text(name)}${values.map((value) => `, ${value}`).join('')}) returning id`,
  );
  const routeId = created.rows[0]?.id ?? '';
  for (const [model, spec] of Object.entries(targets)) {
    const [weight, tier, accepts] = typeof spec === 'number' ? [spec, 0, undefined] : spec;
    if (accepts) {
      await db.query(
        `insert into ai_route_targets (route_id, model_id, weight, tier, accepts) select $1, id, $2, $3, $4::text[] from ai_models where name = $5`,
        [routeId, weight, tier, accepts, model],
      );
    } else {
      await db.query(
        `insert into ai_route_targets (route_id, model_id, weight, tier) select $1, id, $2, $3 from ai_models where name = $4`,
        [routeId, weight, tier, model],
      );
    }
  }
  return routeId;
}

export interface ChatAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

export async function chat(origin: string, apiKey: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<ChatAnswer> {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hello there' }], ...body }),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

export async function streamChat(origin: string, apiKey: string, body: Record<string, unknown>): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hello there friend' }], stream: true, ...body }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export interface AttemptRow {
  request_id: string;
  attempt: number;
  model_name: string;
  status: number;
  error_code: string | null;
  incomplete: boolean;
  route_name: string | null;
  route_version: string | null;
  arm: string | null;
  served_arm: string | null;
  fallback: boolean;
  streamed: boolean;
}

export async function attemptRows(instance: Instance, db: Queryable, requestId: string): Promise<AttemptRow[]> {
  await instance.switchboard.service.usage?.flush();
  const result = await db.query<AttemptRow>(
    `select request_id, attempt, model_name, status, error_code, incomplete, route_name, route_version::text, arm, served_arm, fallback, streamed
       from ai_usage where request_id = $1 order by attempt`,
    [requestId],
  );
  return result.rows;
}

export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
