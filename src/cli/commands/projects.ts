import { createProject, listProjects, type Project } from '../../db/sql/projects.js';
import { DatabaseError, SwitchboardError } from '../../errors.js';
import { line, print, printJson, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { parseOptions } from '../parse-options.js';
import { directOrServer } from './server-admin.js';
import { withDb } from './with-db.js';

export const projectsCommand: Command = {
  name: 'projects',
  summary: 'create and list projects (tenants)',
  usage: 'Usage:\n  switchboard projects create <name> [--json]\n  switchboard projects list [--json]',
  async run(args, context) {
    const [action, ...rest] = args;
    const { positionals } = parseOptions(rest, {}, true);
    if (action === 'create') {
      const name = positionals[0];
      if (!name) throw new SwitchboardError('invalid_request', 'projects create needs a name');
      const project = await directOrServer(
        context,
        () => withDb(context, (db) => createProject(db, name)).catch((error: unknown) => {
          throw explainCreateError(error, name);
        }),
        async (server) => projectOf(await server.call('POST', 'projects', { name })),
      );
      if (context.json) printJson(context, project);
      else print(context, line`Created project '${project.name}' (${project.id}).`);
      return 0;
    }
    if (action === 'list') {
      const projects = await directOrServer(
        context,
        () => withDb(context, (db) => listProjects(db)),
        async (server) => (await server.call<Row[]>('GET', 'projects')).map(projectOf).sort((a, b) => (a.name < b.name ? -1 : 1)),
      );
      if (context.json) printJson(context, projects);
      else print(context, formatTable(projects, ['name', 'id', 'createdAt']));
      return 0;
    }
    throw new SwitchboardError('invalid_request', `projects needs 'create' or 'list' (got '${action ?? ''}')`);
  },
};

type Row = Record<string, unknown>;

/** An admin API project row in the shape the direct path prints. */
const projectOf = (row: Row): Project => ({ id: String(row['id']), name: String(row['name']), createdAt: row['created_at'] as Date });

/** The database's conflict and check errors of `projects create`, said in the user's terms. */
function explainCreateError(error: unknown, name: string): unknown {
  if (!(error instanceof DatabaseError)) return error;
  if (error.code === 'conflict') return new SwitchboardError('conflict', `a project named '${name}' already exists`, { cause: error });
  if (error.constraint === 'projects_name_check') {
    return new SwitchboardError(
      'invalid_request',
      `invalid project name '${name}': use at most 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit`,
      { cause: error },
    );
  }
  return error;
}
