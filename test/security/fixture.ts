/**
 * Shared setup of the security tests: tenants (projects with gateway API keys) on a real database,
 * an OpenAI-class provider row pointing at the strict OpenAI mock, and the full HTTP stack built the
 * way an application builds it: `createSwitchboard({ db, env, keyring })` (which wires the real
 * CredentialStore) + `createGateway` over its service and config snapshot.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import OpenAI from 'openai';
import { main } from '../../src/cli/main.js';
import { loadConfig, type Config } from '../../src/config.js';
import { generateApiKey } from '../../src/crypto/api-key.js';
import { createKeyring, createMasterKey, type Keyring, type MasterKey } from '../../src/crypto/keyring.js';
import type { Db, Queryable } from '../../src/db/db.js';
import { openEmbeddedDb } from '../../src/db/pglite-adapter.js';
import type { ProviderDepsOptions } from '../../src/providers/shared/provider-deps.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createEmbeddedTestDb, createTestDb } from '../helpers/test-db.js';

/** The OpenAI-class provider whose env var fallback is set in the stack's env. */
export const PROVIDER = 'sec-openai';
export const ENV_VAR = 'SEC_OPENAI_API_KEY';
export const MODEL = 'sec-gpt';
export const EMBED_MODEL = 'sec-embed';
/** A provider whose env var is never set: no row and no env var → credential_missing. */
export const UNSET_PROVIDER = 'sec-unset';
export const UNSET_ENV_VAR = 'SEC_UNSET_API_KEY';
export const UNSET_MODEL = 'sec-unset-gpt';

/** A random upstream key in the shape vendors use (`sk-<label>-<hex>`). */
export function upstreamKey(label: string): string {
  return `sk-${label}-${randomBytes(16).toString('hex')}`;
}

/** A random master key and its base64 form (what SWITCHBOARD_MASTER_KEY holds). */
export function newMasterKey(): { base64: string; key: MasterKey } {
  const bytes = randomBytes(32);
  return { base64: bytes.toString('base64'), key: createMasterKey(bytes) };
}

/** A keyring sealing with `current` and opening with it and `old`. */
export function keyringOf(current: MasterKey, ...old: MasterKey[]): Keyring {
  return createKeyring(current, old);
}

export interface Tenant {
  name: string;
  id: string;
  /** The project's Switchboard API key (`sb-…`). */
  apiKey: string;
}

export interface SeededTenants {
  providerId: string;
  unsetProviderId: string;
  tenants: Record<string, Tenant>;
}

/** Inserts the provider rows, their models and one project (with one API key) per name. */
export async function seedTenants(db: Queryable, openaiBaseUrl: string, names: readonly string[]): Promise<SeededTenants> {
  const insertProvider = async (name: string, envVar: string): Promise<string> => {
    const result = await db.query<{ id: string }>(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
       values ($1, 'OpenAIProvider', $2, $3::jsonb) returning id`,
      [name, openaiBaseUrl, JSON.stringify([envVar])],
    );
    return (result.rows[0] as { id: string }).id;
  };
  const providerId = await insertProvider(PROVIDER, ENV_VAR);
  const unsetProviderId = await insertProvider(UNSET_PROVIDER, UNSET_ENV_VAR);
  await db.query(`insert into public.ai_models (name, provider_id, model_id) values ($1, $2, 'gpt-4o-mini')`, [MODEL, providerId]);
  await db.query(`insert into public.ai_models (name, provider_id, model_id) values ($1, $2, 'text-embedding-3-small')`, [EMBED_MODEL, providerId]);
  await db.query(`insert into public.ai_models (name, provider_id, model_id) values ($1, $2, 'gpt-4o-mini')`, [UNSET_MODEL, unsetProviderId]);
  const tenants: Record<string, Tenant> = {};
  for (const name of names) tenants[name] = await insertTenant(db, name);
  return { providerId, unsetProviderId, tenants };
}

/** A project with one fresh API key. */
export async function insertTenant(db: Queryable, name: string): Promise<Tenant> {
  const project = await db.query<{ id: string }>(`insert into public.projects (name) values ($1) returning id`, [name]);
  const id = (project.rows[0] as { id: string }).id;
  const key = generateApiKey();
  await db.query(`insert into public.api_keys (project_id, name, prefix, key_hash) values ($1, 'main', $2, $3)`, [id, key.prefix, key.hash]);
  return { name, id, apiKey: key.key };
}

/** The credential row of a project and provider, as stored. */
export async function storedRow(db: Queryable, projectId: string, providerId: string): Promise<{ credentials: string; keyHint: string | null } | undefined> {
  const result = await db.query<{ credentials: string; keyHint: string | null }>(
    `select credentials, key_hint as "keyHint" from public.ai_provider_credentials where project_id = $1 and provider_id = $2`,
    [projectId, providerId],
  );
  return result.rows[0];
}

export interface LogEntry {
  source: 'gateway' | 'switchboard';
  line: string;
}

export interface Stack {
  sb: Switchboard;
  gateway: Gateway;
  origin: string;
  /** Every log line of the gateway (`log` option) and of createSwitchboard (`log` option), as JSON text. */
  logs: LogEntry[];
  /** A real openai SDK client for the gateway (no retries). */
  client(apiKey: string): OpenAI;
  close(): Promise<void>;
}

/** createSwitchboard over `db` (the caller keeps the db) + the gateway on 127.0.0.1:0. */
/** Without `keyring`, createSwitchboard loads it from `env` (none in Postgres mode without SWITCHBOARD_MASTER_KEY). */
export async function startStack(
  db: Db,
  options: { keyring: Keyring | undefined; env: Record<string, string>; upstream?: ProviderDepsOptions; config?: Partial<Config> },
): Promise<Stack> {
  const logs: LogEntry[] = [];
  const sb = await createSwitchboard({
    db,
    env: options.env,
    ...(options.upstream === undefined ? {} : { upstream: options.upstream }),
    ...(options.keyring === undefined ? {} : { keyring: options.keyring }),
    migrate: false,
    pollMs: 0,
    log: (level, message, fields) => logs.push({ source: 'switchboard', line: JSON.stringify({ level, message, fields }) }),
  });
  const config: Config = Object.freeze({ ...loadConfig({}), ...options.config, env: Object.freeze({ ...options.env }) });
  const gateway = createGateway({
    service: sb.service,
    snapshot: () => sb.watcher.snapshot,
    config,
    log: (line) => logs.push({ source: 'gateway', line: JSON.stringify(line) }),
  });
  let address: AddressInfo;
  try {
    address = await gateway.listen(0, '127.0.0.1');
  } catch (error) {
    await sb.close();
    throw error;
  }
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    sb,
    gateway,
    origin,
    logs,
    client: (apiKey) => new OpenAI({ baseURL: `${origin}/v1`, apiKey, maxRetries: 0, timeout: 15_000 }),
    close: async () => {
      await gateway.close();
      await sb.close();
    },
  };
}

/** What one in-process CLI run printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `switchboard <argv>` in-process with PassThrough streams and `env`. */
export async function runCli(argv: string[], env: Record<string, string>, stdinText = ''): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  stdin.end(stdinText);
  const code = await main(argv, { stdout, stderr, stdin, env });
  return { code, stdout: out, stderr: err };
}

/** Every way a secret could be spelled in captured text: as is, base64 and base64url. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, bytes.toString('base64'), bytes.toString('base64url')];
}

/** The secrets (by label) found in `text`, in any of their forms. */
export function leakedSecrets(text: string, secrets: Record<string, string>): string[] {
  return Object.entries(secrets)
    .filter(([, secret]) => secretForms(secret).some((form) => text.includes(form)))
    .map(([label]) => label);
}

/**
 * A migrated database the CLI reaches through `env`: a fresh Postgres database (DATABASE_URL set),
 * or an embedded data dir loaded from the migrated test dump. `withDb` opens it directly; on the
 * embedded database close it (i.e. let `withDb` return) before the next CLI run, the data dir is locked.
 */
export interface CliTarget {
  kind: 'embedded' | 'postgres';
  env: Record<string, string>;
  /** Where an embedded keyring would generate `master.key` (beside the data dir). */
  root: string | undefined;
  withDb<T>(work: (db: Db) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

export async function createCliTarget(): Promise<CliTarget> {
  if (process.env.DATABASE_URL) {
    const db = await createTestDb();
    return { kind: 'postgres', env: { DATABASE_URL: db.url as string }, root: undefined, withDb: (work) => work(db), dispose: () => db.dispose() };
  }
  const source = await createEmbeddedTestDb();
  if (!canDump(source)) throw new Error('the embedded test database cannot dump its data dir');
  const dump = await source.dumpDataDir();
  await source.dispose();
  const root = await mkdtemp(path.join(os.tmpdir(), 'switchboard-security-'));
  const dataDir = path.join(root, 'db');
  await (await openEmbeddedDb({ dataDir, loadDataDir: dump })).close();
  return {
    kind: 'embedded',
    env: { SWITCHBOARD_DATA_DIR: dataDir },
    root,
    withDb: async (work) => {
      const db = await openEmbeddedDb({ dataDir });
      try {
        return await work(db);
      } finally {
        await db.close();
      }
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

function canDump<T extends object>(db: T): db is T & { dumpDataDir(): Promise<Blob> } {
  return typeof (db as { dumpDataDir?: unknown }).dumpDataDir === 'function';
}
