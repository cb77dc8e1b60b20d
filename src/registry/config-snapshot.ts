import type { Queryable } from '../db/db.js';
import { selectActiveApiKeys } from '../db/sql/access-rows.js';
import { selectConfigVersion } from '../db/sql/config-version.js';
import { selectPriceHistory } from '../db/sql/price-history.js';
import { ApiKeyIndex } from './api-key-index.js';
import { loadRegistry, type LoaderOptions } from './provider-loader.js';
import type { ProviderRegistry } from './provider-registry.js';
import { PriceBook } from './price-book.js';
import { loadRouteTable } from '../routing/load-route-table.js';
import type { RouteTable } from '../routing/route-table.js';

/** Everything a request needs, in memory and immutable: swapped whole on reload. */
export interface ConfigSnapshot {
  version: number;
  registry: ProviderRegistry;
  apiKeys: ApiKeyIndex;
  /** The price history (reloaded with the registry). */
  prices: PriceBook;
  /** Routes bound to this registry, with the shared breaker rows (reloaded with the registry too). */
  routes: RouteTable;
}

/**
 * Which parts of the configuration a change touches, by table name. `governance` (budgets, rate
 * limits, model access) is not in the snapshot: the governor loads it when told.
 */
export type SnapshotPart = 'registry' | 'apiKeys' | 'credentials' | 'routes' | 'governance';

export const allSnapshotParts: ReadonlySet<SnapshotPart> = new Set(['registry', 'apiKeys', 'credentials', 'routes', 'governance']);

export function partsForTable(table: string): SnapshotPart[] {
  switch (table) {
    case 'ai_providers':
    case 'ai_models':
    case 'ai_price_history':
      return ['registry'];
    case 'ai_routes':
    case 'ai_route_targets':
    case 'ai_route_health':
    case 'ai_credential_blocks':
      return ['routes'];
    case 'api_keys':
    case 'projects':
      // Model access (`allowed_models`) is a column of both.
      return ['apiKeys', 'credentials', 'governance'];
    case 'ai_provider_credentials':
      return ['credentials'];
    case 'ai_budgets':
    case 'ai_rate_limits':
      return ['governance'];
    default:
      return [...allSnapshotParts];
  }
}

/**
 * Loads a snapshot. The version is read first (or given: read by the caller before it chose
 * `parts`), so a change that commits during the load is seen again by the next version check
 * rather than lost. Parts not listed in `parts` are taken from `previous`.
 */
export async function loadConfigSnapshot(
  db: Queryable,
  options: LoaderOptions,
  previous?: ConfigSnapshot,
  parts: ReadonlySet<SnapshotPart> = allSnapshotParts,
  knownVersion?: number,
): Promise<ConfigSnapshot> {
  const version = knownVersion ?? (await selectConfigVersion(db));
  const reloadRegistry = parts.has('registry') || !previous;
  const [registry, apiKeys, prices] = await Promise.all([
    reloadRegistry ? loadRegistry(db, version, options) : Promise.resolve(previous.registry),
    parts.has('apiKeys') || !previous ? selectActiveApiKeys(db).then((rows) => new ApiKeyIndex(rows)) : Promise.resolve(previous.apiKeys),
    reloadRegistry ? selectPriceHistory(db).then((rows) => new PriceBook(rows, options.warn)) : Promise.resolve(previous.prices),
  ]);
  const routes =
    reloadRegistry || parts.has('routes') || !previous ? await loadRouteTable(db, registry, options.warn) : previous.routes;
  return { version, registry, apiKeys, prices, routes };
}
