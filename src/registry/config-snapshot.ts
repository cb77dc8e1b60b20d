import type { Db, Queryable } from '../db/db.js';
import { selectActiveApiKeys } from '../db/sql/access-rows.js';
import { readConsistently, selectConfigVersion } from '../db/sql/config-version.js';
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
 * Loads a whole snapshot in one read-only transaction (`readConsistently`): every part, and the
 * version it is tagged with, come from the same committed state, so a transaction that commits
 * during the load (a provider and its model) is in it entirely or not at all.
 */
export function loadConfigSnapshot(db: Db, options: LoaderOptions): Promise<ConfigSnapshot> {
  return readConsistently(db, async (tx) => loadSnapshotParts(tx, await selectConfigVersion(tx), options));
}

/**
 * Reads `parts` with `tx`, which must be a `readConsistently` transaction in which `version` was
 * read; the other parts are taken from `previous`. The routes read after the registry they bind to.
 */
export async function loadSnapshotParts(
  tx: Queryable,
  version: number,
  options: LoaderOptions,
  previous?: ConfigSnapshot,
  parts: ReadonlySet<SnapshotPart> = allSnapshotParts,
): Promise<ConfigSnapshot> {
  const reloadRegistry = parts.has('registry') || !previous;
  const [registry, apiKeys, prices] = await Promise.all([
    reloadRegistry ? loadRegistry(tx, version, options) : Promise.resolve(previous.registry),
    parts.has('apiKeys') || !previous ? selectActiveApiKeys(tx).then((rows) => new ApiKeyIndex(rows)) : Promise.resolve(previous.apiKeys),
    reloadRegistry ? selectPriceHistory(tx).then((rows) => new PriceBook(rows, options.warn)) : Promise.resolve(previous.prices),
  ]);
  const routes =
    reloadRegistry || parts.has('routes') || !previous
      ? await withSavepoint(tx, () => loadRouteTable(tx, registry, options.warn, options.credentialFingerprints))
      : previous.routes;
  return { version, registry, apiKeys, prices, routes };
}

/**
 * Runs `work`, which may catch a failed statement itself (the route loader serves no routes on a
 * database without the routes tables), behind a savepoint: a caught failure would otherwise abort
 * the transaction, and with it the whole load.
 */
async function withSavepoint<T>(tx: Queryable, work: () => Promise<T>): Promise<T> {
  await tx.query('savepoint switchboard_part');
  const result = await work();
  try {
    await tx.query('release savepoint switchboard_part');
  } catch {
    // Aborted by a statement `work` caught: back to before it; what `work` returned stands.
    await tx.query('rollback to savepoint switchboard_part');
  }
  return result;
}
