import type { RouteRow } from '../../db/sql/routes.js';
import type { ProviderRegistry } from '../../registry/provider-registry.js';
import { buildRouteTable, RouteTable } from '../../routing/route-table.js';

/** The route bench-serve --route serves: gpt-4o-mini 50 / gpt-4o 50, one tier, sticky key none. */
export function benchRouteTable(registry: ProviderRegistry, name: string | undefined): RouteTable {
  if (name === undefined) return RouteTable.empty;
  const models = ['gpt-4o-mini', 'gpt-4o'].map((model) => registry.models.get(model)).filter((model) => model !== undefined);
  const row: RouteRow = {
    id: '00000000-0000-4000-8000-00000000be0c',
    name,
    projectId: null,
    strategy: 'weighted',
    stickyKey: 'none',
    maxAttempts: 3,
    deadlineMs: 60_000,
    retriesPerTarget: 0,
    maxRetryWaitMs: 2000,
    breakerFailures: 5,
    breakerFailureRate: 0.5,
    breakerWindow: 20,
    breakerCooldownMs: 30_000,
    version: 1,
    isActive: true,
    description: 'bench-serve --route',
    targets: models.map((model, index) => ({
      id: `00000000-0000-4000-8000-00000000be0${index}`,
      modelId: model.id,
      modelName: model.name,
      weight: 50,
      tier: 0,
      arm: null,
      accepts: ['connection', 'timeout', 'server_error', 'overloaded', 'rate_limited', 'auth', 'empty'],
    })),
  };
  return buildRouteTable([row], [], registry);
}
