import type { Queryable } from '../db.js';

/**
 * Scopes the current transaction to one project for row-level security: the policies on
 * per-project tables compare `project_id` with this setting.
 */
export async function setProjectScope(tx: Queryable, projectId: string): Promise<void> {
  await tx.query(`select set_config('switchboard.project_id', $1, true)`, [projectId]);
}

export interface CredentialRow {
  id: string;
  projectId: string;
  providerId: string;
  credentials: string;
  keyHint: string | null;
  updatedAt: Date;
}

/** The project's stored credential for one provider (call inside a project-scoped transaction). */
export async function selectCredential(tx: Queryable, projectId: string, providerId: string): Promise<CredentialRow | undefined> {
  const result = await tx.query<CredentialRow>(
    `select id, project_id as "projectId", provider_id as "providerId", credentials, key_hint as "keyHint", updated_at as "updatedAt"
       from public.ai_provider_credentials where project_id = $1 and provider_id = $2`,
    [projectId, providerId],
  );
  return result.rows[0];
}

/** Inserts or replaces a project's credential for a provider. */
export async function upsertCredential(
  tx: Queryable,
  row: { projectId: string; providerId: string; credentials: string; keyHint: string | null },
): Promise<void> {
  await tx.query(
    `insert into public.ai_provider_credentials (project_id, provider_id, credentials, key_hint)
     values ($1, $2, $3, $4)
     on conflict (project_id, provider_id) do update set credentials = excluded.credentials, key_hint = excluded.key_hint`,
    [row.projectId, row.providerId, row.credentials, row.keyHint],
  );
}

export async function deleteCredential(tx: Queryable, projectId: string, providerId: string): Promise<boolean> {
  const result = await tx.query(`delete from public.ai_provider_credentials where project_id = $1 and provider_id = $2`, [projectId, providerId]);
  return result.rowCount > 0;
}

/** A credential as listed: never the secret. */
export interface CredentialListing {
  projectName: string;
  providerName: string;
  keyHint: string | null;
  /** Changes whenever the stored secret does (a hash of its envelope; see the config history migration). */
  fingerprint: string | null;
  updatedAt: Date;
}

export async function listCredentials(db: Queryable, projectName?: string): Promise<CredentialListing[]> {
  const result = await db.query<CredentialListing>(
    `select p.name as "projectName", ap.name as "providerName", c.key_hint as "keyHint", c.fingerprint, c.updated_at as "updatedAt"
       from public.ai_provider_credentials c
       join public.projects p on p.id = c.project_id
       join public.ai_providers ap on ap.id = c.provider_id
      where $1::text is null or p.name = $1
      order by p.name, ap.name`,
    [projectName ?? null],
  );
  return result.rows;
}

/**
 * True when row-level security filters `ai_provider_credentials` for the current role (anyone but a
 * superuser or a BYPASSRLS role, the table being forced): such a role cannot see every project's rows.
 */
export async function credentialsFilteredByRls(tx: Queryable): Promise<{ filtered: boolean; role: string }> {
  const result = await tx.query<{ filtered: boolean; role: string }>(
    `select row_security_active('public.ai_provider_credentials'::regclass) as filtered, current_user::text as role`,
  );
  return result.rows[0] ?? { filtered: true, role: 'unknown' };
}

/** Every stored credential (for master-key rotation; run as a role that RLS does not filter). */
export async function selectAllCredentials(tx: Queryable): Promise<CredentialRow[]> {
  const result = await tx.query<CredentialRow>(
    `select id, project_id as "projectId", provider_id as "providerId", credentials, key_hint as "keyHint", updated_at as "updatedAt"
       from public.ai_provider_credentials order by id for update`,
  );
  return result.rows;
}

export async function updateCredentialCiphertext(tx: Queryable, id: string, credentials: string): Promise<void> {
  await tx.query(`update public.ai_provider_credentials set credentials = $2 where id = $1`, [id, credentials]);
}

/** The ids of a project and a provider by their names (undefined fields when absent). */
export async function selectCredentialTarget(
  db: Queryable,
  projectName: string,
  providerName: string,
): Promise<{ projectId: string | undefined; providerId: string | undefined }> {
  const result = await db.query<{ projectId: string | null; providerId: string | null }>(
    `select (select id from public.projects where name = $1) as "projectId",
            (select id from public.ai_providers where name = $2) as "providerId"`,
    [projectName, providerName],
  );
  return { projectId: result.rows[0]?.projectId ?? undefined, providerId: result.rows[0]?.providerId ?? undefined };
}

/** What a provider row says about where its credentials go: its URL, name and class. */
export interface ProviderUrlRow {
  name: string;
  apiBaseUrl: string | null;
  providerClass: string;
}

/** The URL facts of one provider row (undefined when it does not exist). */
export async function selectProviderUrl(db: Queryable, providerId: string): Promise<ProviderUrlRow | undefined> {
  const result = await db.query<ProviderUrlRow>(
    `select name, api_base_url as "apiBaseUrl", provider_class as "providerClass" from public.ai_providers where id = $1`,
    [providerId],
  );
  return result.rows[0];
}

/** Every stored credential with its provider's URL facts, locked (run as a role that RLS does not filter). */
export async function selectCredentialsWithProviderUrl(tx: Queryable): Promise<Array<CredentialRow & ProviderUrlRow>> {
  const result = await tx.query<CredentialRow & ProviderUrlRow>(
    `select c.id, c.project_id as "projectId", c.provider_id as "providerId", c.credentials, c.key_hint as "keyHint", c.updated_at as "updatedAt",
            p.name, p.api_base_url as "apiBaseUrl", p.provider_class as "providerClass"
       from public.ai_provider_credentials c join public.ai_providers p on p.id = c.provider_id
      order by c.id for update of c`,
  );
  return result.rows;
}
