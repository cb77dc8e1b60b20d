import type { Queryable } from '../db/db.js';
import { selectRouteHealthRows, selectRouteRows } from '../db/sql/routes.js';
import { errorMessage } from '../errors.js';
import type { ProviderRegistry } from '../registry/provider-registry.js';
import { buildRouteTable, RouteTable } from './route-table.js';

/**
 * Reads every route (with its targets, in one statement) and the shared breaker rows, bound to
 * `registry`. A database without the routes migration serves no routes.
 */
export async function loadRouteTable(db: Queryable, registry: ProviderRegistry, warn?: (message: string) => void): Promise<RouteTable> {
  try {
    const [rows, health] = await Promise.all([selectRouteRows(db), selectRouteHealthRows(db)]);
    return buildRouteTable(rows, health, registry, warn);
  } catch (error) {
    if (/ai_route/.test(errorMessage(error)) && /does not exist/.test(errorMessage(error))) return RouteTable.empty;
    throw error;
  }
}
