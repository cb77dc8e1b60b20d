import type { Queryable } from '../db/db.js';
import { selectCredentialBlockRows, selectRouteHealthRows, selectRouteRows, type CredentialBlockRow } from '../db/sql/routes.js';
import { errorMessage } from '../errors.js';
import type { ProviderRegistry } from '../registry/provider-registry.js';
import { buildRouteTable, RouteTable } from './route-table.js';

/**
 * Reads every route (with its targets, in one statement), the shared breaker rows and the shared
 * credential blocks, bound to `registry`. A database without the routes migration serves no routes
 * (and one without the credential-blocks migration shares no blocks).
 */
export async function loadRouteTable(db: Queryable, registry: ProviderRegistry, warn?: (message: string) => void): Promise<RouteTable> {
  try {
    const [rows, health, blocks] = await Promise.all([selectRouteRows(db), selectRouteHealthRows(db), selectCredentialBlocks(db)]);
    return buildRouteTable(rows, health, registry, warn, blocks);
  } catch (error) {
    if (isMissing(error, /ai_route/)) return RouteTable.empty;
    throw error;
  }
}

async function selectCredentialBlocks(db: Queryable): Promise<CredentialBlockRow[]> {
  try {
    return await selectCredentialBlockRows(db);
  } catch (error) {
    if (isMissing(error, /ai_credential_blocks/)) return [];
    throw error;
  }
}

function isMissing(error: unknown, table: RegExp): boolean {
  const message = errorMessage(error);
  return table.test(message) && /does not exist/.test(message);
}
