/**
 * `GET /status`: what this instance serves now, from its in-memory snapshot: the configuration
 * version, how many providers, models and keys loaded, and every row that failed to load with the
 * loader's reason (never a secret: reasons name columns and classes, not values).
 *
 * @module
 */
import type { ConfigSnapshot } from '../../registry/config-snapshot.js';

export interface LoadError {
  table: 'ai_providers' | 'ai_models';
  row_id: string;
  name: string;
  reason: string;
}

export interface RegistryStatus {
  config_version: number;
  instance_id: string;
  loaded_at: string;
  loaded: { providers: number; models: number; keys: number };
  load_errors: LoadError[];
}

export function registryStatus(snapshot: ConfigSnapshot, instanceId: string): RegistryStatus {
  const { registry } = snapshot;
  const errors: LoadError[] = [];
  let providers = 0;
  let models = 0;
  for (const entry of registry.providers.values()) {
    if (entry.status === 'available') providers++;
    else if (entry.status === 'unavailable') errors.push({ table: 'ai_providers', row_id: entry.id, name: entry.name, reason: entry.reason ?? 'unavailable' });
  }
  for (const entry of registry.models.values()) {
    if (entry.status === 'available') models++;
    // A model is unavailable because of its provider too; the provider's row is listed already.
    else if (entry.status === 'unavailable') errors.push({ table: 'ai_models', row_id: entry.id, name: entry.name, reason: entry.reason ?? 'unavailable' });
  }
  return {
    config_version: snapshot.version,
    instance_id: instanceId,
    loaded_at: registry.loadedAt.toISOString(),
    loaded: { providers, models, keys: snapshot.apiKeys.size },
    load_errors: errors,
  };
}
