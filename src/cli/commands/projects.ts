import { createProject, listProjects } from '../../db/sql/projects.js';
import { SwitchboardError } from '../../errors.js';
import { print, printJson, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { parseOptions } from '../parse-options.js';
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
      const project = await withDb(context, (db) => createProject(db, name));
      if (context.json) printJson(context, project);
      else print(context, `Created project '${project.name}' (${project.id}).`);
      return 0;
    }
    if (action === 'list') {
      const projects = await withDb(context, (db) => listProjects(db));
      if (context.json) printJson(context, projects);
      else print(context, formatTable(projects, ['name', 'id', 'createdAt']));
      return 0;
    }
    throw new SwitchboardError('invalid_request', `projects needs 'create' or 'list' (got '${action ?? ''}')`);
  },
};
