/**
 * Administration of budgets, rate limits and model access, for the admin API and the CLI: bodies
 * validated with the governance schemas, then one write; `onChange` lets the writing instance
 * reload before it answers (others follow the change feed).
 *
 * @module
 */
import type { Db } from '../../db/db.js';
import { selectCounterStatus, type CounterStatusRow } from '../../db/sql/governance.js';
import {
  deleteLimit, keyInProject, projectIdOf, selectAccess, setKeyAccess, setProjectModels, upsertBudget, upsertRateLimit, type AccessRow,
} from '../../db/sql/governance-admin.js';
import { SwitchboardError } from '../../errors.js';
import { parseBody } from './parse-body.js';
import { picoToUsd } from '../../governance/decimal-to-pico.js';
import { accessSetSchema, budgetSetSchema, limitName, rateLimitSetSchema } from '../../governance/governance-schemas.js';

export interface BudgetStatus {
  name: string;
  project: string;
  api_key_id: string | null;
  model_name: string | null;
  period: string;
  period_start: string | null;
  period_end: string | null;
  limit_usd: string | null;
  spent_usd: string;
  reserved_usd: string;
  leased_usd: string;
  leases: number;
  soft_threshold: number | null;
  /** A call to a model with no price in force: admitted at no cost ('allow') or refused ('refuse'). */
  unpriced: 'allow' | 'refuse';
}

export interface RateLimitStatus {
  name: string;
  project: string;
  api_key_id: string | null;
  model_name: string | null;
  metric: 'requests' | 'tokens';
  per_minute: string | null;
  window_start: string | null;
  used: string;
  reserved: string;
  leased: string;
  leases: number;
}

const usd = (pico: string | null): string | null => (pico === null ? null : picoToUsd(BigInt(pico)).replace('$', ''));

export class GovernanceAdmin {
  constructor(
    readonly db: Db,
    readonly onChange: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async listBudgets(): Promise<BudgetStatus[]> {
    return (await selectCounterStatus(this.db))
      .filter((row) => row.kind === 'budget')
      .map((row) => ({
        name: row.name,
        project: row.projectName,
        api_key_id: row.apiKeyId,
        model_name: row.modelName,
        period: row.period,
        period_start: row.periodStart?.toISOString() ?? null,
        period_end: row.periodEnd?.toISOString() ?? null,
        limit_usd: usd(row.limit),
        spent_usd: usd(row.spent) ?? '0.00',
        reserved_usd: usd(row.reserved) ?? '0.00',
        leased_usd: usd(row.leased) ?? '0.00',
        leases: row.leases,
        soft_threshold: row.softThreshold === null ? null : Number(row.softThreshold),
        unpriced: row.unpriced === 'refuse' ? ('refuse' as const) : ('allow' as const),
      }));
  }

  async listRateLimits(): Promise<RateLimitStatus[]> {
    return (await selectCounterStatus(this.db))
      .filter((row): row is CounterStatusRow & { metric: 'requests' | 'tokens' } => row.kind === 'rate_limit' && row.metric !== 'usd_pico')
      .map((row) => ({
        name: row.name,
        project: row.projectName,
        api_key_id: row.apiKeyId,
        model_name: row.modelName,
        metric: row.metric,
        per_minute: row.limit,
        window_start: row.periodStart?.toISOString() ?? null,
        used: row.spent,
        reserved: row.reserved,
        leased: row.leased,
        leases: row.leases,
      }));
  }

  async setBudget(name: string, body: unknown): Promise<BudgetStatus> {
    const budgetName = parseBody(limitName, name);
    const values = parseBody(budgetSetSchema, body);
    const projectId = await this.#project(values.project);
    const apiKeyId = values.api_key_id ?? null;
    if (apiKeyId !== null) await this.#key(apiKeyId, projectId);
    await upsertBudget(this.db, {
      name: budgetName,
      projectId,
      apiKeyId,
      modelName: values.model_name ?? null,
      limitUsd: values.limit_usd,
      period: values.period ?? 'month',
      startsAt: values.starts_at ?? null,
      endsAt: values.ends_at ?? null,
      softThreshold: values.soft_threshold ?? null,
      unpriced: values.unpriced ?? 'allow',
      isActive: values.is_active ?? true,
    });
    await this.onChange();
    const status = (await this.listBudgets()).find((row) => row.name === budgetName);
    if (!status) throw new SwitchboardError('internal_error', `budget '${budgetName}' was written but cannot be read back`);
    return status;
  }

  async setRateLimit(name: string, body: unknown): Promise<RateLimitStatus[]> {
    const limit = parseBody(limitName, name);
    const values = parseBody(rateLimitSetSchema, body);
    const projectId = await this.#project(values.project);
    const apiKeyId = values.api_key_id ?? null;
    if (apiKeyId !== null) await this.#key(apiKeyId, projectId);
    await upsertRateLimit(this.db, {
      name: limit,
      projectId,
      apiKeyId,
      modelName: values.model_name ?? null,
      requestsPerMinute: values.requests_per_minute ?? null,
      tokensPerMinute: values.tokens_per_minute ?? null,
      isActive: values.is_active ?? true,
    });
    await this.onChange();
    return (await this.listRateLimits()).filter((row) => row.name === limit);
  }

  async removeBudget(name: string): Promise<{ deleted: true }> {
    return this.#remove('ai_budgets', 'budget', name);
  }

  async removeRateLimit(name: string): Promise<{ deleted: true }> {
    return this.#remove('ai_rate_limits', 'rate limit', name);
  }

  async listAccess(): Promise<AccessRow[]> {
    return selectAccess(this.db);
  }

  /** Sets the allow-list of a project, or of one key of it (and the key's label). */
  async setAccess(body: unknown): Promise<AccessRow[]> {
    const values = parseBody(accessSetSchema, body);
    const projectId = await this.#project(values.project);
    if (values.api_key_id === undefined) {
      if (values.label !== undefined) throw new SwitchboardError('invalid_request', 'label applies to an API key: set api_key_id', { param: 'label' });
      await setProjectModels(this.db, projectId, values.allowed_models);
    } else {
      await this.#key(values.api_key_id, projectId);
      await setKeyAccess(this.db, values.api_key_id, values.allowed_models, values.label);
    }
    await this.onChange();
    return (await this.listAccess()).filter((row) => row.project === values.project || row.apiKeyId === values.api_key_id);
  }

  async #remove(table: 'ai_budgets' | 'ai_rate_limits', kind: string, name: string): Promise<{ deleted: true }> {
    if (!(await deleteLimit(this.db, table, name))) throw new SwitchboardError('not_found', `no ${kind} named '${name.slice(0, 64)}'`);
    await this.onChange();
    return { deleted: true };
  }

  async #project(ref: string): Promise<string> {
    const id = await projectIdOf(this.db, ref);
    if (id === undefined) throw new SwitchboardError('not_found', `no project named '${ref.slice(0, 100)}'`, { param: 'project' });
    return id;
  }

  async #key(keyId: string, projectId: string): Promise<void> {
    if (!(await keyInProject(this.db, keyId, projectId))) {
      throw new SwitchboardError('not_found', `API key ${keyId} is not a key of that project`, { param: 'api_key_id' });
    }
  }
}
