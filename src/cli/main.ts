/**
 * `switchboard` command line: global options, command dispatch, one-line errors.
 *
 * @module
 */
import path from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { SwitchboardError, errorMessage } from '../errors.js';
import type { CliContext, Command } from './cli-context.js';
import { commands } from './commands/index.js';

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
    const base = loadConfig(io.env ?? process.env);
    const config: Config = Object.freeze({
      ...base,
      ...(globals.databaseUrl === undefined ? {} : { databaseUrl: globals.databaseUrl }),
      ...(globals.dataDir === undefined ? {} : { dataDir: path.resolve(globals.dataDir) }),
    });
    const context: CliContext = {
      config,
      json: globals.json,
      stdout: io.stdout ?? process.stdout,
      stderr,
      stdin: io.stdin ?? process.stdin,
    };
    const [name, ...args] = rest;
    if (name === undefined || name === 'help') {
      context.stdout.write(`${globalHelp(commands)}\n`);
      return name === undefined && !globals.help ? 1 : 0;
    }
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) throw new SwitchboardError('invalid_request', `unknown command '${name}' (run switchboard --help)`);
    if (globals.help) {
      context.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await command.run(args, context);
  } catch (error) {
    stderr.write(`switchboard: ${oneLine(error)}\n`);
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
