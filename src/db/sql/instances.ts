/**
 * Gateway instances (`switchboard_instances`): each instance reports itself through the
 * security-definer functions (the runtime role may only execute them); the admin side lists them
 * with the time each configuration version was reached (`switchboard_config_version_log`).
 *
 * @module
 */
import type { Queryable } from '../db.js';

/** What an instance says about itself. */
export interface InstanceReport {
  id: string;
  hostname: string;
  pid: number;
  startedAt: Date;
  configVersion: number;
}

/** Upserts the instance's row (a new version restamps applied_at with the database clock). */
export async function reportInstance(db: Queryable, report: InstanceReport): Promise<void> {
  await db.query('select public.switchboard_report_instance($1, $2, $3, $4::timestamptz, $5::bigint)', [
    report.id, report.hostname, report.pid, report.startedAt, report.configVersion,
  ]);
}

export async function removeInstance(db: Queryable, id: string): Promise<void> {
  await db.query('select public.switchboard_remove_instance($1)', [id]);
}

/** An instance as the dashboard lists it. */
export interface InstanceRow {
  id: string;
  hostname: string;
  pid: number;
  started_at: Date;
  config_version: number;
  applied_at: Date;
  last_seen: Date;
  /**
   * applied_at minus the time its version was reached; null when that time is not logged or came
   * before the instance started.
   */
  apply_lag_ms: number | null;
  /** Seen within `aliveMs`. */
  alive: boolean;
}

/** Every instance (newest start first) and the current configuration version. */
export async function selectInstances(db: Queryable, aliveMs: number): Promise<{ rows: InstanceRow[]; currentVersion: number }> {
  const [instances, version] = await Promise.all([
    db.query<InstanceRow>(
      `select i.id, i.hostname, i.pid, i.started_at, i.config_version::float8 as config_version, i.applied_at, i.last_seen,
              -- A version reached before the instance started was loaded at start, not applied as a change.
              case when l.changed_at >= i.started_at
                   then round(greatest(0, extract(epoch from (i.applied_at - l.changed_at)) * 1000))::float8 end as apply_lag_ms,
              i.last_seen > clock_timestamp() - make_interval(secs => $1::float8 / 1000) as alive
         from public.switchboard_instances i
         left join public.switchboard_config_version_log l on l.version = i.config_version
        order by i.started_at desc, i.id
        limit 500`,
      [aliveMs],
    ),
    db.query<{ version: number }>('select version::float8 as version from public.switchboard_config_version where id'),
  ]);
  return { rows: instances.rows, currentVersion: version.rows[0]?.version ?? 0 };
}
