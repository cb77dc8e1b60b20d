/**
 * What the dashboard's admin routes read and do beyond the CRUD of AdminService: the config
 * history and its revert, the running instances, this instance's registry status, usage series
 * and request pages, a model's price timeline and the live event hub.
 *
 * @module
 */
import { actorDb } from '../../db/actor-db.js';
import type { Db } from '../../db/db.js';
import type { HistoryEntry } from '../../db/sql/config-history.js';
import { selectInstances, type InstanceRow } from '../../db/sql/instances.js';
import type { GovernanceRules } from '../../governance/governance-rules.js';
import type { ConfigSnapshot } from '../../registry/config-snapshot.js';
import type { AdminEventHub } from './admin-events.js';
import { listHistory, revertChange, type HistoryPage } from './config-history.js';
import { modelPrices, type ModelPrices } from './model-prices.js';
import { registryStatus, type RegistryStatus } from './registry-status.js';
import { usageRequests, usageSeries, type CsvAnswer, type UsagePage, type UsageSeries } from './usage-dashboard.js';

/** An instance is alive when seen within this long (three missed 5 s heartbeats). */
export const ALIVE_MS = 15_000;

export interface DashboardServiceOptions {
  db: Db;
  /** The snapshot this instance serves now. */
  snapshot: () => ConfigSnapshot;
  /** The governance rules in force (their allow-lists' load errors), when this instance governs. */
  governance?: () => GovernanceRules | undefined;
  /**
   * The database's clock less this instance's, ms (the governor's measured offset): price rows take
   * effect by the database's time, so the status judges which are in force by it, as the ledger does.
   */
  clockOffsetMs?: () => number;
  instanceId: string;
  events: AdminEventHub;
  /** Called after a revert (the instance reloads before answering). */
  onChange: () => Promise<void>;
}

export class DashboardService {
  readonly events: AdminEventHub;
  readonly instanceId: string;
  readonly #options: DashboardServiceOptions;
  readonly #writer: Db;

  constructor(options: DashboardServiceOptions) {
    this.#options = options;
    this.#writer = actorDb(options.db, 'admin-api');
    this.events = options.events;
    this.instanceId = options.instanceId;
  }

  history(params: Iterable<[string, string]>): Promise<HistoryPage> {
    return listHistory(this.#options.db, params);
  }

  async revert(id: string): Promise<{ reverted: string; change: HistoryEntry }> {
    const result = await revertChange(this.#writer, id);
    await this.#options.onChange();
    return result;
  }

  async instances(): Promise<{ data: InstanceRow[]; current_version: number }> {
    const { rows, currentVersion } = await selectInstances(this.#options.db, ALIVE_MS);
    return { data: rows, current_version: currentVersion };
  }

  status(): RegistryStatus {
    return registryStatus(this.#options.snapshot(), this.instanceId, this.#options.governance?.(), Date.now() + (this.#options.clockOffsetMs?.() ?? 0));
  }

  usageSeries(params: Iterable<[string, string]>): Promise<UsageSeries | CsvAnswer> {
    return usageSeries(this.#options.db, params);
  }

  usageRequests(params: Iterable<[string, string]>): Promise<UsagePage> {
    return usageRequests(this.#options.db, params);
  }

  modelPrices(name: string): Promise<ModelPrices> {
    return modelPrices(this.#options.db, name);
  }
}
