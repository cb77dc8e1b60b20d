/**
 * `GET /status`: what this instance serves now, from its in-memory snapshot: the configuration
 * version, how many providers, models and keys loaded, and every row left out of service with the
 * reason found when it loaded (never a secret: reasons name columns and classes, not values):
 * providers and models, price rows, routes and route targets, and allow-lists of projects and keys.
 *
 * @module
 */
import type { GovernanceRules } from '../../governance/governance-rules.js';
import type { ConfigSnapshot } from '../../registry/config-snapshot.js';
import type { LoadError } from '../../registry/load-error.js';

export type { LoadError } from '../../registry/load-error.js';

export interface RegistryStatus {
  config_version: number;
  instance_id: string;
  loaded_at: string;
  loaded: { providers: number; models: number; keys: number };
  load_errors: LoadError[];
}

/** `governance`: the rules in force (their allow-lists), when this instance governs. */
export function registryStatus(snapshot: ConfigSnapshot, instanceId: string, governance?: GovernanceRules, now: number = Date.now()): RegistryStatus {
  const { registry } = snapshot;
  const errors: LoadError[] = [];
  let providers = 0;
  let models = 0;
  for (const entry of registry.providers.values()) {
    if (entry.status === 'available') providers++;
    else if (entry.status === 'unavailable') errors.push({ table: 'ai_providers', row_id: entry.id, name: entry.name, reason: entry.reason ?? 'unavailable' });
    // A row served all the same, one of its values ignored (a bad config.max_batch_size).
    if (entry.status !== 'unavailable' && entry.loadProblem !== undefined) errors.push({ table: 'ai_providers', row_id: entry.id, name: entry.name, reason: entry.loadProblem });
  }
  for (const entry of registry.models.values()) {
    if (entry.status === 'available') models++;
    // A model is unavailable because of its provider too; the provider's row is listed already.
    else if (entry.status === 'unavailable') errors.push({ table: 'ai_models', row_id: entry.id, name: entry.name, reason: entry.reason ?? 'unavailable' });
  }
  errors.push(...priceErrors(snapshot, now), ...snapshot.routes.loadErrors, ...accessErrors(snapshot, governance));
  return {
    config_version: snapshot.version,
    instance_id: instanceId,
    loaded_at: registry.loadedAt.toISOString(),
    loaded: { providers, models, keys: snapshot.apiKeys.size },
    load_errors: errors,
  };
}

/**
 * Price rows whose pricing is unusable, in force now or scheduled, of a provider or model that
 * exists (the history outlives deleted rows, and nothing uses their prices).
 */
function priceErrors({ prices, registry }: ConfigSnapshot, now: number): LoadError[] {
  const unusable = prices.unusable(now);
  if (unusable.length === 0) return [];
  const names = new Map<string, string>();
  for (const entry of registry.providers.values()) names.set(entry.id, entry.name);
  for (const entry of registry.models.values()) names.set(entry.id, entry.name);
  const errors: LoadError[] = [];
  for (const price of unusable) {
    const name = names.get(price.modelId ?? price.providerId ?? '');
    if (name === undefined) continue;
    const when = price.scheduled ? 'scheduled: costs using it will be unknown' : 'in force: costs using it are unknown';
    errors.push({ table: 'ai_price_history', row_id: price.id, name, reason: `${price.reason} (${when})` });
  }
  return errors;
}

/** Allow-lists the governor reads as empty, named from the key index. */
function accessErrors({ apiKeys }: ConfigSnapshot, governance: GovernanceRules | undefined): LoadError[] {
  return (governance?.accessErrors ?? []).map((error) => ({
    table: error.table,
    row_id: error.rowId,
    name: (error.table === 'projects' ? apiKeys.projectName(error.projectId) : apiKeys.keyName(error.rowId)) ?? error.rowId,
    reason: error.reason,
  }));
}
