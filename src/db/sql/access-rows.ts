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

/** Every API key that is not revoked (revoked ones are simply absent from the index). */
export async function selectActiveApiKeys(db: Queryable): Promise<ApiKeyRow[]> {
  const result = await db.query<ApiKeyRow>(
    `select k.id, k.project_id as "projectId", p.name as "projectName", k.prefix, k.key_hash as "keyHash",
            k.revoked_at as "revokedAt", k.expires_at as "expiresAt"
       from public.api_keys k join public.projects p on p.id = k.project_id
      where k.revoked_at is null`,
  );
  return result.rows;
}
