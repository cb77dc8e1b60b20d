import { generateApiKey } from '../../crypto/api-key.js';
import type { Db } from '../../db/db.js';
import { insertApiKey } from '../../db/sql/api-keys.js';
import { createProject, listProjects } from '../../db/sql/projects.js';

/**
 * On the first start of an empty embedded database (`serve` does not call it on Postgres): a project `default` with one API key. Returns the key
 * (to print once), or undefined when the database already has projects.
 */
export async function bootstrapFirstStart(db: Db): Promise<{ key: string } | undefined> {
  if ((await listProjects(db)).length > 0) return undefined;
  const project = await createProject(db, 'default');
  const generated = generateApiKey();
  await insertApiKey(db, { projectName: project.name, name: 'default', prefix: generated.prefix, keyHash: generated.hash });
  return { key: generated.key };
}

/** True when no project is visible (a role that sees none gets a harmless hint; a failure is not "none"). */
export async function hasNoProject(db: Db): Promise<boolean> {
  try {
    return (await listProjects(db)).length === 0;
  } catch {
    return false;
  }
}
