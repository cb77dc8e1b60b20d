import type { Queryable } from '../db/db.js';
import { selectCredentialBlockRows, selectRouteHealthRows, selectRouteRows, type CredentialBlockRow } from '../db/sql/routes.js';
import { errorMessage } from '../errors.js';
import type { ProviderEntry, ProviderRegistry } from '../registry/provider-registry.js';
import { buildRouteTable, RouteTable } from './route-table.js';

/**
 * Reads every route (with its targets, in one statement), the shared breaker rows and the shared
 * credential blocks, bound to `registry`. A database without the routes migration serves no routes
 * (and one without the credential-blocks migration shares no blocks). With `fingerprints` (the
 * keyed fingerprints of the env-var key this instance would use for a provider, under each master
 * key it holds), a block written for another key is left out: it does not apply here.
 */
export async function loadRouteTable(
  db: Queryable,
  registry: ProviderRegistry,
  warn?: (message: string) => void,
  fingerprints?: (provider: ProviderEntry) => readonly string[],
): Promise<RouteTable> {
  try {
    const [rows, health, blocks] = await Promise.all([selectRouteRows(db), selectRouteHealthRows(db), selectCredentialBlocks(db)]);
    return buildRouteTable(rows, health, registry, warn, fingerprints === undefined ? blocks : blocksForThisKey(blocks, registry, fingerprints));
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

/**
 * The blocks that apply to the keys this instance holds: those without a fingerprint (older
 * gateways, stored credentials) and those whose fingerprint is that of its own env-var key for the
 * provider. A block of a provider not in the registry is kept (nothing calls it anyway).
 */
function blocksForThisKey(blocks: CredentialBlockRow[], registry: ProviderRegistry, fingerprints: (provider: ProviderEntry) => readonly string[]): CredentialBlockRow[] {
  if (!blocks.some((block) => block.fingerprint !== null)) return blocks;
  const providers = new Map([...registry.providers.values()].map((entry) => [entry.id, entry]));
  return blocks.filter((block) => {
    if (block.fingerprint === null) return true;
    const provider = providers.get(block.providerId);
    return provider === undefined || fingerprints(provider).includes(block.fingerprint);
  });
}

function isMissing(error: unknown, table: RegExp): boolean {
  const message = errorMessage(error);
  return table.test(message) && /does not exist/.test(message);
}
