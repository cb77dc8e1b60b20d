import type { Switchboard } from '../switchboard.js';
import { AdminService } from './admin-service.js';

/**
 * The admin service of a running Switchboard: writes its database, reports row status from the
 * registry it serves, and reloads that registry before a write's response is sent.
 */
export function adminServiceFor(switchboard: Switchboard): AdminService {
  return new AdminService({
    db: switchboard.db,
    credentials: switchboard.credentials,
    knownClasses: () => switchboard.providerClasses,
    status: (kind, name) => {
      const registry = switchboard.watcher.snapshot.registry;
      const entry = kind === 'provider' ? registry.providers.get(name) : registry.models.get(name);
      return entry && { status: entry.status, reason: entry.reason };
    },
    onChange: () => switchboard.reload(),
    router: () => switchboard.service.router,
  });
}
