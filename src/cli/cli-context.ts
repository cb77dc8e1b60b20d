import type { Config } from '../config.js';

/** What every command receives: parsed global options and the process streams. */
export interface CliContext {
  config: Config;
  /** `--json`: print one JSON document on stdout. */
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

/** A subcommand: `run` returns the exit code (serve resolves when the server stops). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], context: CliContext): Promise<number>;
}

/** Writes a line to stdout. */
export function print(context: CliContext, text: string): void {
  context.stdout.write(`${text}\n`);
}

/** Prints `value` as JSON on stdout. */
export function printJson(context: CliContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
