import type { Queryable } from '../db.js';

/** The channel config triggers notify on. Payload: `{"version": n, "table": "<table>"}`. */
export const configChannel = 'switchboard_config';

/** The current configuration version (bumped by every config write). */
export async function selectConfigVersion(db: Queryable): Promise<number> {
  const result = await db.query<{ version: string | number }>('select version from public.switchboard_config_version where id');
  return Number(result.rows[0]?.version ?? 0);
}
