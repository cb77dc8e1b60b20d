import type { Command } from '../cli-context.js';
import { benchServeCommand } from './bench-serve.js';
import { modelsCommand, providersCommand } from './catalog.js';
import { credentialsCommand } from './credentials.js';
import { accessCommand, budgetsCommand, limitsCommand } from './governance.js';
import { keysCommand } from './keys.js';
import { masterKeyCommand } from './master-key.js';
import { migrateCommand } from './migrate.js';
import { projectsCommand } from './projects.js';
import { routesCommand } from './routes.js';
import { serveCommand } from './serve.js';
import { sqlCommand } from './sql.js';
import { usageCommand } from './usage.js';

export const commands: readonly Command[] = [
  serveCommand,
  migrateCommand,
  sqlCommand,
  providersCommand,
  modelsCommand,
  projectsCommand,
  keysCommand,
  credentialsCommand,
  usageCommand,
  routesCommand,
  budgetsCommand,
  limitsCommand,
  accessCommand,
  masterKeyCommand,
  benchServeCommand,
];
