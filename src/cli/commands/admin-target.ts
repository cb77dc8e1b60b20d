import { CredentialStore } from '../../credentials/credential-store.js';
import type { Db } from '../../db/db.js';
import { migrate } from '../../db/migrate.js';
import { openDb } from '../../db/open-db.js';
import { loadProviderClasses } from '../../registry/load-provider-classes.js';
import { AdminService } from '../../service/admin/admin-service.js';
import type { CliContext } from '../cli-context.js';
import { isHeldByServer, serverAdmin } from './server-admin.js';

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
    if (!isHeldByServer(error)) throw error;
    return work(serverAdminApi(context));
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

function serverAdminApi(context: CliContext): AdminApi {
  const { url, call } = serverAdmin(context);
  const name = encodeURIComponent;
  return {
    via: `server ${url}`,
    createProvider: (body) => call('POST', 'providers', body),
    updateProvider: (provider, body) => call('PATCH', `providers/${name(provider)}`, body),
    deleteProvider: (provider, cascade) => call('DELETE', `providers/${name(provider)}${cascade ? '?cascade=true' : ''}`),
    createModel: (body) => call('POST', 'models', body),
    updateModel: (model, body) => call('PATCH', `models/${name(model)}`, body),
    deleteModel: (model) => call('DELETE', `models/${name(model)}`),
  };
}
