import type { Queryable } from '../db.js';

/** A gateway API key with its project, as the in-memory key index needs it. */
export interface ApiKeyRow {
  id: string;
  projectId: string;
  projectName: string;
  prefix: string;
  keyHash: string;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/**
 * Every API key that is not revoked, through the definer function that lets the least-privileged
 * runtime role build its key index despite row-level security.
 */
export async function selectActiveApiKeys(db: Queryable): Promise<ApiKeyRow[]> {
  const result = await db.query<ApiKeyRow>(
    `select id, project_id as "projectId", project_name as "projectName", prefix, key_hash as "keyHash",
            revoked_at as "revokedAt", expires_at as "expiresAt"
       from public.switchboard_active_api_keys()`,
  );
  return result.rows;
}
