import { request } from 'undici';
import { CredentialStore } from '../../credentials/credential-store.js';
import type { Db } from '../../db/db.js';
import { migrate } from '../../db/migrate.js';
import { openDb } from '../../db/open-db.js';
import { DatabaseError, SwitchboardError, type ErrorCode } from '../../errors.js';
import { loadProviderClasses } from '../../registry/load-provider-classes.js';
import { AdminService } from '../../service/admin/admin-service.js';
import type { CliContext } from '../cli-context.js';
import { resolveAdminToken } from './admin-token.js';
import { readEndpoint } from './endpoint-file.js';

type Row = Record<string, unknown>;

/** What the provider and model commands need, served directly or by a running server. */
export interface AdminApi {
  /** `database` or `server <url>`: said to the user so they know which took the change. */
  readonly via: string;
  createProvider(body: Row): Promise<Row>;
  updateProvider(name: string, body: Row): Promise<Row>;
  deleteProvider(name: string, cascade: boolean): Promise<Row>;
  createModel(body: Row): Promise<Row>;
  updateModel(name: string, body: Row): Promise<Row>;
  deleteModel(name: string): Promise<Row>;
}

/**
 * Runs `work` against the database directly (Postgres, or an embedded data dir nobody holds), or,
 * when a running server holds the embedded data dir, against that server's admin API.
 */
export async function withAdmin<T>(context: CliContext, work: (admin: AdminApi) => Promise<T>): Promise<T> {
  let db: Db;
  try {
    db = await openDb({ databaseUrl: context.config.databaseUrl, dataDir: context.config.dataDir });
  } catch (error) {
    if (!(error instanceof DatabaseError) || error.code !== 'database_locked') throw error;
    return work(serverAdmin(context));
  }
  try {
    if (db.kind === 'embedded') await migrate(db);
    const classes = await loadProviderClasses(context.config.providersDir);
    const service = new AdminService({
      db,
      credentials: new CredentialStore(db, undefined, {}),
      knownClasses: () => [...classes.keys()],
      onChange: async () => {},
      actor: 'cli',
    });
    return await work({
      via: 'database',
      createProvider: (body) => service.createProvider(body),
      updateProvider: (name, body) => service.updateProvider(name, body),
      deleteProvider: (name, cascade) => service.deleteProvider(name, cascade),
      createModel: (body) => service.createModel(body),
      updateModel: (name, body) => service.updateModel(name, body),
      deleteModel: (name) => service.deleteModel(name),
    });
  } finally {
    await db.close();
  }
}

function serverAdmin(context: CliContext): AdminApi {
  const endpoint = readEndpoint(context.config.dataDir);
  if (!endpoint) {
    throw new SwitchboardError(
      'database_locked',
      `the embedded database at ${context.config.dataDir} is held by a running server that publishes no admin endpoint; stop it, or use its admin API`,
    );
  }
  const { token } = resolveAdminToken(context.config, { generate: false });
  if (!token) throw new SwitchboardError('authentication_failed', 'a server holds the database; set SWITCHBOARD_ADMIN_TOKEN to change it through its admin API');
  const call = async (method: string, path: string, body?: Row): Promise<Row> => {
    let response;
    try {
      response = await request(`${endpoint.url}/admin/v1/${path}`, {
        method: method as 'GET',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new SwitchboardError('database_unavailable', `the server at ${endpoint.url} holds the database but cannot be reached (${(error as Error).message})`);
    }
    const payload = (await response.body.json().catch(() => ({}))) as Row;
    if (response.statusCode >= 400) {
      const error = (payload['error'] ?? {}) as { message?: string };
      throw new SwitchboardError(codeForStatus(response.statusCode), error.message ?? `admin API answered HTTP ${response.statusCode}`, {
        status: response.statusCode,
      });
    }
    return payload;
  };
  const name = encodeURIComponent;
  return {
    via: `server ${endpoint.url}`,
    createProvider: (body) => call('POST', 'providers', body),
    updateProvider: (provider, body) => call('PATCH', `providers/${name(provider)}`, body),
    deleteProvider: (provider, cascade) => call('DELETE', `providers/${name(provider)}${cascade ? '?cascade=true' : ''}`),
    createModel: (body) => call('POST', 'models', body),
    updateModel: (model, body) => call('PATCH', `models/${name(model)}`, body),
    deleteModel: (model) => call('DELETE', `models/${name(model)}`),
  };
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'authentication_failed';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  return status < 500 ? 'invalid_request' : 'internal_error';
}
