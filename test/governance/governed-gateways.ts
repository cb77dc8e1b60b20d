/**
 * Several real gateways (createSwitchboard + createGateway, governance on) sharing ONE database:
 * the same PGlite instance, or separate connection pools to the same Postgres database. Upstream
 * is the strict OpenAI mock; each instance counts the statements it runs.
 *
 * Prices: input 0, output $1 per token (output_per_mtok 1e6), so a call with max_tokens = its
 * actual output reserves exactly what it costs.
 *
 * @module
 */
import { connect, type AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import type { Db, Queryable } from '../../src/db/db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import type { GovernanceSettings } from '../../src/governance/governance-settings.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { insertProjectKey } from '../helpers/serve-process.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

export const UPSTREAM_KEY = 'sk-gov-upstream-0123456789abcdef';
export const MODELS = ['gov-a', 'gov-b', 'gov-c'] as const;
export const PROJECT = 'gov';
/** The optional Redis store of the Redis tests. */
export const REDIS_URL = process.env['SWITCHBOARD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface Instance {
  origin: string;
  switchboard: Switchboard;
  gateway: Gateway;
  /** Statements this instance ran, by kind. */
  statements: { total: number; sync: number };
  close(): Promise<void>;
}

export interface World {
  db: TestDb;
  openai: OpenAIMock;
  key: { id: string; key: string };
  projectId: string;
  start(options?: { governance?: Partial<GovernanceSettings>; usage?: false; pollMs?: number; env?: Record<string, string> }): Promise<Instance>;
  close(): Promise<void>;
}

/** `db` with every statement it runs counted in `counter` (lease exchanges also in `sync`). */
export function counting(db: Db, counter: Instance['statements']): Db {
  const count = (sql: string): void => {
    counter.total += 1;
    if (sql.includes('switchboard_governance_sync')) counter.sync += 1;
  };
  const wrap = (target: Queryable): Queryable => ({
    query: (sql, params) => {
      count(sql);
      return target.query(sql, params);
    },
    exec: (sql) => {
      count(sql);
      return target.exec(sql);
    },
  });
  return {
    kind: db.kind,
    ...wrap(db),
    transaction: (work) => {
      counter.total += 1;
      return db.transaction((tx) => work(wrap(tx)));
    },
    listen: (channel, handler, onLost) => db.listen(channel, handler, onLost),
    close: () => Promise.resolve(),
  };
}

export async function createWorld(): Promise<World> {
  const db = await createTestDb();
  const openai = await startOpenAIMock({ apiKeys: [UPSTREAM_KEY] });
  await db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, pricing)
     values ('gov-openai', 'OpenAIProvider', $1, '["GOV_OPENAI_API_KEY"]'::jsonb, '{"input_per_mtok": 0, "output_per_mtok": 1000000}'::jsonb)`,
    [openai.baseUrl],
  );
  for (const name of MODELS) {
    await db.query(`insert into public.ai_models (name, provider_id, model_id, max_tokens) select $1, id, 'gpt-4o-mini', 64 from public.ai_providers where name = 'gov-openai'`, [
      name,
    ]);
  }
  const key = await insertProjectKey(db, PROJECT, 'gov');
  const project = await db.query<{ id: string }>(`select id from public.projects where name = $1`, [PROJECT]);
  const projectId = project.rows[0]?.id as string;
  const instances: Instance[] = [];
  const pools: Db[] = [];
  return {
    db,
    openai,
    key,
    projectId,
    async start(options = {}) {
      const statements = { total: 0, sync: 0 };
      // Postgres: a pool of its own per instance, like a separate process.
      const base = db.url ? await openPostgresDb({ url: db.url }) : db;
      if (base !== db) pools.push(base);
      const switchboard = await createSwitchboard({
        db: counting(base, statements),
        migrate: false,
        env: { GOV_OPENAI_API_KEY: UPSTREAM_KEY, ...options.env },
        pollMs: options.pollMs ?? 250,
        listen: true,
        ...(options.usage === false ? { usage: false as const } : { usage: { flushIntervalMs: 20 } }),
        governance: { syncMs: 50, ...options.governance },
      });
      const gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config: Object.freeze({ ...loadConfig({}), env: {} }) });
      const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
      let closed: Promise<void> | undefined;
      const instance: Instance = {
        origin: `http://127.0.0.1:${address.port}`,
        switchboard,
        gateway,
        statements,
        close: () =>
          (closed ??= (async () => {
            await gateway.close();
            await switchboard.close();
          })()),
      };
      instances.push(instance);
      return instance;
    },
    async close() {
      for (const instance of instances) await instance.close().catch(() => {});
      for (const pool of pools) await pool.close().catch(() => {});
      await openai.close();
      await db.dispose();
    },
  };
}

export interface ChatResult {
  status: number;
  headers: Headers;
  body: { error?: { code: string; message: string; type: string } };
}

/** One chat call: "Echo: a b c d" is 5 output tokens, so max_tokens 5 reserves exactly its cost ($5). */
export async function chat(origin: string, key: string, model: string = MODELS[0], maxTokens = 5): Promise<ChatResult> {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: maxTokens, messages: [{ role: 'user', content: 'a b c d' }] }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ChatResult['body'] };
}

/** Polls `check` every 20 ms until it returns true; resolves with the milliseconds it took. */
export async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until at least `seconds` remain in the current UTC minute (rate-limit windows are aligned minutes). */
export async function awayFromMinuteEnd(seconds: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < seconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** The env var the Anthropic row of `addAnthropicModel` names, and the key its mock accepts. */
export const ANTHROPIC_ENV = { GOV_ANTHROPIC_API_KEY: 'sk-ant-gov-upstream-0123456789' } as const;

/**
 * Starts a strict Anthropic mock and adds a provider row `gov-anthropic` for it (USD per token as
 * `pricing` says) and a model `model` on it (claude-sonnet-4-5, max_tokens 64). Start the gateway
 * with `env: ANTHROPIC_ENV`.
 */
export async function addAnthropicModel(world: World, model: string, pricing: { input: number; output: number }): Promise<AnthropicMock> {
  const anthropic = await startAnthropicMock({ apiKeys: [ANTHROPIC_ENV.GOV_ANTHROPIC_API_KEY] });
  await world.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, pricing)
     values ('gov-anthropic', 'AnthropicProvider', $1, '["GOV_ANTHROPIC_API_KEY"]'::jsonb, $2::jsonb)`,
    [anthropic.baseUrl, JSON.stringify({ input_per_mtok: pricing.input * 1_000_000, output_per_mtok: pricing.output * 1_000_000 })],
  );
  await world.db.query(`insert into public.ai_models (name, provider_id, model_id, max_tokens) select $1, id, 'claude-sonnet-4-5', 64 from public.ai_providers where name = 'gov-anthropic'`, [model]);
  return anthropic;
}

/** True when Redis answers at REDIS_URL (the Redis tests skip otherwise). */
export async function redisReachable(): Promise<boolean> {
  const { hostname, port } = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
