import type { Switchboard } from '../switchboard.js';
import { AdminEventHub } from '../dashboard/admin-events.js';
import { DashboardService } from '../dashboard/dashboard-service.js';
import { InstanceReporter, newInstanceId } from '../dashboard/instance-reporter.js';
import { AdminService } from './admin-service.js';

export interface AdminForSwitchboardOptions {
  /** This instance's id in switchboard_instances (its InstanceReporter's); default a new one. */
  instanceId?: string;
  /** Most concurrent GET /admin/v1/events streams (default 16). */
  maxEventStreams?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * The admin service of a running Switchboard: writes its database, reports row status from the
 * registry it serves, and applies a write before its response is sent (reloading only the parts
 * whose tables the write changed); with the dashboard's routes (history, instances, status, usage
 * series, live events).
 */
export function adminServiceFor(switchboard: Switchboard, options: AdminForSwitchboardOptions = {}): AdminService {
  const events = new AdminEventHub({
    db: switchboard.db,
    ...(options.maxEventStreams === undefined ? {} : { maxStreams: options.maxEventStreams }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  switchboard.watcher.onChange((snapshot) => events.configApplied(snapshot.version));
  events.configApplied(switchboard.watcher.snapshot.version);
  const dashboard = new DashboardService({
    db: switchboard.db,
    snapshot: () => switchboard.watcher.snapshot,
    governance: () => switchboard.governor?.rules,
    clockOffsetMs: () => switchboard.governor?.clockOffsetMs ?? 0,
    instanceId: options.instanceId ?? newInstanceId(),
    events,
    onChange: () => switchboard.reloadChanged(),
  });
  return new AdminService({
    db: switchboard.db,
    credentials: switchboard.credentials,
    knownClasses: () => switchboard.providerClasses,
    status: (kind, name) => {
      const registry = switchboard.watcher.snapshot.registry;
      const entry = kind === 'provider' ? registry.providers.get(name) : registry.models.get(name);
      return entry && { status: entry.status, reason: entry.reason };
    },
    onChange: () => switchboard.reloadChanged(),
    router: () => switchboard.service.router,
    dashboard,
  });
}

/**
 * Reports this gateway to switchboard_instances (at start, on every applied configuration version,
 * every 5 s); `stop()` it on shutdown, before closing the Switchboard.
 */
export async function startInstanceReporting(
  switchboard: Switchboard,
  options: { intervalMs?: number; log?: AdminForSwitchboardOptions['log'] } = {},
): Promise<InstanceReporter> {
  const reporter = new InstanceReporter({
    db: switchboard.db,
    version: () => switchboard.watcher.snapshot.version,
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  switchboard.watcher.onChange(() => void reporter.report());
  await reporter.start();
  return reporter;
}
