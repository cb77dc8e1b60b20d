/**
 * Administration of the configuration rows: providers, models, projects, API keys and
 * credentials. Used by the admin REST API and by the CLI when it writes the database directly.
 * Every write is followed by `onChange()`, so the instance that wrote sees it before answering;
 * other instances learn it from the change feed.
 *
 * @module
 */
import type { CredentialStore } from '../../credentials/credential-store.js';
import { generateApiKey } from '../../crypto/api-key.js';
import { actorDb, type ConfigActor } from '../../db/actor-db.js';
import type { Db } from '../../db/db.js';
import {
  deleteModelsOfProvider, deleteRow, insertRow, selectIdByName, selectModelNamesOfProvider, selectRow, selectRows, updateRow, type TableSpec,
} from '../../db/sql/admin-tables.js';
import { insertApiKey, listApiKeys, revokeApiKey } from '../../db/sql/api-keys.js';
import { listCredentials } from '../../db/sql/credentials.js';
import { SwitchboardError } from '../../errors.js';
import type { DashboardService } from '../dashboard/dashboard-service.js';
import { explainUsage, type UsageExplanation } from '../../usage/reports/usage-explain.js';
import { parseUsageQuery } from '../../usage/reports/usage-query.js';
import { usageReport, type UsageReport } from '../../usage/reports/usage-report.js';
import {
  apiKeyCreateSchema, modelCreateSchema, modelUpdateSchema, projectCreateSchema, providerCreateSchema, providerUpdateSchema,
} from './admin-schemas.js';
import { modelsTable, projectsTable, providersTable } from './admin-tables.js';
import { parseBody } from './parse-body.js';

type Row = Record<string, unknown>;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AdminServiceOptions {
  db: Db;
  credentials: CredentialStore;
  /** The provider_class names that can be loaded (built-in + providers dir). */
  knownClasses: () => readonly string[];
  /** Unavailable-row reasons from the serving registry, by provider / model name. */
  status?: (kind: 'provider' | 'model', name: string) => { status: string; reason: string | undefined } | undefined;
  /** Called after every write (the server reloads its snapshot before answering). */
  onChange: () => Promise<void>;
  /** Who writes, as the config history records it (default `admin-api`). */
  actor?: ConfigActor;
  /** The dashboard's routes (history, instances, status, usage series, events); absent in the CLI. */
  dashboard?: DashboardService;
}

export class AdminService {
  readonly #options: AdminServiceOptions;
  readonly #db: Db;
  readonly dashboard: DashboardService | undefined;

  constructor(options: AdminServiceOptions) {
    this.#options = options;
    this.#db = actorDb(options.db, options.actor ?? 'admin-api');
    this.dashboard = options.dashboard;
  }

  // Providers ---------------------------------------------------------------------------------

  async listProviders(): Promise<Row[]> {
    return (await selectRows(this.#db, providersTable)).map((row) => this.#withStatus('provider', row));
  }

  async getProvider(ref: string): Promise<Row> {
    return this.#withStatus('provider', await this.#get(providersTable, ref, 'provider'));
  }

  async createProvider(body: unknown): Promise<Row> {
    const values = parseBody(providerCreateSchema, body);
    this.#checkClass(values.provider_class);
    const row = await insertRow(this.#db, providersTable, values);
    await this.#options.onChange();
    return this.#withStatus('provider', row);
  }

  async updateProvider(ref: string, body: unknown): Promise<Row> {
    const values = parseBody(providerUpdateSchema, body);
    if (values.provider_class !== undefined) this.#checkClass(values.provider_class);
    const id = await this.#id(providersTable, ref, 'provider');
    const row = await updateRow(this.#db, providersTable, id, values);
    await this.#options.onChange();
    return this.#withStatus('provider', row ?? {});
  }

  /** Deletes a provider; refuses (409, naming them) while models use it unless `cascade`. */
  async deleteProvider(ref: string, cascade: boolean): Promise<{ deleted: true; models_deleted: number }> {
    const id = await this.#id(providersTable, ref, 'provider');
    const result = await this.#db.transaction(async (tx) => {
      const models = await selectModelNamesOfProvider(tx, id);
      if (models.length > 0 && !cascade) {
        throw new SwitchboardError(
          'conflict',
          `Provider '${ref}' is used by ${models.length} model(s): ${models.slice(0, 20).join(', ')}. Delete them first, or delete with cascade (?cascade=true, CLI --cascade).`,
        );
      }
      const modelsDeleted = models.length > 0 ? await deleteModelsOfProvider(tx, id) : 0;
      await deleteRow(tx, providersTable, id);
      return { deleted: true as const, models_deleted: modelsDeleted };
    });
    await this.#options.onChange();
    return result;
  }

  // Models ------------------------------------------------------------------------------------

  async listModels(): Promise<Row[]> {
    return (await selectRows(this.#db, modelsTable)).map((row) => this.#withStatus('model', row));
  }

  async getModel(ref: string): Promise<Row> {
    return this.#withStatus('model', await this.#get(modelsTable, ref, 'model'));
  }

  async createModel(body: unknown): Promise<Row> {
    const { provider, ...values } = parseBody(modelCreateSchema, body);
    const providerId = await this.#id(providersTable, provider, 'provider', 'provider');
    const row = await insertRow(this.#db, modelsTable, { ...values, provider_id: providerId });
    await this.#options.onChange();
    return this.#withStatus('model', row);
  }

  async updateModel(ref: string, body: unknown): Promise<Row> {
    const { provider, ...values } = parseBody(modelUpdateSchema, body);
    const id = await this.#id(modelsTable, ref, 'model');
    const providerId = provider === undefined ? undefined : await this.#id(providersTable, provider, 'provider', 'provider');
    const row = await updateRow(this.#db, modelsTable, id, providerId === undefined ? values : { ...values, provider_id: providerId });
    await this.#options.onChange();
    return this.#withStatus('model', row ?? {});
  }

  async deleteModel(ref: string): Promise<{ deleted: true }> {
    await deleteRow(this.#db, modelsTable, await this.#id(modelsTable, ref, 'model'));
    await this.#options.onChange();
    return { deleted: true };
  }

  // Projects, keys, credentials ---------------------------------------------------------------

  listProjects(): Promise<Row[]> {
    return selectRows(this.#db, projectsTable);
  }

  getProject(ref: string): Promise<Row> {
    return this.#get(projectsTable, ref, 'project');
  }

  async createProject(body: unknown): Promise<Row> {
    const row = await insertRow(this.#db, projectsTable, parseBody(projectCreateSchema, body));
    await this.#options.onChange();
    return row;
  }

  /** Deletes a project with its keys and credentials (they cascade in the schema). */
  async deleteProject(ref: string): Promise<{ deleted: true }> {
    await deleteRow(this.#db, projectsTable, await this.#id(projectsTable, ref, 'project'));
    await this.#options.onChange();
    return { deleted: true };
  }

  async listApiKeys(project?: string): Promise<Row[]> {
    return (await listApiKeys(this.#db, project)).map((key) => ({
      id: key.id, project: key.projectName, name: key.name, prefix: key.prefix,
      created_at: key.createdAt, revoked_at: key.revokedAt, expires_at: key.expiresAt,
    }));
  }

  /** Creates a key; the response is the only time the key is shown. */
  async createApiKey(body: unknown): Promise<Row> {
    const values = parseBody(apiKeyCreateSchema, body);
    const generated = generateApiKey();
    const row = await insertApiKey(this.#db, {
      projectName: values.project, name: values.name ?? null, prefix: generated.prefix, keyHash: generated.hash,
      expiresAt: values.expires_at ?? null,
    });
    if (!row) throw new SwitchboardError('not_found', `No project named '${values.project}'`, { param: 'project' });
    await this.#options.onChange();
    return { id: row.id, key: generated.key, project: values.project, name: values.name ?? null, prefix: generated.prefix };
  }

  async revokeApiKey(id: string): Promise<{ revoked: true }> {
    if (!uuidPattern.test(id) || !(await revokeApiKey(this.#db, id))) throw new SwitchboardError('not_found', `No active API key with id '${id}'`);
    await this.#options.onChange();
    return { revoked: true };
  }

  async listCredentials(project?: string): Promise<Row[]> {
    if (project !== undefined) await this.#id(projectsTable, project, 'project');
    return (await listCredentials(this.#db, project)).map((row) => ({
      project: row.projectName, provider: row.providerName, key_hint: row.keyHint, fingerprint: row.fingerprint, updated_at: row.updatedAt,
    }));
  }

  /** Stores (encrypted) a project's credential for a provider; answers with the key hint only. */
  async setCredential(project: string, provider: string, body: unknown): Promise<Row> {
    const projectId = await this.#id(projectsTable, project, 'project');
    const providerId = await this.#id(providersTable, provider, 'provider');
    const { keyHint } = await this.#options.credentials.set(projectId, providerId, body, this.#db);
    await this.#options.onChange();
    return { project, provider, key_hint: keyHint };
  }

  async deleteCredential(project: string, provider: string): Promise<{ deleted: true }> {
    const projectId = await this.#id(projectsTable, project, 'project');
    const providerId = await this.#id(providersTable, provider, 'provider');
    if (!(await this.#options.credentials.delete(projectId, providerId, this.#db))) {
      throw new SwitchboardError('not_found', `Project '${project}' has no stored credential for provider '${provider}'`);
    }
    await this.#options.onChange();
    return { deleted: true };
  }

  // Usage (reports read the hourly rollups; explain reads one request's ledger rows) -----------

  /** A usage report; `params` are the filters (`project`, `key`, `since`, `by`, …). */
  usageReport(params: Iterable<[string, string]>): Promise<UsageReport> {
    return usageReport(this.#db, parseUsageQuery(params));
  }

  /** One request's ledger rows, price rows and cost arithmetic. */
  explainUsage(requestId: string): Promise<UsageExplanation> {
    return explainUsage(this.#db, requestId);
  }

  // Helpers -----------------------------------------------------------------------------------

  async #id(spec: TableSpec, ref: string, kind: string, param?: string): Promise<string> {
    const id = uuidPattern.test(ref) ? ((await selectRow(this.#db, spec, ref))?.['id'] as string | undefined) : await selectIdByName(this.#db, spec, ref);
    if (!id) throw new SwitchboardError('not_found', `No ${kind} named '${ref}'`, param === undefined ? {} : { param, status: 400 });
    return id;
  }

  async #get(spec: TableSpec, ref: string, kind: string): Promise<Row> {
    const row = await selectRow(this.#db, spec, await this.#id(spec, ref, kind));
    if (!row) throw new SwitchboardError('not_found', `No ${kind} named '${ref}'`);
    return row;
  }

  #checkClass(className: string): void {
    const known = this.#options.knownClasses();
    if (!known.includes(className)) {
      throw new SwitchboardError('invalid_request', `provider_class '${className}' is not a known class (known: ${[...known].sort().join(', ')})`, {
        param: 'provider_class',
      });
    }
  }

  #withStatus(kind: 'provider' | 'model', row: Row): Row {
    const status = this.#options.status?.(kind, String(row['name']));
    return status ? { ...row, status: status.status, unavailable_reason: status.reason ?? null } : row;
  }
}
