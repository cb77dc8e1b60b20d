import type { Queryable } from '../db.js';

/** An API key as listed (never the secret or its hash). */
export interface ApiKeyListing {
  id: string;
  projectName: string;
  name: string | null;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** Stores a new key's hash for a project (found by name); returns the row id. */
export async function insertApiKey(
  db: Queryable,
  key: { projectName: string; name: string | null; prefix: string; keyHash: string; expiresAt?: string | null },
): Promise<{ id: string; projectId: string } | undefined> {
  const result = await db.query<{ id: string; projectId: string }>(
    `insert into public.api_keys (project_id, name, prefix, key_hash, expires_at)
     select p.id, $2, $3, $4, $5::timestamptz from public.projects p where p.name = $1
     returning id, project_id as "projectId"`,
    [key.projectName, key.name, key.prefix, key.keyHash, key.expiresAt ?? null],
  );
  return result.rows[0];
}

export async function listApiKeys(db: Queryable, projectName?: string): Promise<ApiKeyListing[]> {
  const result = await db.query<ApiKeyListing>(
    `select k.id, p.name as "projectName", k.name, k.prefix, k.created_at as "createdAt",
            k.revoked_at as "revokedAt", k.expires_at as "expiresAt"
       from public.api_keys k join public.projects p on p.id = k.project_id
      where $1::text is null or p.name = $1
      order by p.name, k.created_at`,
    [projectName ?? null],
  );
  return result.rows;
}

/** Marks a key revoked; returns false when no unrevoked key has that id. */
export async function revokeApiKey(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query(`update public.api_keys set revoked_at = now() where id = $1 and revoked_at is null`, [id]);
  return result.rowCount > 0;
}
