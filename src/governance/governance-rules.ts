/**
 * Governance configuration in memory: budgets, rate limits and model allow-lists, built from rows
 * (a bad row is skipped with its reason, never crashes) and looked up per request without a query.
 *
 * @module
 */
import type { BudgetRow, ModelAccessRow, RateLimitRow } from '../db/sql/governance.js';
import { isNestedList } from '../registry/load-error.js';
import { decimalToPico } from './decimal-to-pico.js';

export type BudgetPeriod = 'day' | 'week' | 'month' | 'fixed';

/** What a budget does with a call to a model that has no price in force (`ai_budgets.unpriced`). */
export type UnpricedPolicy = 'allow' | 'refuse';

export interface BudgetRule {
  kind: 'budget';
  id: string;
  name: string;
  projectId: string;
  apiKeyId: string | null;
  modelName: string | null;
  limitPico: bigint;
  period: BudgetPeriod;
  /** Epoch ms of a fixed window (the budget applies only inside it). */
  startsAt: number | undefined;
  endsAt: number | undefined;
  /** Fraction of the limit past which answers warn; undefined = no warning. */
  softThreshold: number | undefined;
  /** 'refuse': a call it applies to is refused when its model has no price in force (it would cost 0 here). */
  unpriced: UnpricedPolicy;
  /** Changes when anything that affects leases changes. */
  fingerprint: string;
}

export interface RateLimitRule {
  kind: 'rate_limit';
  id: string;
  name: string;
  projectId: string;
  apiKeyId: string | null;
  modelName: string | null;
  requestsPerMinute: bigint | undefined;
  tokensPerMinute: bigint | undefined;
  fingerprint: string;
}

/**
 * An allow-list row that cannot be read as written (GET /admin/v1/status names it from the key
 * index: the rules hold no names).
 */
export interface AccessListError {
  table: 'projects' | 'api_keys';
  rowId: string;
  projectId: string;
  reason: string;
}

/** The rules that apply to one call. */
export interface ApplicableRules {
  budgets: BudgetRule[];
  rateLimits: RateLimitRule[];
}

const periods: ReadonlySet<string> = new Set(['day', 'week', 'month', 'fixed']);
const unpricedPolicies: ReadonlySet<string> = new Set(['allow', 'refuse']);
const none: ApplicableRules = { budgets: [], rateLimits: [] };

export class GovernanceRules {
  readonly #projectModels = new Map<string, ReadonlySet<string>>();
  readonly #keyModels = new Map<string, ReadonlySet<string>>();
  readonly #budgets = new Map<string, BudgetRule[]>();
  readonly #rateLimits = new Map<string, RateLimitRule[]>();
  readonly budgetCount: number;
  readonly rateLimitCount: number;
  /** Whether any project or key has an allow-list (without one, every key may call every name). */
  readonly listsModels: boolean;
  /** Allow-lists written as multi-dimensional arrays: read as empty (no model allowed), never as no list. */
  readonly accessErrors: readonly AccessListError[];

  constructor(budgets: readonly BudgetRow[], rateLimits: readonly RateLimitRow[], access: readonly ModelAccessRow[], warn: (message: string) => void = () => {}) {
    const accessErrors: AccessListError[] = [];
    for (const row of access) {
      if (isNestedList(row.allowedModels)) {
        const [table, rowId] = row.apiKeyId === null ? (['projects', row.projectId] as const) : (['api_keys', row.apiKeyId] as const);
        const reason = `allowed_models is a multi-dimensional array (written as '{{…}}'): read as no name, so ${table === 'projects' ? "the project's keys" : 'the key'} may call no model`;
        warn(`${table} row ${rowId}: ${reason}`);
        accessErrors.push({ table, rowId, projectId: row.projectId, reason });
      }
      const models = new Set(row.allowedModels.filter((name) => typeof name === 'string'));
      if (row.apiKeyId === null) this.#projectModels.set(row.projectId, models);
      else this.#keyModels.set(row.apiKeyId, models);
    }
    this.listsModels = this.#projectModels.size > 0 || this.#keyModels.size > 0;
    this.accessErrors = accessErrors;
    let budgetCount = 0;
    for (const row of budgets) {
      if (!row.isActive) continue;
      const rule = budgetRule(row);
      if (typeof rule === 'string') {
        warn(`budget '${row.name}' is skipped: ${rule}`);
        continue;
      }
      push(this.#budgets, row.projectId, rule);
      budgetCount += 1;
    }
    let rateLimitCount = 0;
    for (const row of rateLimits) {
      if (!row.isActive) continue;
      const rule: RateLimitRule = {
        kind: 'rate_limit',
        id: row.id,
        name: row.name,
        projectId: row.projectId,
        apiKeyId: row.apiKeyId,
        modelName: row.modelName,
        requestsPerMinute: row.requestsPerMinute === null ? undefined : BigInt(row.requestsPerMinute),
        tokensPerMinute: row.tokensPerMinute === null ? undefined : BigInt(row.tokensPerMinute),
        fingerprint: `${row.requestsPerMinute}|${row.tokensPerMinute}`,
      };
      push(this.#rateLimits, row.projectId, rule);
      rateLimitCount += 1;
    }
    this.budgetCount = budgetCount;
    this.rateLimitCount = rateLimitCount;
  }

  /** An empty rule set (nothing limited, every model allowed). */
  static empty(): GovernanceRules {
    return new GovernanceRules([], [], []);
  }

  /** Every active rule. */
  all(): (BudgetRule | RateLimitRule)[] {
    return [...[...this.#budgets.values()].flat(), ...[...this.#rateLimits.values()].flat()];
  }

  /** Whether the key (within its project) may call the public name `model`. */
  allows(projectId: string | undefined, apiKeyId: string | undefined, model: string): boolean {
    if (projectId !== undefined) {
      const project = this.#projectModels.get(projectId);
      if (project && !project.has(model)) return false;
    }
    if (apiKeyId !== undefined) {
      const key = this.#keyModels.get(apiKeyId);
      if (key && !key.has(model)) return false;
    }
    return true;
  }

  /** True when the key or its project has an allow-list. */
  restricts(projectId: string | undefined, apiKeyId: string | undefined): boolean {
    return (projectId !== undefined && this.#projectModels.has(projectId)) || (apiKeyId !== undefined && this.#keyModels.has(apiKeyId));
  }

  /** The budgets and rate limits a call of `model` by the key counts against. */
  applicable(projectId: string | undefined, apiKeyId: string | undefined, model: string, now: number): ApplicableRules {
    if (projectId === undefined) return none;
    const budgets = this.#budgets.get(projectId);
    const rateLimits = this.#rateLimits.get(projectId);
    if (!budgets && !rateLimits) return none;
    return {
      budgets: (budgets ?? []).filter((rule) => matches(rule, apiKeyId, model) && inWindow(rule, now)),
      rateLimits: (rateLimits ?? []).filter((rule) => matches(rule, apiKeyId, model)),
    };
  }
}

function matches(rule: { apiKeyId: string | null; modelName: string | null }, apiKeyId: string | undefined, model: string): boolean {
  return (rule.apiKeyId === null || rule.apiKeyId === apiKeyId) && (rule.modelName === null || rule.modelName === model);
}

function inWindow(rule: BudgetRule, now: number): boolean {
  if (rule.period !== 'fixed') return true;
  return rule.startsAt !== undefined && rule.endsAt !== undefined && rule.startsAt <= now && now < rule.endsAt;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function budgetRule(row: BudgetRow): BudgetRule | string {
  if (!periods.has(row.period)) return `unknown period '${row.period}'`;
  const limitPico = decimalToPico(row.limitUsd);
  if (limitPico === undefined) return `limit_usd '${row.limitUsd}' is not a decimal amount`;
  const soft = row.softThreshold === null ? undefined : Number(row.softThreshold);
  if (soft !== undefined && !(soft > 0 && soft <= 1)) return `soft_threshold '${row.softThreshold}' is not in (0, 1]`;
  if (!unpricedPolicies.has(row.unpriced)) return `unknown unpriced '${row.unpriced}'`;
  return {
    kind: 'budget',
    id: row.id,
    name: row.name,
    projectId: row.projectId,
    apiKeyId: row.apiKeyId,
    modelName: row.modelName,
    limitPico,
    period: row.period as BudgetPeriod,
    startsAt: row.startsAt?.getTime(),
    endsAt: row.endsAt?.getTime(),
    softThreshold: soft,
    unpriced: row.unpriced as UnpricedPolicy,
    fingerprint: `${row.limitUsd}|${row.period}|${row.startsAt?.getTime()}|${row.endsAt?.getTime()}`,
  };
}
