/**
 * The CLI governance tests' database: a migrated CLI target (PGlite data dir, or Postgres with
 * DATABASE_URL) holding the project `cli-gov` with one API key.
 *
 * @module
 */
import { generateApiKey } from '../../src/crypto/api-key.js';
import { migratedTarget, withTargetDb, type CliTarget } from '../cli/cli-harness.js';

export async function governanceCliTarget(): Promise<{ target: CliTarget; keyId: string }> {
  const target = await migratedTarget();
  let keyId = '';
  await withTargetDb(target, async (db) => {
    await db.query(`insert into public.projects (name) values ('cli-gov')`);
    const key = generateApiKey();
    const row = await db.query<{ id: string }>(
      `insert into public.api_keys (project_id, name, prefix, key_hash) select id, 'k', $1, $2 from public.projects where name = 'cli-gov' returning id`,
      [key.prefix, key.hash],
    );
    keyId = row.rows[0]?.id as string;
  });
  return { target, keyId };
}
