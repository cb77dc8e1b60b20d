import type { Queryable } from '../db.js';

/** The channel config triggers notify on. Payload: `{"version": n, "table": "<table>"}`. */
export const configChannel = 'switchboard_config';

/** The current configuration version (bumped by every config write). */
export async function selectConfigVersion(db: Queryable): Promise<number> {
  const result = await db.query<{ version: string | number }>('select version from public.switchboard_config_version where id');
  return Number(result.rows[0]?.version ?? 0);
}

/** The version row: the current version and, per config table, the version of its last change. */
export interface ConfigVersionState {
  /** 0 when the row cannot be read (row-level security, a missing grant). */
  version: number;
  /** Undefined on a database without the column (before migration 20261206120000). */
  tableVersions: ReadonlyMap<string, number> | undefined;
}

/**
 * Reads the version row in one statement. The whole-row `to_jsonb` keeps this working on a database
 * not yet migrated to per-table versions (a gateway started with `--no-migrate` during an upgrade).
 */
export async function selectConfigState(db: Queryable): Promise<ConfigVersionState> {
  const result = await db.query<{ version: string | number; table_versions: unknown }>(
    `select version, to_jsonb(v) -> 'table_versions' as table_versions from public.switchboard_config_version v where id`,
  );
  const row = result.rows[0];
  if (row === undefined) return { version: 0, tableVersions: undefined };
  return { version: Number(row.version), tableVersions: parseTableVersions(row.table_versions) };
}

function parseTableVersions(value: unknown): Map<string, number> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const versions = new Map<string, number>();
  for (const [table, version] of Object.entries(value)) {
    if (typeof version === 'number' && Number.isFinite(version)) versions.set(table, version);
  }
  return versions;
}
