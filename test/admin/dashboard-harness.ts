/**
 * A Switchboard with the gateway in front, wired as `switchboard serve` wires them (admin service
 * with the dashboard routes, instance reporting), on 127.0.0.1:0, plus small HTTP helpers.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import type { Db } from '../../src/db/db.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { adminServiceFor, startInstanceReporting } from '../../src/service/admin/admin-for-switchboard.js';
import type { AdminService } from '../../src/service/admin/admin-service.js';
import type { InstanceReporter } from '../../src/service/dashboard/instance-reporter.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';

export const ADMIN_TOKEN = `sba-test-${randomBytes(16).toString('hex')}`;

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface DashboardServer {
  switchboard: Switchboard;
  gateway: Gateway;
  admin: AdminService;
  instance: InstanceReporter;
  origin: string;
  get<T = Record<string, unknown>>(path: string, token?: string | null): Promise<Answer<T>>;
  post<T = Record<string, unknown>>(path: string, body?: unknown, token?: string | null): Promise<Answer<T>>;
  close(): Promise<void>;
}

export interface DashboardServerOptions {
  env?: Record<string, string>;
  /** LISTEN for config changes (default false: tests reload explicitly or through the admin API). */
  listen?: boolean;
  pollMs?: number;
  heartbeatMs?: number;
  maxEventStreams?: number;
  config?: Partial<Config>;
}

export async function startDashboardServer(db: Db, options: DashboardServerOptions = {}): Promise<DashboardServer> {
  const env = options.env ?? {};
  const switchboard = await createSwitchboard({
    db,
    env,
    keyring: createKeyring(createMasterKey(randomBytes(32))),
    migrate: false,
    pollMs: options.pollMs ?? 0,
    listen: options.listen ?? false,
    usage: false,
  });
  const instance = await startInstanceReporting(switchboard, { intervalMs: options.heartbeatMs ?? 5000 });
  const admin = adminServiceFor(switchboard, { instanceId: instance.id, ...(options.maxEventStreams === undefined ? {} : { maxEventStreams: options.maxEventStreams }) });
  const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ ...env }), adminToken: ADMIN_TOKEN, ...options.config });
  const gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config, admin });
  const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
  const origin = `http://127.0.0.1:${address.port}`;
  const call = async <T>(method: string, path: string, body: unknown, token: string | null): Promise<Answer<T>> => {
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${origin}/admin/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    const parsed = (response.headers.get('content-type') ?? '').startsWith('application/json') ? (JSON.parse(text) as T) : (text as T);
    return { status: response.status, body: parsed, headers: response.headers };
  };
  return {
    switchboard,
    gateway,
    admin,
    instance,
    origin,
    get: (path, token = ADMIN_TOKEN) => call('GET', path, undefined, token),
    post: (path, body, token = ADMIN_TOKEN) => call('POST', path, body, token),
    async close() {
      await gateway.close();
      await instance.stop();
      await switchboard.close();
    },
  };
}

/** `{ error: { message, type, param, code } }` */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}
