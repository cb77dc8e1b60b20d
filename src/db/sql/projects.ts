import type { Queryable } from '../db.js';

/** A `projects` row. */
export interface Project {
  id: string;
  name: string;
  createdAt: Date;
}

const columns = `id, name, created_at as "createdAt"`;

/** Creates a project; a taken name throws `DatabaseError` `conflict`, a non-slug `invalid_request`. */
export async function createProject(db: Queryable, name: string): Promise<Project> {
  const result = await db.query<Project>(`insert into public.projects (name) values ($1) returning ${columns}`, [name]);
  const row = result.rows[0];
  if (row === undefined) throw new Error('insert into projects returned no row');
  return row;
}

export async function listProjects(db: Queryable): Promise<Project[]> {
  const result = await db.query<Project>(`select ${columns} from public.projects order by name`);
  return result.rows;
}

export async function findProjectByName(db: Queryable, name: string): Promise<Project | undefined> {
  const result = await db.query<Project>(`select ${columns} from public.projects where name = $1`, [name]);
  return result.rows[0];
}
