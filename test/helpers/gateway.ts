/**
 * Starts the REAL stack for end-to-end tests on 127.0.0.1:0: a fresh migrated database, provider
 * and model rows pointing at the strict vendor mocks, a ConfigWatcher with the real provider
 * classes, an AIService with env-var credentials, a project with one API key, and the gateway.
 * The database is wrapped in a counting proxy so tests can assert the hot path makes no queries.
 *
 * @module
 */
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { loadConfig, type Config } from '../../src/config.js';
import { createEnvCredentialResolver } from '../../src/credentials/env-credentials.js';
import { generateApiKey } from '../../src/crypto/api-key.js';
import type { Db, Queryable } from '../../src/db/db.js';
import { defaultProviderDeps } from '../../src/providers/shared/provider-deps.js';
import { ConfigWatcher } from '../../src/registry/config-watcher.js';
import { loadProviderClasses } from '../../src/registry/load-provider-classes.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { AIService } from '../../src/service/ai-service.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startCohereMock, type CohereMock } from '../mock-vendors/cohere.js';
import { startGoogleMock, type GoogleMock } from '../mock-vendors/google.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { startMockServer, type MockServer } from './mock-server.js';
import { createTestDb, type TestDb } from './test-db.js';

/** The upstream keys the mocks accept (the gateway reads them from the env map below). */
export const UPSTREAM_KEYS = {
  openai: 'sk-upstream-openai-0123456789abcdef',
  anthropic: 'sk-ant-upstream-0123456789abcdef',
  google: 'AIza-upstream-0123456789abcdef',
  cohere: 'co-upstream-0123456789abcdef',
} as const;

/** Public model names the helper inserts, and what serves them. */
export const MODELS = {
  openai: 'e2e-gpt',
  openaiEmbed: 'e2e-openai-embed',
  anthropic: 'e2e-claude',
  google: 'e2e-gemini',
  googleEmbed: 'e2e-gemini-embed',
  cohere: 'e2e-command',
  cohereEmbed: 'e2e-cohere-embed',
  /** Served by a provider row with `{"timeouts":{"first_byte_ms":200}}` and an upstream that never answers. */
  slow: 'e2e-slow',
  /** Its provider's env var is not set: credential_missing. */
  noCredential: 'e2e-no-credential',
} as const;

export interface TestGatewayOptions {
  /** Overrides of the gateway config (body limit, shutdown timeout, logBodies…). */
  config?: Partial<Config>;
  /** Pause between the Gemini mock's stream frames (slow streams for shutdown tests). */
  googleChunkDelayMs?: number;
}

export interface TestGateway {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `origin + '/v1'`: the openai SDK's baseURL. */
  baseURL: string;
  /** A valid Switchboard key of project `e2e`. */
  apiKey: string;
  gateway: Gateway;
  watcher: ConfigWatcher;
  db: Db;
  openai: OpenAIMock;
  anthropic: AnthropicMock;
  google: GoogleMock;
  cohere: CohereMock;
  /** An upstream that accepts connections and never answers. */
  hanging: MockServer;
  /** Every request log line the gateway wrote. */
  logs: Record<string, unknown>[];
  /** Database statements run since the start (query, exec and transaction). */
  queryCount(): number;
  /** A real openai SDK client for the gateway (no retries, so errors surface at once). */
  client(options?: { apiKey?: string; timeout?: number }): OpenAI;
  close(): Promise<void>;
}

/** Counts every statement the stack runs on `db`. */
function countingDb(db: TestDb, counter: { count: number }): Db {
  const countQueryable = (target: Queryable): Queryable => ({
    query: (sql, params) => {
      counter.count += 1;
      return target.query(sql, params);
    },
    exec: (sql) => {
      counter.count += 1;
      return target.exec(sql);
    },
  });
  return {
    kind: db.kind,
    ...countQueryable(db),
    transaction: (work) => {
      counter.count += 1;
      return db.transaction((tx) => work(countQueryable(tx)));
    },
    listen: (channel, handler, onLost) => db.listen(channel, handler, onLost),
    close: () => db.close(),
  };
}

async function insertProvider(db: Queryable, row: { name: string; className: string; baseUrl: string; envVar: string; config?: unknown }): Promise<void> {
  await db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, config)
     values ($1, $2, $3, $4::jsonb, $5::jsonb)`,
    [row.name, row.className, row.baseUrl, JSON.stringify([row.envVar]), JSON.stringify(row.config ?? {})],
  );
}

async function insertModel(db: Queryable, row: { name: string; provider: string; modelId: string; maxTokens?: number }): Promise<void> {
  await db.query(
    `insert into public.ai_models (name, provider_id, model_id, max_tokens)
     select $1, p.id, $3, $4 from public.ai_providers p where p.name = $2`,
    [row.name, row.provider, row.modelId, row.maxTokens ?? null],
  );
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const [openai, anthropic, google, cohere, hanging] = await Promise.all([
    startOpenAIMock({ apiKeys: [UPSTREAM_KEYS.openai] }),
    startAnthropicMock({ apiKeys: [UPSTREAM_KEYS.anthropic] }),
    startGoogleMock({ apiKeys: [UPSTREAM_KEYS.google], chunkDelayMs: options.googleChunkDelayMs ?? 0 }),
    startCohereMock({ apiKeys: [UPSTREAM_KEYS.cohere] }),
    startMockServer(() => new Promise<void>(() => {})),
  ]);
  const testDb = await createTestDb();
  const counter = { count: 0 };
  const db = countingDb(testDb, counter);

  await insertProvider(testDb, { name: 'e2e-openai', className: 'OpenAIProvider', baseUrl: openai.baseUrl, envVar: 'E2E_OPENAI_API_KEY' });
  await insertProvider(testDb, { name: 'e2e-anthropic', className: 'AnthropicProvider', baseUrl: anthropic.baseUrl, envVar: 'E2E_ANTHROPIC_API_KEY' });
  await insertProvider(testDb, { name: 'e2e-google', className: 'GoogleProvider', baseUrl: google.baseUrl, envVar: 'E2E_GOOGLE_API_KEY' });
  await insertProvider(testDb, { name: 'e2e-cohere', className: 'CohereProvider', baseUrl: cohere.baseUrl, envVar: 'E2E_COHERE_API_KEY' });
  await insertProvider(testDb, {
    name: 'e2e-slow',
    className: 'OpenAIProvider',
    baseUrl: `${hanging.origin}/v1`,
    envVar: 'E2E_OPENAI_API_KEY',
    config: { timeouts: { first_byte_ms: 200 } },
  });
  await insertProvider(testDb, { name: 'e2e-unset', className: 'OpenAIProvider', baseUrl: openai.baseUrl, envVar: 'E2E_UNSET_API_KEY' });
  await insertModel(testDb, { name: MODELS.openai, provider: 'e2e-openai', modelId: 'gpt-4o-mini' });
  await insertModel(testDb, { name: MODELS.openaiEmbed, provider: 'e2e-openai', modelId: 'text-embedding-3-small' });
  await insertModel(testDb, { name: MODELS.anthropic, provider: 'e2e-anthropic', modelId: 'claude-test-1', maxTokens: 1024 });
  await insertModel(testDb, { name: MODELS.google, provider: 'e2e-google', modelId: 'gemini-2.5-flash' });
  await insertModel(testDb, { name: MODELS.googleEmbed, provider: 'e2e-google', modelId: 'gemini-embedding-001' });
  await insertModel(testDb, { name: MODELS.cohere, provider: 'e2e-cohere', modelId: 'command-a-03-2025' });
  await insertModel(testDb, { name: MODELS.cohereEmbed, provider: 'e2e-cohere', modelId: 'embed-v4.0' });
  await insertModel(testDb, { name: MODELS.slow, provider: 'e2e-slow', modelId: 'gpt-4o-mini' });
  await insertModel(testDb, { name: MODELS.noCredential, provider: 'e2e-unset', modelId: 'gpt-4o-mini' });

  const key = generateApiKey();
  await testDb.query(`insert into public.projects (name) values ('e2e')`);
  await testDb.query(
    `insert into public.api_keys (project_id, name, prefix, key_hash)
     select id, 'e2e', $1, $2 from public.projects where name = 'e2e'`,
    [key.prefix, key.hash],
  );

  const env = {
    E2E_OPENAI_API_KEY: UPSTREAM_KEYS.openai,
    E2E_ANTHROPIC_API_KEY: UPSTREAM_KEYS.anthropic,
    E2E_GOOGLE_API_KEY: UPSTREAM_KEYS.google,
    E2E_COHERE_API_KEY: UPSTREAM_KEYS.cohere,
  };
  const deps = defaultProviderDeps();
  const classes = await loadProviderClasses(undefined);
  const watcher = new ConfigWatcher(db, { loader: { classes, deps, cache: new Map() }, pollMs: 0, listen: false });
  await watcher.start();
  const service = new AIService({ registry: () => watcher.snapshot.registry, credentials: createEnvCredentialResolver(env) });
  const config: Config = Object.freeze({ ...loadConfig({}), env, ...options.config });
  const logs: Record<string, unknown>[] = [];
  const gateway = createGateway({ service, snapshot: () => watcher.snapshot, config, log: (line) => logs.push(line) });
  const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
  const origin = `http://127.0.0.1:${address.port}`;

  return {
    origin,
    baseURL: `${origin}/v1`,
    apiKey: key.key,
    gateway,
    watcher,
    db,
    openai,
    anthropic,
    google,
    cohere,
    hanging,
    logs,
    queryCount: () => counter.count,
    client: (clientOptions = {}) =>
      new OpenAI({ baseURL: `${origin}/v1`, apiKey: clientOptions.apiKey ?? key.key, maxRetries: 0, timeout: clientOptions.timeout ?? 10_000 }),
    close: async () => {
      await gateway.close();
      await watcher.stop();
      await deps.dispatcher.destroy().catch(() => undefined);
      await Promise.all([openai.close(), anthropic.close(), google.close(), cohere.close(), hanging.close()]);
      await testDb.dispose();
    },
  };
}
