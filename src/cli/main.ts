/**
 * `switchboard` command line: global options, command dispatch, one-line errors.
 *
 * @module
 */
import path from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { SwitchboardError, errorMessage } from '../errors.js';
import { inline, type CliContext, type Command } from './cli-context.js';
import { commands } from './commands/index.js';
import { hasPassword, passwordArgumentWarning } from './url-password.js';

const globalHelp = (list: readonly Command[]): string =>
  [
    'Usage: switchboard [--database-url URL | --data-dir DIR] [--json] <command> [options]',
    '',
    'Commands:',
    ...list.map((command) => `  ${command.name.padEnd(14)}${command.summary}`),
    '',
    'Global options:',
    '  --database-url URL  Postgres connection string (default: $DATABASE_URL; unset = embedded database)',
    '  --data-dir DIR      embedded database directory (default: $SWITCHBOARD_DATA_DIR or ./.switchboard/db)',
    '  --json              print one JSON document on stdout',
    '  -h, --help          help for switchboard or for a command',
  ].join('\n');

export interface MainIo {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  env?: Record<string, string | undefined>;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  try {
    const { globals, rest } = extractGlobals(argv);
    if (globals.databaseUrl !== undefined && globals.dataDir !== undefined) {
      throw new SwitchboardError('invalid_request', 'give either --database-url or --data-dir, not both');
    }
    const base = loadConfig(io.env ?? process.env);
    const config: Config = Object.freeze({
      ...base,
      ...(globals.databaseUrl === undefined ? {} : { databaseUrl: globals.databaseUrl }),
      // An explicit --data-dir selects the embedded database even when DATABASE_URL is set.
      ...(globals.dataDir === undefined ? {} : { databaseUrl: undefined, dataDir: path.resolve(globals.dataDir) }),
    });
    if (globals.databaseUrl !== undefined && hasPassword(globals.databaseUrl)) stderr.write(passwordArgumentWarning('--database-url', 'set DATABASE_URL in the environment instead'));
    const context: CliContext = {
      config,
      json: globals.json,
      stdout: io.stdout ?? process.stdout,
      stderr,
      stdin: io.stdin ?? process.stdin,
    };
    const [name, ...args] = rest;
    const helpTopic = name === 'help' ? commands.find((candidate) => candidate.name === args[0]) : undefined;
    if (helpTopic) {
      context.stdout.write(`${helpTopic.usage}\n`);
      return 0;
    }
    if (name === undefined || name === 'help') {
      // Asked for: help on stdout, exit 0. No command at all is a usage error: help on stderr, exit 1.
      const asked = name === 'help' || globals.help;
      (asked ? context.stdout : stderr).write(`${globalHelp(commands)}\n`);
      return asked ? 0 : 1;
    }
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) throw new SwitchboardError('invalid_request', `unknown command '${name}' (run switchboard --help)`);
    if (globals.help) {
      context.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await command.run(args, context);
  } catch (error) {
    stderr.write(`switchboard: ${inline(oneLine(error))}\n`);
    return 1;
  }
}

interface Globals {
  databaseUrl: string | undefined;
  dataDir: string | undefined;
  json: boolean;
  help: boolean;
}

/** Pulls global options out of argv wherever they appear. */
function extractGlobals(argv: readonly string[]): { globals: Globals; rest: string[] } {
  const globals: Globals = { databaseUrl: undefined, dataDir: undefined, json: false, help: false };
  const rest: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    const [flag, inline] = argument.startsWith('--') && argument.includes('=') ? splitOnce(argument) : [argument, undefined];
    if (flag === '--database-url' || flag === '--data-dir') {
      const value = inline ?? argv[++index];
      if (value === undefined || value === '') throw new SwitchboardError('invalid_request', `${flag} needs a value`);
      if (flag === '--database-url') globals.databaseUrl = value;
      else globals.dataDir = value;
    } else if (argument === '--json') globals.json = true;
    else if (argument === '--help' || argument === '-h') globals.help = true;
    else rest.push(argument);
  }
  return { globals, rest };
}

function splitOnce(argument: string): [string, string] {
  const equals = argument.indexOf('=');
  return [argument.slice(0, equals), argument.slice(equals + 1)];
}

function oneLine(error: unknown): string {
  const message = SwitchboardError.isInstance(error) ? error.message : errorMessage(error);
  return message.replace(/\s*\n\s*/g, ' ');
}
