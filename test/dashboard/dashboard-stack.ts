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
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { adminServiceFor } from '../../src/service/admin/admin-for-switchboard.js';
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
  const admin = adminServiceFor(switchboard);
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
      await switchboard.close();
      await db.dispose();
      await openai.close();
    },
  };
}
